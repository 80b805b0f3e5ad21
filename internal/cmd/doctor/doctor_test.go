package doctor

import (
	"context"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil/cmdtest"
)

func TestRun(t *testing.T) {
	env := cmdtest.New(t, cmdtest.Seed(map[string]int64{"A-1": 5}))
	env.F.Global.Output = "csv"
	if err := run(context.Background(), &Options{F: env.F, Pages: 1}); err != nil {
		t.Fatal(err)
	}
	if got, want := env.Out.String(), "warehouse_id,name\n1,Основний склад\n"; got != want {
		t.Fatalf("doctor -o csv:\n%s\nwant:\n%s", got, want)
	}
}

// A refused key is a problem: the JSON report still prints, and the error names it.
func TestRunWrongKey(t *testing.T) {
	env := cmdtest.New(t, cmdtest.Seed(nil))
	getenv := env.F.Getenv
	env.F.Getenv = func(k string) string {
		if k == cmdutil.EnvAPIKey {
			return "wrong-key"
		}
		return getenv(k)
	}
	env.F.Global.Output = "json"
	err := run(context.Background(), &Options{F: env.F, Pages: 1})
	if err == nil || !strings.Contains(err.Error(), "problem") || !strings.Contains(env.Out.String(), `"key_ok": false`) {
		t.Fatalf("error %v, report:\n%s", err, env.Out)
	}
	if strings.Contains(env.Out.String()+err.Error(), "wrong-key") {
		t.Fatal("the key was printed")
	}
}
