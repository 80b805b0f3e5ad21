// Package apply executes a plan's stock changes against KeyCRM: in batches of at most
// 10,000 offers per warehouse, journaling each batch as it is answered, then reading
// back what was written to prove it took. It never decides what to write: that is the
// plan's job, and the guards' and the operator's to allow.
package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/journal"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

// Target is where stock is written and read back.
type Target interface {
	PutStocks(ctx context.Context, warehouseID int64, writes []plan.StockWrite) error
	ReadByID(ctx context.Context, ids []int64) (plan.Snapshot, error)
}

// Options tune a run.
type Options struct {
	// BatchSize is the most offers one write carries (KeyCRM allows 10,000).
	BatchSize int
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
	// Elsewhere entries read back with a value that is neither the old nor the
	// new one: someone else changed them meanwhile. They count as applied.
	Elsewhere []plan.Change
	// Interrupted is set when a signal arrived while the run was writing.
	Interrupted bool
	// Sent is set once any write request was sent.
	Sent bool
}

// PartialError reports a run in which something was written and not everything
// took (exit 4). The journal says which entries.
type PartialError struct {
	RunID       string
	Applied     int
	Failed      int
	Interrupted bool
}

func (e *PartialError) Error() string {
	what := "not everything took"
	if e.Interrupted {
		what = "interrupted"
	}
	return fmt.Sprintf("run %s %s: %d applied, %d failed; see keycrm-sync runs %s", e.RunID, what, e.Applied, e.Failed, e.RunID)
}

// Stocks applies p's quantity changes. Each batch is journaled before it is sent and
// again once answered. ctx cancellation (SIGINT, SIGTERM) stops the run between
// batches: the batch in flight finishes and is journaled first. The
// returned error is only for a journal that cannot be written; what did not take is
// in the Outcome.
func Stocks(ctx context.Context, t Target, p *plan.Plan, j *journal.Journal, opt Options) (Outcome, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = keycrm.MaxStockBatch
	}
	if opt.Sleep == nil {
		opt.Sleep = sleep
	}
	byWarehouse := p.StockWrites()
	changes := changesByKey(p)
	warehouses := make([]int64, 0, len(byWarehouse))
	total := 0
	for wh, ws := range byWarehouse {
		warehouses = append(warehouses, wh)
		total += len(ws)
	}
	slices.Sort(warehouses)

	var out Outcome
	var attempted []plan.Change // sent and not refused: the read-back decides
	n, done := 0, 0
	for _, wh := range warehouses {
		writes := byWarehouse[wh]
		for start := 0; start < len(writes); start += opt.BatchSize {
			batch := writes[start:min(start+opt.BatchSize, len(writes))]
			entries := entriesOf(changes, wh, batch)
			if ctx.Err() != nil {
				out.Interrupted = true
				out.Failed = append(out.Failed, entries...)
				continue
			}
			n++
			if err := j.Sending(journal.Batch{N: n, WarehouseID: wh, Entries: entries}); err != nil {
				return out, err
			}
			// The batch in flight finishes even when a signal arrives: a write
			// cut off mid-request would leave the journal unsure what it did.
			rec, failed := writeBatch(context.WithoutCancel(ctx), t, wh, batch, entries)
			rec.N = n
			out.Sent = true
			// Entries a 422 named were certainly not applied: they fail without
			// costing a read-back. Everything else sent, whatever the answer,
			// is read back, since an answer can be lost after the write landed.
			rejected := map[key]bool{}
			for _, c := range failed {
				rejected[keyOf(c)] = true
			}
			for _, c := range entries {
				if rejected[keyOf(c)] {
					out.Failed = append(out.Failed, c)
				} else {
					attempted = append(attempted, c)
				}
			}
			if err := j.Batch(rec); err != nil {
				return out, err
			}
			done += len(batch)
			if opt.Progress != nil {
				opt.Progress(done, total)
			}
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
	if err := readBack(ctx, t, attempted, opt, &out); err != nil {
		// Nothing could be confirmed: every sent entry counts as failed. No
		// read-back is journaled, so entries whose answer was lost stay
		// unconfirmed and revert looks at KeyCRM itself.
		out.Failed = append(out.Failed, attempted...)
		out.Applied, out.Elsewhere = nil, nil
		return out, nil
	}
	return out, j.ReadBack(out.Failed, out.Elsewhere)
}

// writeBatch sends one batch. A 422 that names items fails those items, and the rest
// of the batch is sent once more (KeyCRM refuses a batch whole). It returns the
// journal record and the entries certainly refused.
func writeBatch(ctx context.Context, t Target, wh int64, batch []plan.StockWrite, entries []plan.Change) (journal.Batch, []plan.Change) {
	rec := journal.Batch{WarehouseID: wh, Entries: entries, Status: journal.BatchApplied}
	err := t.PutStocks(ctx, wh, batch)
	if err == nil {
		return rec, nil
	}
	var apiErr *keycrm.APIError
	bad := []int(nil)
	if errors.As(err, &apiErr) && apiErr.Status == 422 {
		bad = apiErr.ItemIndexes("stocks")
	}
	if len(bad) == 0 || len(bad) >= len(batch) {
		rec.Error = err.Error()
		if rejected(apiErr) {
			rec.Status, rec.Failed = journal.BatchFailed, entries
			return rec, entries
		}
		rec.Status = journal.BatchSent
		return rec, nil
	}
	var rest []plan.StockWrite
	var failed []plan.Change
	for i := range batch {
		if slices.Contains(bad, i) {
			failed = append(failed, entries[i])
			continue
		}
		rest = append(rest, batch[i])
	}
	rec.Status, rec.Error, rec.Failed = journal.BatchPartial, err.Error(), failed
	if err := t.PutStocks(ctx, wh, rest); err != nil {
		apiErr = nil
		errors.As(err, &apiErr)
		rec.Error += "; resending the rest: " + err.Error()
		if rejected(apiErr) {
			rec.Status, rec.Failed = journal.BatchFailed, entries
			return rec, entries
		}
		rec.Status = journal.BatchSent
		return rec, failed
	}
	return rec, failed
}

// rejected reports whether a failed write certainly applied nothing: a 4xx answer
// refuses the whole batch, and the same request sent before (retries) was refused
// alike. Not so a 408 or 429, which may follow an attempt whose answer was lost, nor
// a 5xx or a dropped connection: that write may have landed, and the read-back tells.
func rejected(apiErr *keycrm.APIError) bool {
	return apiErr != nil && apiErr.Status >= 400 && apiErr.Status < 500 && apiErr.Status != 408 && apiErr.Status != 429
}

// readBack reads the attempted offers (50 ids a request) and sorts every attempted
// entry into applied, failed or changed elsewhere. Entries that do not read back as
// written are read once more after Settle, unless the run was interrupted: then the
// first reading stands.
func readBack(ctx context.Context, t Target, attempted []plan.Change, opt Options, out *Outcome) error {
	reads := context.WithoutCancel(ctx)
	pending := attempted
	var last map[int64]*plan.Offer
	for round := 0; round < 2 && len(pending) > 0; round++ {
		if round == 1 {
			if err := opt.Sleep(ctx, opt.Settle); err != nil {
				break
			}
		}
		live, err := t.ReadByID(reads, plan.OfferIDs(pending))
		if err != nil {
			return err
		}
		last = map[int64]*plan.Offer{}
		for i := range live.Offers {
			last[live.Offers[i].ID] = &live.Offers[i]
		}
		var again []plan.Change
		for _, c := range pending {
			v, ok := quantityOf(last[c.OfferID], c.WarehouseID)
			if ok && v.Equal(c.To) {
				out.Applied = append(out.Applied, c)
				continue
			}
			again = append(again, c)
		}
		pending = again
	}
	for _, c := range pending {
		if v, ok := quantityOf(last[c.OfferID], c.WarehouseID); ok && !v.Equal(c.From) {
			out.Elsewhere = append(out.Elsewhere, c)
			continue
		}
		out.Failed = append(out.Failed, c)
	}
	return nil
}

func quantityOf(o *plan.Offer, wh int64) (plan.Value, bool) {
	if o == nil {
		return plan.Value{}, false
	}
	return plan.NumberValue(o.Stock[wh].Quantity), true
}

type key struct{ offer, wh int64 }

func keyOf(c plan.Change) key { return key{c.OfferID, c.WarehouseID} }

func changesByKey(p *plan.Plan) map[key]plan.Change {
	m := map[key]plan.Change{}
	for _, c := range p.Changes {
		if c.Field == "quantity" && c.OfferID != 0 && c.WarehouseID != 0 {
			m[keyOf(c)] = c
		}
	}
	return m
}

func entriesOf(changes map[key]plan.Change, wh int64, batch []plan.StockWrite) []plan.Change {
	out := make([]plan.Change, len(batch))
	for i, w := range batch {
		out[i] = changes[key{w.OfferID, wh}]
	}
	return out
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
