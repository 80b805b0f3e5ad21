package runs

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil/cmdtest"
	"github.com/keycrm-sync/keycrm-sync/internal/journal"
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
