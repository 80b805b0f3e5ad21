package pullstock

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil/cmdtest"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
)

func TestNewCmdPullStock(t *testing.T) {
	tests := []struct {
		args  []string
		usage string
	}{
		{args: []string{"--to", "s.csv", "--warehouse", "1,3", "--stock", "on-hand", "--round", "none"}},
		{args: []string{"--stock", "on-hand"}, usage: "needs --to"},
		{args: []string{"--to", "s.csv", "--stock", "reserved"}, usage: "--stock is available or on-hand"},
		{args: []string{"--to", "s.csv", "--round", "up"}, usage: "--round is down, nearest or none"},
		{args: []string{"--to", "s.csv", "--warehouse", "0"}, usage: "--warehouse must be"},
		{args: []string{"--to", "s.csv", "--delimiter", "#"}, usage: "--delimiter"},
		{args: []string{"--to", "s.csv", "--map", "price=Ціна"}, usage: "--map"},
		{args: []string{"--to", "-", "--update"}, usage: "--update needs a file"},
		{args: []string{"--to", "woocommerce://shop:s3cret@db/wp", "--update"}, usage: "woocommerce://shop:****@db/wp is a shop database"},
		{args: []string{"--to", "opencart://db/oc", "--format", "csv"}, usage: "file flags"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got *Options
			cmd := NewCmdPullStock(cmdtest.New(t, cmdtest.Seed(nil)).F, func(_ context.Context, o *Options) error {
				got = o
				return nil
			})
			err := cmdtest.Execute(cmd, tt.args...)
			if tt.usage != "" {
				cmdtest.WantUsage(t, err, tt.usage)
				return
			}
			if err != nil || len(got.Warehouses) != 2 || got.Round != roundNone {
				t.Fatalf("error %v, options %+v", err, got)
			}
		})
	}
}

func TestRun(t *testing.T) {
	env := cmdtest.New(t, cmdtest.Seed(map[string]int64{"A-1": 5, "B-2": 0}))
	dst := filepath.Join(t.TempDir(), "stock.csv")
	opts := &Options{F: env.F, To: dst, Stock: "on-hand", Round: roundDown, Write: writeflow.Options{Yes: true}}
	if err := run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "A-1,5") || !strings.Contains(string(b), "B-2,0") {
		t.Fatalf("file:\n%s", b)
	}
	if env.Puts() != 0 {
		t.Fatal("pull-stock wrote to KeyCRM")
	}
}

// The cost line's figure: 100,000 offers are 2,000 pages, which take 33m20s at 60 a
// minute, said as 34 min; short reads in seconds, never as 0.
func TestDuration(t *testing.T) {
	for _, tt := range []struct {
		n, rate int
		want    string
	}{
		{2000, 60, "34 min"},
		{60, 60, "1 min"},
		{61, 60, "2 min"},
		{1, 60, "1s"},
		{51, 60000, "1s"},
		{30, 60, "30s"},
	} {
		if got := duration(tt.n, tt.rate); got != tt.want {
			t.Errorf("duration(%d, %d) = %q, want %q", tt.n, tt.rate, got, tt.want)
		}
	}
}
