// Package apply executes a plan's changes against a target: in batches of the
// target's size per warehouse, journaling each batch before it is sent and again once
// answered, then reading back what was written to prove it took. It never decides
// what to write: that is the plan's job, and the guards' and the operator's to allow.
package apply

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/journal"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
)

// Options tune a run.
type Options struct {
	// Settle is how long to wait before reading again the entries that did not
	// read back as written (KeyCRM answers 202: the write may land a moment later).
	Settle time.Duration
	// Sleep waits; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Progress is told how many entries have been sent, of how many.
	Progress func(done, total int)
}

// Outcome is what a run did to each entry.
type Outcome struct {
	// Applied entries read back with the value written.
	Applied []plan.Change
	// Failed entries were refused, never sent (interrupted), or read back
	// unchanged.
	Failed []plan.Change
	// Unconfirmed entries were sent, and the read-back that would tell whether
	// they took failed: neither applied nor failed.
	Unconfirmed []plan.Change
	// Elsewhere entries read back with a value that is neither the old nor the
	// new one: someone else changed them meanwhile. They count as applied.
	Elsewhere []plan.Change
	// Interrupted is set when a signal arrived while the run was writing.
	Interrupted bool
	// Sent is set once any write request was sent.
	Sent bool
	// Errors say why writes failed, one per batch that met an error, as the
	// journal keeps them.
	Errors []string
}

// PartialError reports a run in which something was written and not everything
// took (exit 4). The journal says which entries, unless Journal is set: then the
// journal itself could not be written after a write was sent, and may be incomplete.
type PartialError struct {
	RunID       string
	Applied     int
	Failed      int
	Unconfirmed int
	Interrupted bool
	Journal     error
}

func (e *PartialError) Error() string {
	if e.Journal != nil {
		return fmt.Sprintf("run %s: writes were sent, then the journal could not be written (%v): it may be incomplete. "+
			"See keycrm-sync runs %s; keycrm-sync revert %s puts back what it kept, reading KeyCRM for every entry whose answer it lacks",
			e.RunID, e.Journal, e.RunID, e.RunID)
	}
	what := "not everything took"
	if e.Interrupted {
		what = "interrupted"
	}
	if e.Unconfirmed > 0 {
		return fmt.Sprintf("run %s %s: %d applied, %d failed, %d unconfirmed (sent, but the read-back failed); settle them with keycrm-sync runs %s --check",
			e.RunID, what, e.Applied, e.Failed, e.Unconfirmed, e.RunID)
	}
	return fmt.Sprintf("run %s %s: %d applied, %d failed; see keycrm-sync runs %s", e.RunID, what, e.Applied, e.Failed, e.RunID)
}

// Run applies p's changes to t. Each batch is journaled before it is sent and again
// once answered. ctx cancellation (SIGINT, SIGTERM) stops the run between batches: the
// batch in flight finishes and is journaled first. Targets that can be read back are;
// the others' accepted batches count as applied. The returned error is only for a
// journal that cannot be written (a *PartialError once a write was sent); what did
// not take is in the Outcome.
func Run(ctx context.Context, t target.Target, p *plan.Plan, j *journal.Journal, opt Options) (Outcome, error) {
	out, err := run(ctx, t, p, j, opt)
	if err != nil && out.Sent {
		return out, &PartialError{RunID: j.RunID, Journal: err}
	}
	return out, err
}

func run(ctx context.Context, t target.Target, p *plan.Plan, j *journal.Journal, opt Options) (Outcome, error) {
	if opt.Sleep == nil {
		opt.Sleep = sleep
	}
	batches := batchesOf(p.Changes, t.BatchSize())
	total := len(p.Changes)
	if k, ok := t.(target.Keeper); ok && len(batches) > 0 {
		// Before the first write: what it replaces must be kept whole for
		// revert, or nothing is written.
		size, exists, err := k.Size()
		if err != nil {
			return Outcome{}, fmt.Errorf("keep the previous content: %w", err)
		}
		if err := j.Keep(exists, size, k.Keep); err != nil {
			return Outcome{}, err
		}
	}

	var out Outcome
	var attempted []plan.Change // sent and not refused: the read-back decides
	done := 0
	stopped := false
	for i, b := range batches {
		if stopped {
			out.Failed = append(out.Failed, b.Entries...)
			continue
		}
		if ctx.Err() != nil {
			out.Interrupted = true
			out.Failed = append(out.Failed, b.Entries...)
			continue
		}
		n := i + 1
		if err := j.Sending(journal.Batch{N: n, WarehouseID: b.WarehouseID, Entries: b.Entries}); err != nil {
			return out, err
		}
		// The batch in flight finishes even when a signal arrives: a write
		// cut off mid-request would leave the journal unsure what it did.
		rec, failed := writeBatch(context.WithoutCancel(ctx), t, b)
		rec.N = n
		out.Sent = true
		if w := p.UnseenWarehouse(b.WarehouseID); w != "" && rec.Status == journal.BatchFailed {
			// The plan doubted this warehouse and KeyCRM refused it whole: the
			// doubt is confirmed, and every later batch would only repeat
			// refused requests (or write other warehouses of a run already
			// known to go wrong), so the run ends here.
			stopped = true
			rec.Error += ": " + w
			if rest := len(batches) - n; rest > 0 {
				rec.Error += fmt.Sprintf("; the run stopped, %d later batch(es) not sent", rest)
			}
		}
		if rec.Error != "" {
			what := fmt.Sprintf("batch %d", n)
			if b.WarehouseID != 0 {
				what += fmt.Sprintf(" (warehouse %d)", b.WarehouseID)
			}
			out.Errors = append(out.Errors, what+": "+rec.Error)
		}
		// Entries the target refused were certainly not applied: they fail
		// without costing a read-back. Everything else sent, whatever the
		// answer, is read back, since an answer can be lost after the write
		// landed.
		rejected := map[plan.Key]bool{}
		for _, c := range failed {
			rejected[c.Key()] = true
		}
		for _, c := range b.Entries {
			if rejected[c.Key()] {
				out.Failed = append(out.Failed, c)
			} else {
				attempted = append(attempted, c)
			}
		}
		if err := j.Batch(rec); err != nil {
			return out, err
		}
		done += len(b.Entries)
		if opt.Progress != nil {
			opt.Progress(done, total)
		}
	}
	// A signal during the last batch stopped nothing, but the operator asked to
	// stop: the run reports interrupted (exit 4) rather than a clean success.
	if ctx.Err() != nil && out.Sent {
		out.Interrupted = true
	}
	if len(attempted) == 0 {
		return out, nil
	}
	rb, ok := t.(target.ReadBacker)
	if !ok {
		out.Applied = attempted
		return out, nil
	}
	if err := readBack(ctx, rb, attempted, opt, &out); err != nil {
		// Nothing could be confirmed: every sent entry is unconfirmed, not
		// failed, since it may well have taken. No read-back is journaled, so
		// revert and runs --check look at the target itself.
		out.Unconfirmed = attempted
		out.Applied, out.Elsewhere = nil, nil
		return out, nil
	}
	return out, j.ReadBack(out.Failed, out.Elsewhere)
}

// batchesOf groups changes by warehouse (ascending) and splits each group into
// batches of at most size entries, ordered by the target's key so reruns send the
// same requests.
func batchesOf(changes []plan.Change, size int) []target.Batch {
	byWarehouse := map[int64][]plan.Change{}
	for _, c := range changes {
		byWarehouse[c.WarehouseID] = append(byWarehouse[c.WarehouseID], c)
	}
	warehouses := slices.Sorted(maps.Keys(byWarehouse))
	var out []target.Batch
	for _, wh := range warehouses {
		cs := byWarehouse[wh]
		slices.SortFunc(cs, func(a, b plan.Change) int {
			return cmp.Or(cmp.Compare(a.OfferID, b.OfferID), cmp.Compare(a.Row, b.Row),
				strings.Compare(a.SKU, b.SKU), strings.Compare(a.Field, b.Field))
		})
		if size <= 0 {
			size = len(cs)
		}
		for start := 0; start < len(cs); start += size {
			out = append(out, target.Batch{WarehouseID: wh, Entries: cs[start:min(start+size, len(cs))]})
		}
	}
	return out
}

// writeBatch sends one batch. When the target refuses some of its entries (KeyCRM
// refuses a batch whole, naming the bad items), those fail and the rest of the batch
// is sent once more. It returns the journal record and the entries certainly
// refused.
func writeBatch(ctx context.Context, t target.Target, b target.Batch) (journal.Batch, []plan.Change) {
	rec := journal.Batch{WarehouseID: b.WarehouseID, Entries: b.Entries, Status: journal.BatchApplied}
	err := t.Write(ctx, b)
	if err == nil {
		return rec, nil
	}
	rec.Error = err.Error()
	bad, all := t.Refused(err, b)
	if len(bad) == 0 {
		if all {
			rec.Status, rec.Failed = journal.BatchFailed, b.Entries
			return rec, b.Entries
		}
		rec.Status = journal.BatchSent
		return rec, nil
	}
	rest := target.Batch{WarehouseID: b.WarehouseID}
	var failed []plan.Change
	for i, c := range b.Entries {
		if slices.Contains(bad, i) {
			failed = append(failed, c)
			continue
		}
		rest.Entries = append(rest.Entries, c)
	}
	rec.Status, rec.Failed = journal.BatchPartial, failed
	if err := t.Write(ctx, rest); err != nil {
		rec.Error += "; resending the rest: " + err.Error()
		if _, all := t.Refused(err, rest); all {
			rec.Status, rec.Failed = journal.BatchFailed, b.Entries
			return rec, b.Entries
		}
		rec.Status = journal.BatchSent
	}
	return rec, failed
}

// readBack reads the attempted items and sorts every attempted entry into applied,
// failed or changed elsewhere. Entries that do not read back as written are read once
// more after Settle, unless the run was interrupted: then the first reading stands.
func readBack(ctx context.Context, t target.ReadBacker, attempted []plan.Change, opt Options, out *Outcome) error {
	reads := context.WithoutCancel(ctx)
	pending := attempted
	var last []plan.Value
	for round := 0; round < 2 && len(pending) > 0; round++ {
		if round == 1 {
			if err := opt.Sleep(ctx, opt.Settle); err != nil {
				break
			}
		}
		live, err := t.Current(reads, pending)
		if err != nil {
			return err
		}
		values := live.Values(pending)
		var again []plan.Change
		last = last[:0]
		for i, c := range pending {
			if values[i].Equal(c.To) {
				out.Applied = append(out.Applied, c)
				continue
			}
			again = append(again, c)
			last = append(last, values[i])
		}
		pending = again
	}
	_, elsewhere, failed := Sort(pending, last)
	out.Elsewhere = append(out.Elsewhere, elsewhere...)
	out.Failed = append(out.Failed, failed...)
	return nil
}

// Sort tells what became of written entries from the values read back (in the
// entries' order; the zero Value where the item is gone): applied when it holds the
// entry's To, changed elsewhere when it holds a third value (someone else wrote it
// meanwhile; it counts as applied), else failed.
func Sort(entries []plan.Change, live []plan.Value) (applied, elsewhere, failed []plan.Change) {
	for i, c := range entries {
		switch v := live[i]; {
		case v.Equal(c.To):
			applied = append(applied, c)
		case !v.IsZero() && !v.Equal(c.From):
			elsewhere = append(elsewhere, c)
		default:
			failed = append(failed, c)
		}
	}
	return applied, elsewhere, failed
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
