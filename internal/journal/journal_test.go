package journal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

func change(sku string, offer, wh int64, from, to string) plan.Change {
	return plan.Change{SKU: sku, OfferID: offer, WarehouseID: wh, Field: "quantity",
		From: plan.NumberValue(decimal.MustParse(from)), To: plan.NumberValue(decimal.MustParse(to))}
}

func clock(start time.Time) func() time.Time {
	t := start
	return func() time.Time { t = t.Add(time.Second); return t }
}

func TestRunLifecycle(t *testing.T) {
	dir := t.TempDir()
	now := clock(time.Date(2026, 11, 27, 10, 15, 0, 0, time.UTC))
	url := "http://127.0.0.1:1/v1"
	p := &plan.Plan{Version: 1, Command: "push-stock", Source: plan.Source{Location: "stock.csv"},
		Target: plan.Target{Location: "keycrm", APIURL: &url}}
	a, b, c := change("A", 1, 1, "3", "5"), change("B", 2, 1, "0", "7"), change("C", 3, 1, "20.25", "0")
	p.Changes = []plan.Change{a, b, c}

	j, err := Start(dir, now, p, false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(j.RunID, "20261127T101501Z-") || !runIDPattern.MatchString(j.RunID) {
		t.Fatalf("run id %q", j.RunID)
	}
	info, err := os.Stat(j.Path())
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("journal mode: %v %v", info.Mode(), err)
	}
	if err := j.Batch(Batch{N: 1, WarehouseID: 1, Entries: []plan.Change{a, b, c}, Status: BatchPartial, Failed: []plan.Change{b}}); err != nil {
		t.Fatal(err)
	}
	if err := j.ReadBack([]plan.Change{c}, nil); err != nil {
		t.Fatal(err)
	}
	if err := j.Finish(Outcome{Status: StatusPartial, Applied: 1, Failed: 2, Requests: 5}); err != nil {
		t.Fatal(err)
	}

	run, err := Load(dir, j.RunID)
	if err != nil {
		t.Fatal(err)
	}
	applied := run.Applied()
	if len(applied) != 1 || applied[0].SKU != "A" {
		t.Fatalf("applied = %+v", applied)
	}
	if !applied[0].From.Equal(plan.NumberValue(decimal.MustParse("3"))) {
		t.Fatalf("replaced value lost: %+v", applied[0])
	}
	s := run.Summary()
	if s.Status != StatusPartial || s.Requests != 5 || s.Source != "stock.csv" || s.Target != url || s.FinishedAt == nil {
		t.Fatalf("summary = %+v", s)
	}
	if err := MarkReverted(dir, j.RunID, "20261127T120000Z-abcd", now); err != nil {
		t.Fatal(err)
	}
	run, _ = Load(dir, j.RunID)
	if run.Status() != StatusReverted {
		t.Fatalf("status after revert = %s", run.Status())
	}
}

func TestDeadRunStatus(t *testing.T) {
	dir := t.TempDir()
	now := clock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	p := &plan.Plan{Command: "push-stock"}
	j, _ := Start(dir, now, p, false)
	run, _ := Load(dir, j.RunID)
	if run.Status() != StatusFailed {
		t.Fatalf("no batch: %s", run.Status())
	}
	_ = j.Batch(Batch{N: 1, Status: BatchApplied})
	// A crash mid-write leaves half a line; the records before it still count.
	f, _ := os.OpenFile(j.Path(), os.O_WRONLY|os.O_APPEND, 0)
	_, _ = f.WriteString(`{"type":"batch","bat`)
	_ = f.Close()
	run, err := Load(dir, j.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status() != StatusPartial {
		t.Fatalf("one batch applied: %s", run.Status())
	}
}

func TestListPruneAndBadIDs(t *testing.T) {
	dir := t.TempDir()
	old := clock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	recent := clock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	j1, _ := Start(dir, old, &plan.Plan{Command: "push-stock"}, false)
	_ = j1.Finish(Outcome{Status: StatusApplied})
	j2, _ := Start(dir, recent, &plan.Plan{Command: "revert"}, true)
	_ = j2.Finish(Outcome{Status: StatusRefused})
	if err := os.WriteFile(filepath.Join(dir, "runs", "notes.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	runs, err := List(dir)
	if err != nil || len(runs) != 2 || runs[0].RunID != j2.RunID {
		t.Fatalf("list: %v %v", runs, err)
	}
	removed, err := Prune(dir, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(removed) != 1 || removed[0] != j1.RunID {
		t.Fatalf("prune: %v %v", removed, err)
	}
	if _, err := Load(dir, "../../etc/passwd"); err == nil {
		t.Fatal("path-like run id accepted")
	}
	if _, err := Load(dir, "20260101T000000Z-ffff"); err == nil || !strings.Contains(err.Error(), "no such run") {
		t.Fatalf("unknown run: %v", err)
	}
	if runs, err := List(t.TempDir()); err != nil || len(runs) != 0 {
		t.Fatalf("empty state: %v %v", runs, err)
	}
}

// Runs started within one second share the id's time; the newest is still first.
func TestListOrdersWithinASecond(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 5 {
		at := base.Add(time.Duration(i) * time.Millisecond)
		j, err := Start(dir, func() time.Time { return at }, &plan.Plan{Command: "push-stock"}, false)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.RunID)
	}
	runs, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range runs {
		if r.RunID != ids[len(ids)-1-i] {
			t.Fatalf("position %d: %s, want %s", i, r.RunID, ids[len(ids)-1-i])
		}
	}
}

func TestSendingRecordUntilAnswered(t *testing.T) {
	dir := t.TempDir()
	now := clock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	j, err := Start(dir, now, &plan.Plan{Command: "push-stock"}, false)
	if err != nil {
		t.Fatal(err)
	}
	a, b := change("A", 1, 1, "1", "2"), change("B", 2, 1, "3", "4")
	if err := j.Sending(Batch{N: 1, WarehouseID: 1, Entries: []plan.Change{a}}); err != nil {
		t.Fatal(err)
	}
	if err := j.Batch(Batch{N: 1, WarehouseID: 1, Entries: []plan.Change{a}, Status: BatchApplied}); err != nil {
		t.Fatal(err)
	}
	// The run dies waiting for the second batch's answer.
	if err := j.Sending(Batch{N: 2, WarehouseID: 1, Entries: []plan.Change{b}}); err != nil {
		t.Fatal(err)
	}
	run, err := Load(dir, j.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Batches) != 2 || run.Batches[0].Status != BatchApplied || run.Batches[1].Status != BatchSent {
		t.Fatalf("batches %+v", run.Batches)
	}
	if got := run.Applied(); len(got) != 1 || got[0].SKU != "A" {
		t.Errorf("applied %+v", got)
	}
	if got := run.Unconfirmed(); len(got) != 1 || got[0].SKU != "B" {
		t.Errorf("unconfirmed %+v", got)
	}
	if run.Status() != StatusPartial {
		t.Errorf("status %s", run.Status())
	}
}

// import sends every batch before it settles any (after its read-back): each
// outcome still replaces its own sending record, wherever that is.
func TestBatchSupersedesItsSendingByN(t *testing.T) {
	dir := t.TempDir()
	j, err := Start(dir, clock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), &plan.Plan{Command: "import"}, false)
	if err != nil {
		t.Fatal(err)
	}
	a, b := change("A", 1, 1, "1", "2"), change("B", 2, 1, "3", "4")
	for _, s := range []Batch{{N: 1, Entries: []plan.Change{a}}, {N: 2, Entries: []plan.Change{b}}} {
		if err := j.Sending(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Batch(Batch{N: 1, Entries: []plan.Change{a}, Status: BatchApplied}); err != nil {
		t.Fatal(err)
	}
	if err := j.Batch(Batch{N: 2, Entries: []plan.Change{b}, Failed: []plan.Change{b}, Status: BatchFailed}); err != nil {
		t.Fatal(err)
	}
	run, err := Load(dir, j.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Batches) != 2 || run.Batches[0].Status != BatchApplied || run.Batches[1].Status != BatchFailed {
		t.Fatalf("batches %+v, want batch 1 applied and batch 2 failed, once each", run.Batches)
	}
	if got := run.Applied(); len(got) != 1 || got[0].SKU != "A" {
		t.Errorf("applied %+v", got)
	}
}

func TestStatusOf(t *testing.T) {
	for _, c := range []struct {
		done, failed int
		want         string
	}{{3, 0, StatusApplied}, {0, 0, StatusApplied}, {2, 1, StatusPartial}, {0, 4, StatusFailed}} {
		if got := StatusOf(c.done, c.failed); got != c.want {
			t.Errorf("StatusOf(%d, %d) = %s, want %s", c.done, c.failed, got, c.want)
		}
	}
}
