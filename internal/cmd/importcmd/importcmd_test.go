package importcmd

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil/cmdtest"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
)

func TestNewCmdImport(t *testing.T) {
	var got *Options
	cmd := NewCmdImport(cmdtest.New(t, cmdtest.Seed(nil)).F, func(_ context.Context, o *Options) error {
		got = o
		return nil
	})
	if err := cmdtest.Execute(cmd, "--from", "n.csv", "--create-categories", "--dry-run"); err != nil ||
		!got.CreateCategories || !got.Write.DryRun {
		t.Fatalf("%v %+v", err, got)
	}
	cmdtest.WantUsage(t, cmdtest.Execute(NewCmdImport(cmdtest.New(t, cmdtest.Seed(nil)).F, nil)), "needs --from")
}

func TestRun(t *testing.T) {
	src := "sku;name;price\nA-1;Старий;5\nN-1;Новий;10\nN-2;;10\n"
	t.Run("creates what is missing, once", func(t *testing.T) {
		env := cmdtest.New(t, cmdtest.Seed(map[string]int64{"A-1": 5}))
		from := cmdtest.File(t, "new.csv", src)
		if err := run(context.Background(), &Options{F: env.F, From: from, Write: writeflow.Options{Yes: true}}); err != nil {
			t.Fatal(err)
		}
		if len(env.Mock.State().Products) != 2 {
			t.Fatalf("products %+v", env.Mock.State().Products)
		}
		// N-2 has no name: reported with its row, not created.
		if !strings.Contains(env.Out.String(), "N-2") || !strings.Contains(env.Out.String(), "needs a name") {
			t.Errorf("stdout %q", env.Out.String())
		}
		env.Out.Reset()
		if err := run(context.Background(), &Options{F: env.F, From: from, Write: writeflow.Options{Yes: true}}); err != nil {
			t.Fatal(err)
		}
		if got := env.Mock.Stats().ByRoute["POST /products/import"]; got != 1 {
			t.Errorf("%d import requests over two runs, want 1", got)
		}
	})
	t.Run("an empty source is refused", func(t *testing.T) {
		env := cmdtest.New(t, cmdtest.Seed(nil))
		err := run(context.Background(), &Options{F: env.F, From: cmdtest.File(t, "empty.csv", "sku;name\n"), Write: writeflow.Options{Yes: true}})
		var refused *plan.RefusedError
		if !errors.As(err, &refused) {
			t.Fatalf("err %v, want a guard refusal", err)
		}
	})
}
