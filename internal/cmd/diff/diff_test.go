package diff

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil/cmdtest"
)

func TestNewCmdDiff(t *testing.T) {
	tests := []struct {
		args  []string
		usage string
	}{
		{args: []string{"--from", "s.csv"}},
		{args: []string{"--from", "s.csv", "--stock", "available", "--fields", "quantity,price"}},
		{args: []string{"--against", "x.csv"}, usage: "needs --from"},
		{args: []string{"--from", "s.csv", "--stock", "reserved"}, usage: "--stock is on-hand or available"},
		{args: []string{"--from", "s.csv", "--fields", "colour"}, usage: "cannot compare"},
		{args: []string{"--from", "s.csv", "--ignore", "everything"}, usage: "--ignore takes"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ran := false
			cmd := NewCmdDiff(cmdtest.New(t, cmdtest.Seed(nil)).F, func(context.Context, *Options) error {
				ran = true
				return nil
			})
			err := cmdtest.Execute(cmd, tt.args...)
			if tt.usage == "" {
				if err != nil || !ran {
					t.Fatalf("error %v, ran %v", err, ran)
				}
				return
			}
			cmdtest.WantUsage(t, err, tt.usage)
			if ran {
				t.Fatal("ran despite the usage error")
			}
		})
	}
}

func TestRun(t *testing.T) {
	opts := func(env *cmdtest.Env, from string) *Options {
		return &Options{F: env.F, From: from, Against: "keycrm", Fields: []string{"quantity"}, Stock: "on-hand"}
	}
	t.Run("in sync", func(t *testing.T) {
		env := cmdtest.New(t, cmdtest.Seed(map[string]int64{"A-1": 5}))
		if err := run(context.Background(), opts(env, cmdtest.File(t, "s.csv", "sku,quantity\nA-1,5.0\n"))); err != nil {
			t.Fatalf("error %v, stdout:\n%s", err, env.Out)
		}
	})
	t.Run("differences are the verdict", func(t *testing.T) {
		env := cmdtest.New(t, cmdtest.Seed(map[string]int64{"A-1": 5, "B-2": 1}))
		err := run(context.Background(), opts(env, cmdtest.File(t, "s.csv", "sku,quantity\nA-1,6\n")))
		if !errors.Is(err, cmdutil.ErrDifferences) || !strings.Contains(env.Out.String(), "A-1") {
			t.Fatalf("error %v, stdout:\n%s", err, env.Out)
		}
		if env.Puts() != 0 {
			t.Fatal("diff wrote")
		}
	})
	t.Run("ignored classes are listed, not counted", func(t *testing.T) {
		env := cmdtest.New(t, cmdtest.Seed(map[string]int64{"A-1": 5, "B-2": 1}))
		o := opts(env, cmdtest.File(t, "s.csv", "sku,quantity\nA-1,5\n"))
		o.Ignore = []string{ignoreMissingInSource}
		if err := run(context.Background(), o); err != nil || !strings.Contains(env.Out.String(), "B-2") {
			t.Fatalf("error %v, stdout:\n%s", err, env.Out)
		}
	})
	t.Run("against another source needs no KeyCRM", func(t *testing.T) {
		env := cmdtest.New(t, cmdtest.Seed(nil))
		o := opts(env, cmdtest.File(t, "a.csv", "sku,quantity\nA-1,5\n"))
		o.Against = cmdtest.File(t, "b.csv", "sku,quantity\nA-1,4\n")
		env.F.Global.Output = "markdown"
		err := run(context.Background(), o)
		if !errors.Is(err, cmdutil.ErrDifferences) || !strings.Contains(env.Out.String(), "| change | A-1 |") {
			t.Fatalf("error %v, stdout:\n%s", err, env.Out)
		}
		if n := env.Mock.Stats().Requests; n != 0 {
			t.Fatalf("%d requests to KeyCRM", n)
		}
	})
}
