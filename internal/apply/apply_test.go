package apply_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/apply"
	"github.com/keycrm-sync/keycrm-sync/internal/journal"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
	"github.com/keycrm-sync/keycrm-sync/internal/target/keycrmstock"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrmmock"
)

// catalogue is n one-offer products with offer ids 101.. and quantity i in
// warehouse 1.
func catalogue(n int) keycrmmock.State {
	st := keycrmmock.State{Warehouses: []keycrmmock.Warehouse{{ID: 1, Name: "Основний склад"}, {ID: 2, Name: "Склад Київ"}}}
	for i := range n {
		sku := fmt.Sprintf("S-%d", i)
		st.Products = append(st.Products, keycrmmock.Product{ID: int64(i + 1), Name: sku, CurrencyCode: "UAH",
			Offers: []keycrmmock.Offer{{ID: int64(101 + i), SKU: &sku,
				Stock: map[string]keycrmmock.Stock{"1": {Quantity: decimal.FromInt(int64(i))}}}}})
	}
	return st
}

// stockPlan sets offer 101+i to quantity to[i] in warehouse wh.
func stockPlan(wh int64, to ...string) *plan.Plan {
	p := &plan.Plan{Version: 1, Command: plan.CmdPushStock}
	for i, q := range to {
		p.Changes = append(p.Changes, plan.Change{SKU: fmt.Sprintf("S-%d", i), OfferID: int64(101 + i), WarehouseID: wh,
			Field: "quantity", From: plan.NumberValue(decimal.FromInt(int64(i))), To: plan.NumberValue(decimal.MustParse(q))})
	}
	return p
}

func startJournal(t *testing.T, p *plan.Plan) (*journal.Journal, string) {
	t.Helper()
	dir := t.TempDir()
	j, err := journal.Start(dir, time.Now, p, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = j.Finish(journal.Outcome{Status: "applied"}) })
	return j, dir
}

func quantity(t *testing.T, mock *keycrmmock.Server, offer int64, wh string) string {
	t.Helper()
	for _, p := range mock.State().Products {
		for _, o := range p.Offers {
			if o.ID == offer {
				return o.Stock[wh].Quantity.String()
			}
		}
	}
	t.Fatalf("offer %d gone", offer)
	return ""
}

func TestBatchesAndReadBack(t *testing.T) {
	mock, client := testenv.StartMock(t, catalogue(5), keycrmmock.Options{})
	p := stockPlan(1, "10", "20.25", "0", "7", "9")
	j, dir := startJournal(t, p)
	out, err := apply.Run(context.Background(), keycrmstock.New(client).WithBatchSize(2), p, j, apply.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Applied) != 5 || len(out.Failed) != 0 || out.Interrupted || !out.Sent {
		t.Fatalf("outcome %+v", out)
	}
	if q := quantity(t, mock, 102, "1"); q != "20.25" {
		t.Fatalf("offer 102 holds %s", q)
	}
	st := mock.Stats()
	// 5 writes in batches of 2 = 3 requests; reading back 5 ids = 1 request.
	if st.ByRoute["PUT /offers/stocks"] != 3 || st.ByRoute["GET /offers/stocks"] != 1 {
		t.Fatalf("requests %v", st.ByRoute)
	}
	_ = j.Finish(journal.Outcome{Status: journal.StatusApplied})
	run, err := journal.Load(dir, j.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Batches) != 3 || len(run.Applied()) != 5 {
		t.Fatalf("journal: %d batches, %d applied", len(run.Batches), len(run.Applied()))
	}
}

// A 422 naming items fails those items; the rest of the batch is sent once more.
func TestItemErrorsResendTheRest(t *testing.T) {
	mock, client := testenv.StartMock(t, catalogue(3), keycrmmock.Options{})
	p := stockPlan(1, "5", "6", "7")
	p.Changes[1].OfferID = 999 // KeyCRM has no such offer: stocks.1.id is refused
	j, _ := startJournal(t, p)
	out, err := apply.Run(context.Background(), keycrmstock.New(client), p, j, apply.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Applied) != 2 || len(out.Failed) != 1 || out.Failed[0].OfferID != 999 {
		t.Fatalf("outcome %+v", out)
	}
	if quantity(t, mock, 101, "1") != "5" || quantity(t, mock, 103, "1") != "7" {
		t.Fatal("the rest of the batch was not applied")
	}
	if n := mock.Stats().ByRoute["PUT /offers/stocks"]; n != 2 {
		t.Fatalf("%d writes, want the refused one and the resend", n)
	}
}

// A write whose answer is lost (applied, then the connection dropped) converges:
// PUT is absolute, so retrying is harmless, and the read-back finds it applied even
// when every answer is lost.
func TestAckLostConverges(t *testing.T) {
	faults, err := keycrmmock.ParseFaults("ack-lost=1")
	if err != nil {
		t.Fatal(err)
	}
	mock, client := testenv.StartMock(t, catalogue(2), keycrmmock.Options{Faults: faults, FaultSeed: 1},
		func(o *keycrm.Options) { o.Retries = new(0) })
	p := stockPlan(1, "11", "12")
	j, dir := startJournal(t, p)
	out, err := apply.Run(context.Background(), keycrmstock.New(client), p, j, apply.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Applied) != 2 || len(out.Failed) != 0 {
		t.Fatalf("outcome %+v", out)
	}
	if quantity(t, mock, 101, "1") != "11" {
		t.Fatal("not applied")
	}
	// The batch's answer was lost, but the read-back told: the journal holds the
	// entries as applied, so revert can put them back.
	run, err := journal.Load(dir, j.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Batches[0].Status != journal.BatchSent || len(run.Applied()) != 2 || len(run.Unconfirmed()) != 0 {
		t.Fatalf("batches %+v, applied %d, unconfirmed %d", run.Batches, len(run.Applied()), len(run.Unconfirmed()))
	}
}

// A 429 after an attempt whose answer was lost does not prove the write was
// refused: the batch is read back.
func TestRateLimitAfterLostAnswerIsReadBack(t *testing.T) {
	mock, client := testenv.StartMock(t, catalogue(2), keycrmmock.Options{},
		func(o *keycrm.Options) { o.Retries = new(0) })
	p := stockPlan(1, "11", "12")
	j, dir := startJournal(t, p)
	target := &lostThen429{Stock: keycrmstock.New(client)}
	out, err := apply.Run(context.Background(), target, p, j, apply.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Applied) != 2 || len(out.Failed) != 0 || quantity(t, mock, 102, "1") != "12" {
		t.Fatalf("outcome %+v", out)
	}
	run, err := journal.Load(dir, j.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(run.Applied()); got != 2 {
		t.Fatalf("journal: %d applied, batches %+v", got, run.Batches)
	}
}

// lostThen429 writes (the write lands) and answers 429, as a retried write whose
// first answer was lost would end.
type lostThen429 struct{ *keycrmstock.Stock }

func (l *lostThen429) Write(ctx context.Context, b target.Batch) error {
	if err := l.Stock.Write(ctx, b); err != nil {
		return err
	}
	return &keycrm.APIError{Status: 429, Message: "Too Many Attempts."}
}

// A signal between batches: the batch in flight finishes, the rest is not sent and
// counts as failed.
func TestInterruptStopsBetweenBatches(t *testing.T) {
	mock, client := testenv.StartMock(t, catalogue(4), keycrmmock.Options{})
	p := stockPlan(1, "10", "11", "12", "13")
	j, _ := startJournal(t, p)
	ctx, cancel := context.WithCancel(context.Background())
	stock := keycrmstock.New(client).WithBatchSize(2)
	out, err := apply.Run(ctx, stock, p, j, apply.Options{Progress: func(done, total int) {
		if done == 2 {
			cancel()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Interrupted || len(out.Applied) != 2 || len(out.Failed) != 2 {
		t.Fatalf("outcome %+v", out)
	}
	if n := mock.Stats().ByRoute["PUT /offers/stocks"]; n != 1 {
		t.Fatalf("%d writes after the signal", n)
	}
	if quantity(t, mock, 103, "1") != "2" {
		t.Fatal("a batch after the signal was written")
	}
}

func TestInterruptDuringTheLastBatch(t *testing.T) {
	mock, client := testenv.StartMock(t, catalogue(2), keycrmmock.Options{})
	p := stockPlan(1, "10", "11")
	j, _ := startJournal(t, p)
	ctx, cancel := context.WithCancel(context.Background())
	out, err := apply.Run(ctx, &signalled{Stock: keycrmstock.New(client), cancel: cancel}, p, j, apply.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The batch finished and took, but the operator asked to stop: not a clean
	// success (exit 4), and nothing is left unread.
	if !out.Interrupted || len(out.Applied) != 2 || len(out.Failed) != 0 {
		t.Fatalf("outcome %+v", out)
	}
	if quantity(t, mock, 102, "1") != "11" {
		t.Fatal("the batch in flight did not finish")
	}
}

// signalled cancels the run while its write is in flight.
type signalled struct {
	*keycrmstock.Stock
	cancel func()
}

func (s *signalled) Write(ctx context.Context, b target.Batch) error {
	s.cancel()
	return s.Stock.Write(ctx, b)
}

func TestBatchJournaledBeforeItIsSent(t *testing.T) {
	_, client := testenv.StartMock(t, catalogue(2), keycrmmock.Options{})
	p := stockPlan(1, "10", "11")
	j, dir := startJournal(t, p)
	// The target reads the journal at the moment the request leaves, as a run
	// killed then would leave it.
	var seen *journal.Run
	target := &inspect{Stock: keycrmstock.New(client), before: func() {
		r, err := journal.Load(dir, j.RunID)
		if err != nil {
			t.Error(err)
		}
		seen = r
	}}
	if _, err := apply.Run(context.Background(), target, p, j, apply.Options{}); err != nil {
		t.Fatal(err)
	}
	if seen == nil || len(seen.Unconfirmed()) != 2 || seen.Status() != journal.StatusPartial {
		t.Fatalf("journal while the batch was in flight: %+v", seen)
	}
}

type inspect struct {
	*keycrmstock.Stock
	before func()
}

func (i *inspect) Write(ctx context.Context, b target.Batch) error {
	i.before()
	return i.Stock.Write(ctx, b)
}

// fickle applies writes like KeyCRM, then lets someone else change one offer.
type fickle struct {
	*keycrmstock.Stock
	mock    *keycrmmock.Server
	skipped int64 // an offer whose write is silently dropped
	other   int64 // an offer someone else changes right after
	reads   int
}

func (f *fickle) Write(ctx context.Context, b target.Batch) error {
	kept := target.Batch{WarehouseID: b.WarehouseID}
	for _, c := range b.Entries {
		if c.OfferID != f.skipped {
			kept.Entries = append(kept.Entries, c)
		}
	}
	if err := f.Stock.Write(ctx, kept); err != nil {
		return err
	}
	other := plan.Change{SKU: "other", OfferID: f.other, WarehouseID: b.WarehouseID, Field: "quantity", To: plan.NumberValue(decimal.FromInt(77))}
	return f.Stock.Write(ctx, target.Batch{WarehouseID: b.WarehouseID, Entries: []plan.Change{other}})
}

func (f *fickle) Current(ctx context.Context, entries []plan.Change) (plan.Snapshot, error) {
	f.reads++
	return f.Stock.Current(ctx, entries)
}

func TestReadBackSortsWhatDidNotTake(t *testing.T) {
	mock, client := testenv.StartMock(t, catalogue(3), keycrmmock.Options{})
	target := &fickle{Stock: keycrmstock.New(client), mock: mock, skipped: 101, other: 103}
	p := stockPlan(1, "5", "6", "7")
	j, _ := startJournal(t, p)
	var slept time.Duration
	out, err := apply.Run(context.Background(), target, p, j, apply.Options{Settle: 5 * time.Second,
		Sleep: func(_ context.Context, d time.Duration) error { slept += d; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Applied) != 1 || out.Applied[0].OfferID != 102 {
		t.Fatalf("applied %+v", out.Applied)
	}
	if len(out.Failed) != 1 || out.Failed[0].OfferID != 101 {
		t.Fatalf("failed %+v", out.Failed)
	}
	if len(out.Elsewhere) != 1 || out.Elsewhere[0].OfferID != 103 {
		t.Fatalf("elsewhere %+v", out.Elsewhere)
	}
	if slept != 5*time.Second || target.reads != 2 {
		t.Fatalf("settle %s, %d reads: want one re-read after 5s", slept, target.reads)
	}
}

func TestPartialErrorMessage(t *testing.T) {
	e := &apply.PartialError{RunID: "20261127T101500Z-1a2b", Applied: 3, Failed: 1}
	if got := e.Error(); got != "run 20261127T101500Z-1a2b not everything took: 3 applied, 1 failed; see keycrm-sync runs 20261127T101500Z-1a2b" {
		t.Fatal(got)
	}
}

// closing loses the journal (a full disk) while its write is in flight.
type closing struct {
	*keycrmstock.Stock
	j *journal.Journal
}

func (c closing) Write(ctx context.Context, b target.Batch) error {
	_ = c.j.Finish(journal.Outcome{Status: "unknown"})
	return c.Stock.Write(ctx, b)
}

// Once a write was sent, a journal that cannot be written is a partial run (exit 4)
// whose message says how to revert, never an error that promises nothing was
// written.
func TestJournalLostAfterAWriteIsPartial(t *testing.T) {
	mock, client := testenv.StartMock(t, catalogue(2), keycrmmock.Options{})
	p := stockPlan(1, "10", "11")
	j, _ := startJournal(t, p)
	_, err := apply.Run(context.Background(), closing{Stock: keycrmstock.New(client), j: j}, p, j, apply.Options{})
	var partial *apply.PartialError
	if !errors.As(err, &partial) || partial.Journal == nil || !strings.Contains(err.Error(), "keycrm-sync revert "+j.RunID) {
		t.Fatalf("error %v", err)
	}
	if quantity(t, mock, 101, "1") != "10" {
		t.Fatal("the write did not land")
	}
}

// A warehouse the plan warned about that KeyCRM then refuses whole ends the run at
// once, the warning quoted with the refusal; without the warning the next batch is
// still sent.
func TestRefusedUnseenWarehouseStopsTheRun(t *testing.T) {
	for _, warned := range []bool{true, false} {
		mock, client := testenv.StartMock(t, catalogue(4), keycrmmock.Options{})
		p := stockPlan(9, "10", "11", "12", "13")
		if warned {
			p.Warnings = []string{"warehouse 9 is not among the warehouses KeyCRM reported; it may not exist"}
		}
		j, _ := startJournal(t, p)
		out, err := apply.Run(context.Background(), keycrmstock.New(client).WithBatchSize(2), p, j, apply.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Failed) != 4 || len(out.Applied) != 0 || !out.Sent {
			t.Fatalf("warned %v: outcome %+v", warned, out)
		}
		writes, want := mock.Stats().ByRoute["PUT /offers/stocks"], int64(2)
		if warned {
			want = 1
			if len(out.Errors) != 1 || !strings.Contains(out.Errors[0], ": 422") ||
				!strings.Contains(out.Errors[0], "warehouse 9 is not among the warehouses KeyCRM reported; it may not exist; the run stopped, 1 later batch(es) not sent") {
				t.Errorf("errors %q", out.Errors)
			}
		}
		if writes != want {
			t.Errorf("warned %v: %d writes, want %d", warned, writes, want)
		}
	}
}
