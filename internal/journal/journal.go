// Package journal records every write run so it can be audited and reverted. A run's
// journal is one JSON-lines file, <state-dir>/runs/<RUN_ID>.jsonl, created 0600 and
// appended (and synced) record by record: the plan first, then each batch as it is
// about to be sent and again once answered, then the read-back and the outcome. A run
// killed half-way still leaves a journal that says which batches were sent and what
// they replaced, including the one whose answer it never saw.
package journal

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/plan"
)

// Run statuses of `runs`.
const (
	StatusApplied  = "applied"
	StatusPartial  = "partial"
	StatusFailed   = "failed"
	StatusRefused  = "refused"
	StatusReverted = "reverted"
)

// Batch statuses.
const (
	BatchApplied = "applied" // the API accepted every entry
	BatchPartial = "partial" // a 422 named some entries; the rest were sent again
	BatchFailed  = "failed"  // nothing of the batch is known to have been applied
	// BatchSent is a batch whose answer is unknown: journaled before sending
	// and the run died meanwhile, or the answer was lost (a dropped connection, a
	// 5xx or 429 after a retried attempt). The write may or may not have landed;
	// the read-back, when the run got to it, tells.
	BatchSent = "sent"
)

// record is one line of a journal; Type says which fields are set.
type record struct {
	Type string    `json:"type"`
	At   time.Time `json:"at"`

	// start
	RunID   string     `json:"run_id,omitempty"`
	Command string     `json:"command,omitempty"`
	Forced  bool       `json:"forced,omitempty"`
	Plan    *plan.Plan `json:"plan,omitempty"`

	// batch
	Batch *Batch `json:"batch,omitempty"`

	// readback
	NotTaken         []plan.Change `json:"not_taken,omitempty"`
	ChangedElsewhere []plan.Change `json:"changed_elsewhere,omitempty"`

	// stale: entries of a saved plan or revert written under --force although
	// their current value had changed
	Stale []plan.Change `json:"stale,omitempty"`

	// kept: the previous content of a target written whole
	Kept *Kept `json:"kept,omitempty"`

	// finish
	Outcome *Outcome `json:"outcome,omitempty"`

	// reverted
	By string `json:"by,omitempty"`
}

// Batch is one write request's worth of entries and what became of them. The
// entries' From values are the values the run replaced.
type Batch struct {
	N           int           `json:"n"`
	WarehouseID int64         `json:"warehouse_id,omitempty"`
	Entries     []plan.Change `json:"entries"`
	Status      string        `json:"status"`
	// Failed are entries the API rejected (422 naming them) or that were never
	// acknowledged; empty when Status is applied.
	Failed []plan.Change `json:"failed,omitempty"`
	Error  string        `json:"error,omitempty"`
}

// MaxKept is the largest previous content a journal keeps a copy of (100 MB): a
// larger file's run cannot be reverted, and says so.
const MaxKept = 100 << 20

// Kept says what a run kept of a target it wrote whole.
type Kept struct {
	// Existed is false when the target did not exist before the run (revert
	// removes it then).
	Existed bool `json:"existed"`
	// Size is the previous content's size in bytes.
	Size int64 `json:"size"`
	// Copied is set when the copy is in the journal's folder (<run id>.prev);
	// not for content above MaxKept.
	Copied bool `json:"copied"`
}

// StatusOf is the status of a run that applied done entries and failed others.
func StatusOf(done, failed int) string {
	switch {
	case failed > 0 && done > 0:
		return StatusPartial
	case failed > 0:
		return StatusFailed
	}
	return StatusApplied
}

// Outcome closes a run.
type Outcome struct {
	Status      string `json:"status"`
	Applied     int    `json:"applied"`
	Failed      int    `json:"failed"`
	Unconfirmed int    `json:"unconfirmed,omitempty"`
	Requests    int    `json:"requests"`
	Error       string `json:"error,omitempty"`
}

// Journal is an open run journal.
type Journal struct {
	RunID string
	path  string
	file  *os.File
	now   func() time.Time
}

var runIDPattern = regexp.MustCompile(`^\d{8}T\d{6}Z-[0-9a-f]{4}$`)

// NewRunID returns a run id: YYYYMMDDTHHMMSSZ-xxxx, UTC, sortable by time.
func NewRunID(now time.Time) string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

func runsDir(stateDir string) string { return filepath.Join(stateDir, "runs") }

// Start creates the journal of a new run and records its plan.
func Start(stateDir string, now func() time.Time, p *plan.Plan, forced bool) (*Journal, error) {
	dir := runsDir(stateDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create journal directory: %w", err)
	}
	var id, path string
	var file *os.File
	var err error
	// Two runs in one second share the id's time; the random part tells them
	// apart, and a clash (1 in 65,536) just draws again.
	for range 8 {
		id = NewRunID(now())
		path = filepath.Join(dir, id+".jsonl")
		file, err = os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("create journal: %w", err)
	}
	j := &Journal{RunID: id, path: path, file: file, now: now}
	if err := j.write(record{Type: "start", RunID: id, Command: p.Command, Forced: forced, Plan: p}); err != nil {
		_ = file.Close()
		return nil, err
	}
	return j, nil
}

// Need estimates the bytes a run of p journals: the plan, then each entry twice more
// (sent, answered) and once in the read-back, plus room for the records around them.
func Need(p *plan.Plan) (int64, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return 0, fmt.Errorf("journal size: %w", err)
	}
	return int64(len(b))*4 + 64<<10, nil
}

// Path is the journal file.
func (j *Journal) Path() string { return j.path }

func (j *Journal) write(r record) error {
	r.At = j.now().UTC()
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("journal %s: %w", j.RunID, err)
	}
	if _, err := j.file.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("journal %s: %w", j.RunID, err)
	}
	// A journal that is lost with the machine is no journal: sync each record.
	if err := j.file.Sync(); err != nil {
		return fmt.Errorf("journal %s: %w", j.RunID, err)
	}
	return nil
}

// Sending records a batch about to be sent, before the request leaves: a run killed
// while waiting for the answer must still be revertible.
func (j *Journal) Sending(b Batch) error {
	b.Status, b.Failed, b.Error = BatchSent, nil, ""
	return j.write(record{Type: "sending", Batch: &b})
}

// Batch records one batch's outcome; it supersedes the Sending record of the same N,
// however many records came between.
func (j *Journal) Batch(b Batch) error { return j.write(record{Type: "batch", Batch: &b}) }

// Stale records entries written under --force although they were stale.
func (j *Journal) Stale(entries []plan.Change) error {
	return j.write(record{Type: "stale", Stale: entries})
}

// ReadBack records entries that did not take and entries someone else changed.
func (j *Journal) ReadBack(notTaken, elsewhere []plan.Change) error {
	return j.write(record{Type: "readback", NotTaken: notTaken, ChangedElsewhere: elsewhere})
}

// Keep records the target's previous content: existed and size as they were, and the
// bytes copy writes, into <run id>.prev next to the journal, synced before the
// first write; content above MaxKept is recorded but not copied.
func (j *Journal) Keep(existed bool, size int64, copy func(w io.Writer) error) error {
	k := Kept{Existed: existed, Size: size}
	if existed && size <= MaxKept {
		if err := j.copyPrevious(copy); err != nil {
			return err
		}
		k.Copied = true
	}
	return j.write(record{Type: "kept", Kept: &k})
}

func (j *Journal) copyPrevious(copy func(w io.Writer) error) error {
	path := strings.TrimSuffix(j.path, ".jsonl") + ".prev"
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("journal %s: keep the previous content: %w", j.RunID, err)
	}
	err = copy(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("journal %s: keep the previous content: %w", j.RunID, err)
	}
	return nil
}

// OpenKept opens the copy of the previous content a run kept.
func OpenKept(stateDir, runID string) (*os.File, error) {
	return os.Open(filepath.Join(runsDir(stateDir), runID+".prev"))
}

// Finish records the outcome and closes the journal.
func (j *Journal) Finish(o Outcome) error {
	err := j.write(record{Type: "finish", Outcome: &o})
	if cerr := j.file.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("journal %s: %w", j.RunID, cerr)
	}
	return err
}

// Run is a journal read back.
type Run struct {
	RunID      string
	Command    string
	StartedAt  time.Time
	FinishedAt *time.Time
	Forced     bool
	Plan       *plan.Plan
	Batches    []Batch
	NotTaken   []plan.Change
	Elsewhere  []plan.Change
	Stale      []plan.Change
	Outcome    *Outcome
	RevertedBy string
	// Kept is what the run kept of a target it wrote whole; nil when none.
	Kept *Kept
	// readBack is set once the run journaled a read-back: NotTaken is then the
	// truth about every entry sent.
	readBack bool
}

// Summary is a run as `runs -o json` lists it.
type Summary struct {
	RunID      string     `json:"run_id"`
	Command    string     `json:"command"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Status     string     `json:"status"`
	Applied    int        `json:"applied"`
	Failed     int        `json:"failed"`
	// Unconfirmed were sent but never read back: neither applied nor failed.
	Unconfirmed int    `json:"unconfirmed"`
	Requests    int    `json:"requests"`
	Source      string `json:"source"`
	Target      string `json:"target"`
}

// Status is the run's status: reverted once a revert run succeeded; the recorded
// outcome when the run finished; for a run that died, partial if a batch was
// applied or may have been (sent, answer unknown), else failed.
func (r *Run) Status() string {
	switch {
	case r.RevertedBy != "":
		return StatusReverted
	case r.Outcome != nil:
		return r.Outcome.Status
	}
	for _, b := range r.Batches {
		if b.Status != BatchFailed {
			return StatusPartial
		}
	}
	return StatusFailed
}

// Summary condenses the run for listing.
func (r *Run) Summary() Summary {
	s := Summary{RunID: r.RunID, Command: r.Command, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Status: r.Status()}
	if r.Outcome != nil {
		s.Applied, s.Failed, s.Unconfirmed, s.Requests = r.Outcome.Applied, r.Outcome.Failed, r.Outcome.Unconfirmed, r.Outcome.Requests
	}
	if r.Plan != nil {
		s.Source = r.Plan.Source.Location
		s.Target = r.Plan.Target.Location
		if r.Plan.Target.APIURL != nil {
			s.Target = *r.Plan.Target.APIURL
		}
	}
	return s
}

// Applied lists the entries the run changed: those of accepted batches, and of
// batches whose answer was lost once the read-back has told, less the ones the API
// rejected and the ones the read-back found not taken. Their From values are what
// revert puts back. Entries whose fate nobody learnt are not here: see Unconfirmed.
func (r *Run) Applied() []plan.Change {
	notTaken := map[plan.Key]bool{}
	for _, c := range r.NotTaken {
		notTaken[c.Key()] = true
	}
	var out []plan.Change
	for _, b := range r.Batches {
		if b.Status == BatchFailed || (b.Status == BatchSent && !r.readBack) {
			continue
		}
		failed := map[plan.Key]bool{}
		for _, c := range b.Failed {
			failed[c.Key()] = true
		}
		for _, c := range b.Entries {
			if k := c.Key(); !failed[k] && !notTaken[k] {
				out = append(out, c)
			}
		}
	}
	return out
}

// Unconfirmed lists the entries of batches whose answer the run never learnt and
// never read back (it was killed, or the read-back failed): KeyCRM may hold either
// value. Revert puts back those that hold the value the run wrote.
func (r *Run) Unconfirmed() []plan.Change {
	if r.readBack {
		return nil
	}
	var out []plan.Change
	for _, b := range r.Batches {
		if b.Status != BatchSent {
			continue
		}
		failed := map[plan.Key]bool{}
		for _, c := range b.Failed {
			failed[c.Key()] = true
		}
		for _, c := range b.Entries {
			if !failed[c.Key()] {
				out = append(out, c)
			}
		}
	}
	return out
}

// ErrNoRun is returned for an unknown run id.
var ErrNoRun = errors.New("no such run")

// Load reads the journal of runID.
func Load(stateDir, runID string) (*Run, error) {
	if !runIDPattern.MatchString(runID) {
		return nil, fmt.Errorf("%q is not a run id (they look like 20261127T101500Z-1a2b)", runID)
	}
	path := filepath.Join(runsDir(stateDir), runID+".jsonl")
	file, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("run %s: %w (see keycrm-sync runs)", runID, ErrNoRun)
	}
	if err != nil {
		return nil, err
	}
	defer file.Close()
	run := &Run{RunID: runID}
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	line := 0
	for sc.Scan() {
		line++
		var rec record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			// A run killed while writing leaves a cut last line; everything
			// before it is still the truth.
			if !sc.Scan() {
				break
			}
			return nil, fmt.Errorf("journal %s line %d: %w", path, line, err)
		}
		run.apply(rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	return run, nil
}

func (r *Run) apply(rec record) {
	switch rec.Type {
	case "start":
		r.Command, r.StartedAt, r.Forced, r.Plan = rec.Command, rec.At, rec.Forced, rec.Plan
	case "sending":
		if rec.Batch != nil {
			r.Batches = append(r.Batches, *rec.Batch)
		}
	case "batch":
		if rec.Batch == nil {
			break
		}
		// Stock settles each batch before sending the next; import settles its
		// batches together after the read-back, so the match is by N, not last.
		if i := slices.IndexFunc(r.Batches, func(b Batch) bool { return b.Status == BatchSent && b.N == rec.Batch.N }); i >= 0 {
			r.Batches[i] = *rec.Batch
			break
		}
		r.Batches = append(r.Batches, *rec.Batch)
	case "readback":
		r.readBack = true
		r.NotTaken = append(r.NotTaken, rec.NotTaken...)
		r.Elsewhere = append(r.Elsewhere, rec.ChangedElsewhere...)
	case "stale":
		r.Stale = append(r.Stale, rec.Stale...)
	case "kept":
		r.Kept = rec.Kept
	case "finish":
		at := rec.At
		r.FinishedAt, r.Outcome = &at, rec.Outcome
	case "reverted":
		r.RevertedBy = rec.By
	}
}

// List returns every journaled run, newest first.
func List(stateDir string) ([]*Run, error) {
	entries, err := os.ReadDir(runsDir(stateDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var runs []*Run
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".jsonl")
		if !ok || !runIDPattern.MatchString(id) {
			continue
		}
		r, err := Load(stateDir, id)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	// Ids sort by the second only; runs started within one second are ordered by
	// the start time their journals record.
	slices.SortFunc(runs, func(a, b *Run) int {
		if c := b.StartedAt.Compare(a.StartedAt); c != 0 {
			return c
		}
		return strings.Compare(b.RunID, a.RunID)
	})
	return runs, nil
}

// Reopen opens runID's journal to append to it: a later read-back (runs --check) or
// the mark of a revert.
func Reopen(stateDir, runID string, now func() time.Time) (*Journal, error) {
	if !runIDPattern.MatchString(runID) {
		return nil, fmt.Errorf("%q is not a run id", runID)
	}
	path := filepath.Join(runsDir(stateDir), runID+".jsonl")
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", runID, err)
	}
	return &Journal{RunID: runID, path: path, file: file, now: now}, nil
}

// MarkReverted appends to runID's journal that run by reverted it.
func MarkReverted(stateDir, runID, by string, now func() time.Time) error {
	j, err := Reopen(stateDir, runID, now)
	if err != nil {
		return fmt.Errorf("mark run %s reverted: %w", runID, err)
	}
	err = j.write(record{Type: "reverted", By: by})
	if cerr := j.file.Close(); err == nil {
		err = cerr
	}
	return err
}

// Checked reports whether the run journaled a read-back: then every entry it sent is
// known to be applied or not, and none is unconfirmed.
func (r *Run) Checked() bool { return r.readBack }

// Prune deletes the journals of runs started before cutoff and returns their ids.
func Prune(stateDir string, cutoff time.Time) ([]string, error) {
	runs, err := List(stateDir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, r := range runs {
		if r.StartedAt.IsZero() || !r.StartedAt.Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(runsDir(stateDir), r.RunID+".jsonl")); err != nil {
			return removed, err
		}
		if err := os.Remove(filepath.Join(runsDir(stateDir), r.RunID+".prev")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, err
		}
		removed = append(removed, r.RunID)
	}
	return removed, nil
}
