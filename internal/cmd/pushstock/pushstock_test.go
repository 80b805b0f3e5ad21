package pushstock

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil/cmdtest"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
)

func TestNewCmdPushStock(t *testing.T) {
	tests := []struct {
		args  []string
		usage string // a usage error containing this, or "" for none
		check func(*Options) bool
	}{
		{args: []string{"--from", "s.csv", "--warehouse", "3"},
			check: func(o *Options) bool { return o.From == "s.csv" && o.Warehouse == 3 && o.Missing == "keep" }},
		{args: []string{"--from", "s.csv", "--warehouse-map", "Київ=3", "--missing", "zero", "--dry-run"},
			check: func(o *Options) bool {
				return len(o.WarehouseMap) == 1 && o.Missing == "zero" && o.Write.DryRun
			}},
		{args: []string{"--warehouse", "1"}, usage: "needs --from"},
		{args: []string{"--from", "s.csv", "--warehouse", "1", "--missing", "all"}, usage: "--missing is keep or zero"},
		{args: []string{"--from", "s.csv", "--warehouse", "1", "--warehouse-map", "K=2"}, usage: "--warehouse"},
		{args: []string{"--from", "s.csv", "--warehouse", "-2"}, usage: "must be a KeyCRM warehouse id"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got *Options
			cmd := NewCmdPushStock(cmdtest.New(t, cmdtest.Seed(nil)).F, func(_ context.Context, o *Options) error {
				got = o
				return nil
			})
			err := cmdtest.Execute(cmd, tt.args...)
			switch {
			case tt.usage != "":
				cmdtest.WantUsage(t, err, tt.usage)
			case err != nil:
				t.Fatal(err)
			case !tt.check(got):
				t.Fatalf("options %+v", got)
			}
		})
	}
}

func TestRun(t *testing.T) {
	stock := "sku;quantity\nA-1;7\nB-2;2\nNEW-1;1\n"
	t.Run("dry run prints the plan and writes nothing", func(t *testing.T) {
		env := cmdtest.New(t, cmdtest.Seed(map[string]int64{"A-1": 5, "B-2": 2}))
		err := run(context.Background(), &Options{F: env.F, From: cmdtest.File(t, "stock.csv", stock), Warehouse: 1,
			Missing: "keep", Write: writeflow.Options{DryRun: true}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(env.Out.String(), "A-1") || strings.Contains(env.Out.String(), "B-2") {
			t.Errorf("plan:\n%s", env.Out)
		}
		if want := "push-stock: 2 matched, 1 to change, 1 not in KeyCRM"; !strings.Contains(env.ErrOut.String(), want) {
			t.Errorf("stderr %q, want %q", env.ErrOut, want)
		}
		if env.Puts() != 0 || env.Quantity("A-1") != "5" {
			t.Errorf("a dry run wrote: %d puts, A-1 = %s", env.Puts(), env.Quantity("A-1"))
		}
	})
	t.Run("--yes writes the changes only", func(t *testing.T) {
		env := cmdtest.New(t, cmdtest.Seed(map[string]int64{"A-1": 5, "B-2": 2}))
		err := run(context.Background(), &Options{F: env.F, From: cmdtest.File(t, "stock.csv", stock), Warehouse: 1,
			Missing: "keep", Write: writeflow.Options{Yes: true}})
		if err != nil {
			t.Fatal(err)
		}
		if env.Puts() != 1 || env.Quantity("A-1") != "7" || env.Quantity("B-2") != "2" {
			t.Errorf("%d puts, A-1 = %s, B-2 = %s", env.Puts(), env.Quantity("A-1"), env.Quantity("B-2"))
		}
	})
	t.Run("--missing zero zeroes what the source lacks, guarded", func(t *testing.T) {
		env := cmdtest.New(t, cmdtest.Seed(map[string]int64{"A-1": 5, "B-2": 2, "C-3": 4}))
		err := run(context.Background(), &Options{F: env.F, From: cmdtest.File(t, "stock.csv", stock), Warehouse: 1,
			Missing: "zero", Write: writeflow.Options{Yes: true}})
		var refused *plan.RefusedError
		if !errors.As(err, &refused) || env.Puts() != 0 {
			t.Fatalf("error %v, %d puts; want max-zeroed to refuse 1 of 3 zeroed", err, env.Puts())
		}
	})
	t.Run("no warehouse option is a usage error", func(t *testing.T) {
		env := cmdtest.New(t, cmdtest.Seed(nil))
		err := run(context.Background(), &Options{F: env.F, From: cmdtest.File(t, "stock.csv", stock), Missing: "keep"})
		cmdtest.WantUsage(t, err, errNeedWarehouse.Error())
	})
}
