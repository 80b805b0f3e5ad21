// Package cmdtest builds what a command package's tests need: a Factory whose
// KeyCRM is an in-process emulator, with captured output and a private state
// directory, so a test gives Options and checks stdout, stderr and the emulator.
package cmdtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/iostreams"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/target/keycrmstock"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrmmock"
)

// Env is one command test's world.
type Env struct {
	F               *cmdutil.Factory
	Mock            *keycrmmock.Server
	In, Out, ErrOut *bytes.Buffer
	// StateDir holds the journals and the lock.
	StateDir string
}

// New starts an emulator holding state and returns a Factory pointed at it, not on a
// terminal, printing tables.
func New(t testing.TB, state keycrmmock.State) *Env {
	t.Helper()
	mock, client := testenv.StartMock(t, state, keycrmmock.Options{})
	ios, in, out, errOut := iostreams.Test()
	f := cmdutil.NewFactory(ios, cmdutil.BuildInfo{Version: "test"})
	dir := t.TempDir()
	env := map[string]string{
		cmdutil.EnvAPIURL: client.BaseURL(),
		cmdutil.EnvAPIKey: testenv.MockKey,
		"HOME":            dir,
		"XDG_STATE_HOME":  dir,
		"XDG_CONFIG_HOME": dir,
	}
	f.Getenv = func(k string) string { return env[k] }
	f.Global.Rate = 60000
	f.Global.Retries = 1
	f.Global.Timeout = 10 * time.Second
	f.Global.Output = "table"
	f.Global.StateDir = dir
	return &Env{F: f, Mock: mock, In: in, Out: out, ErrOut: errOut, StateDir: dir}
}

// Puts counts the stock writes the emulator has seen.
func (e *Env) Puts() int64 { return e.Mock.Stats().ByRoute["PUT /offers/stocks"] }

// Seed is a catalogue of one-offer products holding the given on-hand quantities in
// warehouse 1; offer ids are 1, 2, ... in SKU order.
func Seed(stock map[string]int64) keycrmmock.State {
	st := keycrmmock.State{Warehouses: []keycrmmock.Warehouse{{ID: 1, Name: "Основний склад"}}}
	for i, sku := range slices.Sorted(maps.Keys(stock)) {
		id := int64(i + 1)
		st.Products = append(st.Products, keycrmmock.Product{ID: id, Name: sku, CurrencyCode: "UAH",
			Offers: []keycrmmock.Offer{{ID: id, SKU: &sku,
				Stock: map[string]keycrmmock.Stock{"1": {Quantity: decimal.FromInt(stock[sku])}}}}})
	}
	return st
}

// Quantity is what the emulator holds of sku in warehouse 1 ("" when no offer has it).
func (e *Env) Quantity(sku string) string {
	for _, p := range e.Mock.State().Products {
		for _, o := range p.Offers {
			if o.SKU != nil && *o.SKU == sku {
				return o.Stock["1"].Quantity.String()
			}
		}
	}
	return ""
}

// File writes content to name in a fresh temporary folder and returns its path.
func File(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Apply writes p to the emulator through the write flow, as push-stock --yes would,
// and returns the run id from its journal.
func (e *Env) Apply(t testing.TB, p *plan.Plan) string {
	t.Helper()
	client, err := e.F.KeyCRM()
	if err != nil {
		t.Fatal(err)
	}
	flow := &writeflow.Flow{F: e.F, Opts: &writeflow.Options{Yes: true}, Target: keycrmstock.New(client), Requests: client.Requests}
	if err := flow.Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p.Result.RunID
}

// StockPlan is a push-stock plan setting each SKU's offer (ids as Seed gives them) in
// warehouse 1 from one value to another: "A-1=5→7".
func StockPlan(t testing.TB, e *Env, seed keycrmmock.State, entries ...string) *plan.Plan {
	t.Helper()
	ids := map[string]int64{}
	for _, p := range seed.Products {
		for _, o := range p.Offers {
			ids[*o.SKU] = o.ID
		}
	}
	client, err := e.F.KeyCRM()
	if err != nil {
		t.Fatal(err)
	}
	p := &plan.Plan{Version: plan.Version, Command: plan.CmdPushStock, Target: keycrmstock.New(client).Describe(),
		Source: plan.Source{Location: "stock.csv", Format: "csv", Items: len(entries)}}
	p.Target.WarehouseIDs = []int64{1}
	for _, s := range entries {
		sku, values, _ := strings.Cut(s, "=")
		from, to, _ := strings.Cut(values, "→")
		p.Changes = append(p.Changes, plan.Change{SKU: sku, OfferID: ids[sku], WarehouseID: 1, Field: catalog.FieldQuantity,
			From: plan.NumberValue(decimal.MustParse(from)), To: plan.NumberValue(decimal.MustParse(to))})
	}
	p.Summary = plan.Summary{Matched: len(entries), Changes: len(entries)}
	return p
}

// Execute runs cmd on args as the command line would, its own output discarded.
func Execute(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.Execute()
}

// WantUsage fails t unless err is a usage error (exit 2) whose message holds want.
func WantUsage(t testing.TB, err error, want string) {
	t.Helper()
	var usage *cmdutil.UsageError
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want a usage error about %q", err, want)
	}
}
