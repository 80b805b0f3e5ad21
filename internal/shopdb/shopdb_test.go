package shopdb

import (
	"context"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

func TestRound(t *testing.T) {
	for _, c := range []struct {
		round, value string
		want         int64
		err          string
	}{
		{"", "2.7", 2, ""},
		{"down", "-1.5", -2, ""},
		{"nearest", "2.5", 3, ""},
		{"nearest", "2.49", 2, ""},
		{"none", "3.000", 3, ""},
		{"none", "2.5", 0, "has a fraction"},
		{"up", "1", 0, "want down, nearest or none"},
	} {
		r, err := ParseRound(c.round)
		var n int64
		if err == nil {
			n, err = r.Int(decimal.MustParse(c.value))
		}
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s %s: err = %v, want %q", c.round, c.value, err, c.err)
			}
			continue
		}
		if err != nil || n != c.want {
			t.Errorf("%s %s = %d, %v; want %d", c.round, c.value, n, err, c.want)
		}
	}
}

func TestConfig(t *testing.T) {
	t.Setenv(connector.DBPasswordEnv, "from-env")
	for in, want := range map[string]string{
		"woocommerce://shop:url-pw@db.local/wp": "shop url-pw db.local:3306 wp",
		"opencart://shop@127.0.0.1:3307/oc":     "shop from-env 127.0.0.1:3307 oc",
		"mysql://[::1]/erp":                     " from-env [::1]:3306 erp",
	} {
		loc, err := connector.ParseLocation(in)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := Config(loc)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join([]string{cfg.User, cfg.Passwd, cfg.Addr, cfg.DBName}, " "); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

// TestOpenRefuses checks the URL before connecting, so no server is needed.
func TestOpenRefuses(t *testing.T) {
	for in, want := range map[string]string{
		"woocommerce://u:pw-secret@127.0.0.1:1/wp?prefix=wp-1": `prefix="wp-1": a table prefix holds only letters, digits and underscores`,
		"woocommerce://u:pw-secret@127.0.0.1:1/wp?prefx=wp_":   `unknown parameter "prefx" (known: prefix)`,
		"woocommerce://u:pw-secret@127.0.0.1:1/wp?prefix=a;b":  "invalid semicolon separator",
		"woocommerce://u:pw-secret@127.0.0.1:1/":               "the URL must name one database",
		"woocommerce://u:pw-secret@127.0.0.1:1/wp":             "connect to woocommerce://u:****@127.0.0.1:1/wp",
		"prestashop://u:pw-secret@127.0.0.1:1/ps/x?prefix=ps_": "the URL must name one database",
	} {
		loc, err := connector.ParseLocation(in)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Open(context.Background(), loc, "wp_")
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "pw-secret") {
			t.Errorf("%s: err = %v, want %q and no password", in, err, want)
		}
	}
}

func TestWanted(t *testing.T) {
	all, some := Wanted(nil), Wanted([]string{"A", "b c"})
	if !all("x") || all("") || !some("b c") || some("a") || some("B C") {
		t.Error("Wanted matches other than exactly")
	}
}

// FuzzRound checks that rounding never panics and lands on a neighbouring
// whole number.
func FuzzRound(f *testing.F) {
	for _, s := range []string{"0", "2.5", "-2.5", "1e3", "0.0001", "9223372036854775.807", "-0.4999"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, s string, mode uint8) {
		d, err := decimal.Parse(s)
		if err != nil {
			return
		}
		r := Round(mode % 3)
		n, err := r.Int(d)
		if err != nil {
			if r != RoundNone || d.IsInteger() {
				t.Fatalf("%s %s: %v", r, s, err)
			}
			return
		}
		if diff, err := decimal.FromInt(n).Sub(d); err == nil && (diff.Cmp(decimal.FromInt(1)) >= 0 || diff.Cmp(decimal.FromInt(-1)) <= 0) {
			t.Fatalf("%s %s = %d", r, s, n)
		}
	})
}

func TestIsName(t *testing.T) {
	long := strings.Repeat("a", 64)
	for s, want := range map[string]bool{
		"wp_": true, "oc_2": true, "ps_": true, "Sku": true, long: true,
		"": false, long + "a": false, "wp-1": false, "a;b": false, "a`b": false, "sku ": false, "ціна": false,
	} {
		if got := IsName(s); got != want {
			t.Errorf("IsName(%q) = %v, want %v", s, got, want)
		}
	}
}
