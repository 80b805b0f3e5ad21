package writeflow_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil/cmdtest"
	"github.com/keycrm-sync/keycrm-sync/internal/journal"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/target/keycrmstock"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrmmock"
)

func seed() keycrmmock.State {
	sku := "A-1"
	return keycrmmock.State{
		Warehouses: []keycrmmock.Warehouse{{ID: 1, Name: "Основний склад"}},
		Products: []keycrmmock.Product{{ID: 1, Name: "A", CurrencyCode: "UAH", Offers: []keycrmmock.Offer{{
			ID: 7, SKU: &sku, Stock: map[string]keycrmmock.Stock{"1": {Quantity: decimal.FromInt(3)}}}}}},
	}
}

func onePlan() *plan.Plan {
	return &plan.Plan{Version: 1, Command: plan.CmdPushStock,
		Source:  plan.Source{Location: "stock.csv", Items: 1},
		Target:  plan.Target{Location: "keycrm", WarehouseIDs: []int64{1}},
		Summary: plan.Summary{Matched: 1, Changes: 1},
		Changes: []plan.Change{{SKU: "A-1", OfferID: 7, WarehouseID: 1, Field: "quantity",
			From: plan.NumberValue(decimal.FromInt(3)), To: plan.NumberValue(decimal.FromInt(5))}}}
}

// flow builds a write flow on a fresh emulator with the given terminal and answer.
func flow(t *testing.T, tty bool, answer string, args ...string) (*writeflow.Flow, *keycrmmock.Server, *bytes.Buffer, string) {
	t.Helper()
	env := cmdtest.New(t, seed())
	env.F.IO.SetTTY(tty, false, tty)
	env.In.WriteString(answer)
	opts := &writeflow.Options{}
	cmd := &cobra.Command{Use: "test"}
	writeflow.AddFlags(cmd, opts)
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	opts.Settle = time.Millisecond
	client, err := env.F.KeyCRM()
	if err != nil {
		t.Fatal(err)
	}
	return &writeflow.Flow{F: env.F, Opts: opts, Target: keycrmstock.New(client), Requests: client.Requests, Checks: plan.Checks{Source: true}},
		env.Mock, env.ErrOut, env.StateDir
}

func puts(mock *keycrmmock.Server) int64 { return mock.Stats().ByRoute["PUT /offers/stocks"] }

// On a terminal the operator is asked, and only "y" or "yes" applies.
func TestPromptAsksOnATerminal(t *testing.T) {
	for _, tt := range []struct {
		answer string
		writes int64
	}{{"y\n", 1}, {"yes\n", 1}, {"\n", 0}, {"n\n", 0}, {"", 0}} {
		fl, mock, _, _ := flow(t, true, tt.answer, "--max-changes", "100%")
		err := fl.Run(context.Background(), onePlan())
		if tt.writes == 0 && !errors.Is(err, writeflow.ErrNotConfirmed) {
			t.Errorf("answer %q: %v", tt.answer, err)
		}
		if tt.writes == 1 && err != nil {
			t.Errorf("answer %q: %v", tt.answer, err)
		}
		if got := puts(mock); got != tt.writes {
			t.Errorf("answer %q: %d writes", tt.answer, got)
		}
	}
}

func TestQuestionNamesCountAndWarehouse(t *testing.T) {
	fl, _, errOut, _ := flow(t, true, "n\n", "--max-changes", "100%")
	_ = fl.Run(context.Background(), onePlan())
	if !strings.Contains(errOut.String(), "Apply 1 change to KeyCRM warehouse 1? [y/N] ") {
		t.Fatalf("stderr: %q", errOut.String())
	}
}

// Ctrl-C at the question ends the wait: nothing is written.
func TestPromptCancelled(t *testing.T) {
	fl, mock, _, _ := flow(t, true, "", "--max-changes", "100%")
	fl.F.IO.In = blockingReader{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := fl.Run(ctx, onePlan()); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if puts(mock) != 0 {
		t.Fatal("written after Ctrl-C")
	}
}

// blockingReader never answers, like a terminal nobody types into.
type blockingReader struct{}

func (blockingReader) Read([]byte) (int, error) { select {} }

// Without a terminal and without --yes nothing is written (exit 2 in the CLI).
func TestNoTerminalNeedsYes(t *testing.T) {
	fl, mock, _, _ := flow(t, false, "y\n", "--max-changes", "100%")
	if err := fl.Run(context.Background(), onePlan()); !errors.Is(err, writeflow.ErrNeedYes) {
		t.Fatalf("err = %v", err)
	}
	if puts(mock) != 0 {
		t.Fatal("written without --yes")
	}
}

// A guard that trips refuses with a RefusedError before any question or write,
// and the refusal is journaled; --force writes and is journaled as forced.
func TestGuardsRefuseBeforeAsking(t *testing.T) {
	fl, mock, _, state := flow(t, true, "y\n")
	var refused *plan.RefusedError
	if err := fl.Run(context.Background(), onePlan()); !errors.As(err, &refused) {
		t.Fatalf("err = %v", err)
	}
	if puts(mock) != 0 {
		t.Fatal("written despite the guard")
	}
	runs, _ := journal.List(state)
	if len(runs) != 1 || runs[0].Status() != journal.StatusRefused {
		t.Fatalf("runs %v", runs)
	}
	fl, mock, _, state = flow(t, false, "", "--yes", "--force")
	if err := fl.Run(context.Background(), onePlan()); err != nil {
		t.Fatal(err)
	}
	runs, _ = journal.List(state)
	if puts(mock) != 1 || len(runs) != 1 || !runs[0].Forced || runs[0].Status() != journal.StatusApplied {
		t.Fatalf("forced run: %d writes, %+v", puts(mock), runs)
	}
}

// A dry run never writes, even with --yes.
func TestDryRunNeverWrites(t *testing.T) {
	fl, mock, _, _ := flow(t, true, "y\n", "--dry-run", "--yes", "--max-changes", "100%")
	p := onePlan()
	if err := fl.Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if puts(mock) != 0 || !p.DryRun || p.Result != nil {
		t.Fatalf("%d writes, dry_run %v, result %+v", puts(mock), p.DryRun, p.Result)
	}
}
