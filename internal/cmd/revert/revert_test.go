package revert

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil/cmdtest"
	"github.com/keycrm-sync/keycrm-sync/internal/journal"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
)

func TestRun(t *testing.T) {
	t.Run("puts back what the run replaced", func(t *testing.T) {
		seed := cmdtest.Seed(map[string]int64{"A-1": 5, "B-2": 2})
		env := cmdtest.New(t, seed)
		run1 := env.Apply(t, cmdtest.StockPlan(t, env, seed, "A-1=5→7", "B-2=2→3"))
		if err := run(context.Background(), &Options{F: env.F, RunID: run1, Write: writeflow.Options{Yes: true}}); err != nil {
			t.Fatal(err)
		}
		if env.Quantity("A-1") != "5" || env.Quantity("B-2") != "2" {
			t.Fatalf("A-1 = %s, B-2 = %s", env.Quantity("A-1"), env.Quantity("B-2"))
		}
		r, err := journal.Load(env.StateDir, run1)
		if err != nil || r.Status() != journal.StatusReverted {
			t.Fatalf("run %s: %v, status %s", run1, err, r.Status())
		}
	})
	t.Run("a value changed since is stale", func(t *testing.T) {
		seed := cmdtest.Seed(map[string]int64{"A-1": 5})
		env := cmdtest.New(t, seed)
		run1 := env.Apply(t, cmdtest.StockPlan(t, env, seed, "A-1=5→7"))
		env.Apply(t, cmdtest.StockPlan(t, env, seed, "A-1=7→9"))
		err := run(context.Background(), &Options{F: env.F, RunID: run1, Write: writeflow.Options{Yes: true}})
		var stale *plan.StaleError
		if !errors.As(err, &stale) || env.Quantity("A-1") != "9" {
			t.Fatalf("error %v, A-1 = %s", err, env.Quantity("A-1"))
		}
	})
	t.Run("runs of other commands are refused", func(t *testing.T) {
		seed := cmdtest.Seed(map[string]int64{"A-1": 5})
		env := cmdtest.New(t, seed)
		p := cmdtest.StockPlan(t, env, seed, "A-1=5→7")
		p.Command = "import"
		id := env.Apply(t, p)
		err := run(context.Background(), &Options{F: env.F, RunID: id, Write: writeflow.Options{Yes: true}})
		if err == nil || !strings.Contains(err.Error(), "imported products") {
			t.Fatalf("error %v", err)
		}
	})
}
