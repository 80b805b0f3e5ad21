package runs

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/apply"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil/cmdtest"
	"github.com/keycrm-sync/keycrm-sync/internal/journal"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/target/keycrmstock"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
)

func TestRun(t *testing.T) {
	seed := cmdtest.Seed(map[string]int64{"A-1": 5, "B&C": 1})
	env := cmdtest.New(t, seed)
	id := env.Apply(t, cmdtest.StockPlan(t, env, seed, "A-1=5→7", "B&C=1→2"))

	env.Out.Reset()
	env.F.Global.Output = "json"
	if err := run(&Options{F: env.F}); err != nil {
		t.Fatal(err)
	}
	var list []journal.Summary
	if err := json.Unmarshal(env.Out.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].RunID != id || list[0].Status != journal.StatusApplied || list[0].Applied != 2 {
		t.Fatalf("runs -o json: %+v", list)
	}

	env.Out.Reset()
	env.F.Global.Output = "markdown"
	if err := run(&Options{F: env.F}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(env.Out.String(), "| run_id | command |") || !strings.Contains(env.Out.String(), "| "+id+" | push-stock |") {
		t.Fatalf("runs -o markdown:\n%s", env.Out)
	}

	env.Out.Reset()
	env.F.Global.Output = "json"
	if err := run(&Options{F: env.F, RunID: id}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(env.Out.String(), `"sku": "B&C"`) {
		t.Fatalf("runs RUN_ID -o json escapes or lacks the SKU:\n%s", env.Out)
	}

	env.Out.Reset()
	env.F.Global.Output = "table"
	if err := run(&Options{F: env.F, RunID: id}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(env.Out.String(), "status    applied") || !strings.Contains(env.Out.String(), "applied  A-1") {
		t.Fatalf("runs RUN_ID:\n%s", env.Out)
	}

	env.F.Now = func() time.Time { return time.Now().Add(48 * time.Hour) }
	env.Out.Reset()
	if err := run(&Options{F: env.F, Prune: "1d"}); err != nil || strings.TrimSpace(env.Out.String()) != id {
		t.Fatalf("prune: %v, %q", err, env.Out)
	}
}

// blind writes but cannot read back, as when the read-back runs out of retries.
type blind struct{ *keycrmstock.Stock }

func (blind) Current(context.Context, []plan.Change) (plan.Snapshot, error) {
	return plan.Snapshot{}, errors.New("read back: 429 after 5 retries")
}

// Entries sent and never read back are unconfirmed, not failed: the run says so
// (exit 4), and runs RUN_ID --check settles them from KeyCRM.
func TestCheckSettlesUnconfirmed(t *testing.T) {
	seed := cmdtest.Seed(map[string]int64{"A-1": 5, "B-2": 1})
	env := cmdtest.New(t, seed)
	client, err := env.F.KeyCRM()
	if err != nil {
		t.Fatal(err)
	}
	p := cmdtest.StockPlan(t, env, seed, "A-1=5→7", "B-2=1→2")
	flow := &writeflow.Flow{F: env.F, Opts: &writeflow.Options{Yes: true}, Target: blind{keycrmstock.New(client)}, Requests: client.Requests}
	err = flow.Run(context.Background(), p)
	var partial *apply.PartialError
	if !errors.As(err, &partial) || partial.Unconfirmed != 2 || partial.Failed != 0 || !strings.Contains(err.Error(), "--check") {
		t.Fatalf("error %v", err)
	}
	if r := p.Result; r.Applied != 0 || r.Failed != 0 || r.Unconfirmed != 2 {
		t.Fatalf("result %+v", r)
	}
	id := p.Result.RunID
	if s := load(t, env, id).Summary(); s.Status != journal.StatusPartial || s.Unconfirmed != 2 {
		t.Fatalf("journal before the check: %+v", s)
	}

	env.Out.Reset()
	if err := check(context.Background(), &Options{F: env.F, RunID: id, Check: true}); err != nil {
		t.Fatal(err)
	}
	r := load(t, env, id)
	if s := r.Summary(); s.Status != journal.StatusApplied || s.Applied != 2 || s.Unconfirmed != 0 || len(r.Unconfirmed()) != 0 {
		t.Fatalf("journal after the check: %+v", s)
	}
	if !strings.Contains(env.ErrOut.String(), "2 hold what it wrote") {
		t.Fatalf("stderr %s", env.ErrOut)
	}
}

func load(t *testing.T, env *cmdtest.Env, id string) *journal.Run {
	t.Helper()
	r, err := journal.Load(env.StateDir, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
