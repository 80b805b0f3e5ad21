package apply

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil/cmdtest"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/render"
	"github.com/keycrm-sync/keycrm-sync/internal/target/keycrmstock"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// savedPlan is push-stock's plan setting A-1 (offer 1) from 5 to 7 in warehouse 1 (one
// change of three matched items, within max-changes),
// made against env's emulator, edited by edit and saved; it returns the file.
func savedPlan(t *testing.T, env *cmdtest.Env, edit func(*plan.Plan)) string {
	t.Helper()
	client, err := env.F.KeyCRM()
	if err != nil {
		t.Fatal(err)
	}
	p := &plan.Plan{Version: plan.Version, Command: plan.CmdPushStock, DryRun: true,
		Source:  plan.Source{Location: "stock.csv", Format: "csv", Items: 3},
		Target:  keycrmstock.New(client).Describe(),
		Summary: plan.Summary{Matched: 3, Unchanged: 2, Changes: 1},
		Changes: []plan.Change{{SKU: "A-1", OfferID: 1, WarehouseID: 1, Field: "quantity",
			From: plan.NumberValue(decimal.FromInt(5)), To: plan.NumberValue(decimal.FromInt(7))}},
	}
	p.Target.WarehouseIDs = []int64{1}
	if edit != nil {
		edit(p)
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := render.JSON(f, p); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		rule string
		edit func(*plan.Plan)
		want string
	}{
		{"a diff plan", func(p *plan.Plan) { p.Command = plan.CmdDiff }, "made by diff"},
		{"an applied plan", func(p *plan.Plan) { p.Result = &plan.Result{RunID: "20260101T000000Z-abcd"} }, "already applied"},
		{"another API", func(p *plan.Plan) { u := "https://elsewhere/v1"; p.Target.APIURL = &u }, "was made for https://elsewhere/v1"},
		{"a field the target does not write", func(p *plan.Plan) { p.Changes[0].Field = "price" }, `field "price"`},
		{"a warehouse the plan does not name", func(p *plan.Plan) { p.Changes[0].WarehouseID = 9 }, "warehouse 9"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			env := cmdtest.New(t, cmdtest.Seed(map[string]int64{"A-1": 5}))
			client, _ := env.F.KeyCRM()
			_, err := Load(savedPlan(t, env, tt.edit), keycrmstock.New(client))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestRun(t *testing.T) {
	t.Run("a plan that still holds is applied", func(t *testing.T) {
		env := cmdtest.New(t, cmdtest.Seed(map[string]int64{"A-1": 5}))
		err := run(context.Background(), &Options{F: env.F, Path: savedPlan(t, env, nil), Write: writeflow.Options{Yes: true}})
		if err != nil || env.Quantity("A-1") != "7" {
			t.Fatalf("error %v, A-1 = %s", err, env.Quantity("A-1"))
		}
	})
	t.Run("a stale plan is refused, and --force writes it", func(t *testing.T) {
		env := cmdtest.New(t, cmdtest.Seed(map[string]int64{"A-1": 6}))
		path := savedPlan(t, env, nil)
		err := run(context.Background(), &Options{F: env.F, Path: path, Write: writeflow.Options{Yes: true}})
		var stale *plan.StaleError
		if !errors.As(err, &stale) || env.Puts() != 0 {
			t.Fatalf("error %v, %d puts", err, env.Puts())
		}
		err = run(context.Background(), &Options{F: env.F, Path: path, Write: writeflow.Options{Yes: true, Force: true}})
		if err != nil || env.Quantity("A-1") != "7" {
			t.Fatalf("forced: error %v, A-1 = %s", err, env.Quantity("A-1"))
		}
	})
}

// An import plan carries keys a stock plan lacks; it is named as an import plan,
// with what to do instead, not refused as no plan at all.
func TestReadNamesAnImportPlan(t *testing.T) {
	path := filepath.Join(t.TempDir(), "import.json")
	doc := `{"version": 1, "command": "import", "dry_run": true, "create": [], "result": null}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Read(path)
	if err == nil || !strings.Contains(err.Error(), "rerun import") {
		t.Fatalf("error %v, want the import plan named with 'rerun import'", err)
	}
}
