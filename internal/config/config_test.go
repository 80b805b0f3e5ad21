package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const full = `
api: {url: https://openapi.keycrm.app/v1, key_file: ~/.config/keycrm-sync/key, rate: 60, retries: 5, timeout: 30s}
warehouses: {"Склад Київ": 3, "Основний склад": 1}
mapping: {sku: Артикул, quantity: Залишок}
guards: {max_changes: 50%, max_zeroed: 10%, min_coverage: 80%, max_price_change: 50%}
profiles:
  nightly: {push-stock: {from: /srv/1c/exchange, warehouse: 1, missing: keep}}
`

func TestParseContractExample(t *testing.T) {
	c, err := Parse([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	if *c.API.Rate != 60 || *c.API.Retries != 5 || time.Duration(c.API.Timeout) != 30*time.Second {
		t.Fatalf("api = %+v", c.API)
	}
	if c.Warehouses["Склад Київ"] != 3 || c.Mapping["quantity"] != "Залишок" || c.Guards.MaxZeroed != "10%" {
		t.Fatalf("config = %+v", c)
	}
	p, err := c.Profile("nightly", "push-stock")
	if err != nil {
		t.Fatal(err)
	}
	if p["from"] != "/srv/1c/exchange" || p["warehouse"] != "1" || p["missing"] != "keep" {
		t.Fatalf("profile = %v", p)
	}
	if _, err := c.Profile("daily", "push-stock"); err == nil {
		t.Fatal("missing profile accepted")
	}
}

func TestLimits(t *testing.T) {
	c, err := Parse([]byte("limits: {xlsx_part_ratio: 500, xlsx_part_bytes: 2GiB, xlsx_cell_bytes: 128KiB, xlsx_shared_strings_bytes: 512MiB, xlsx_stdin_bytes: 1048576}"))
	if err != nil {
		t.Fatal(err)
	}
	want := Limits{XLSXPartRatio: 500, XLSXPartBytes: 2 << 30, XLSXCellBytes: 128 << 10, XLSXSharedStringsBytes: 512 << 20, XLSXStdinBytes: 1 << 20}
	if c.Limits != want {
		t.Errorf("limits = %+v, want %+v", c.Limits, want)
	}
}

func TestUnknownKeysAreNamed(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"api: {url: x, rat: 5}", `line 1: unknown key "rat"`},
		{"guards:\n  max_change: 50%", `line 2: unknown key "max_change"`},
		{"mappings: {}", `unknown key "mappings"`},
		{"profiles: {p: {push-stok: {}}}", `unknown command "push-stok"`},
		{"api: {timeout: soon}", `not a duration`},
		{"limits: {xlsx_cell_bytes: 64KB}", `line 1: "64KB" is not a size`},
		{"limits: {xlsx_part_bytes: -1}", `"-1" is not a size`},
		{"limits: {xlsx_part_bytes: 1.5GiB}", `"1.5GiB" is not a size`},
		{"limits: {xlsx_part_bytes: 99999999999TiB}", `is not a size`},
		{"limits: {xlsx_part_ratio: -5}", `xlsx_part_ratio must not be negative`},
		{"limits: {xlsx_cell: 1}", `line 1: unknown key "xlsx_cell"`},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error = %v, want %q", tt.yaml, err, tt.want)
		}
	}
}

func TestFindOrder(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	xdg := filepath.Join(dir, "xdg")
	env := func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return xdg
		}
		return ""
	}
	if p, err := Find("", env); err != nil || p != "" {
		t.Fatalf("no config: %q %v", p, err)
	}
	if err := os.MkdirAll(filepath.Join(xdg, "keycrm-sync"), 0o755); err != nil {
		t.Fatal(err)
	}
	xdgFile := filepath.Join(xdg, "keycrm-sync", "config.yaml")
	if err := os.WriteFile(xdgFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if p, _ := Find("", env); p != xdgFile {
		t.Fatalf("xdg: %q", p)
	}
	if err := os.WriteFile("keycrm-sync.yaml", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if p, _ := Find("", env); p != "keycrm-sync.yaml" {
		t.Fatalf("local: %q", p)
	}
	if _, err := Find("nope.yaml", env); err == nil {
		t.Fatal("missing explicit config accepted")
	}
	c, err := Load(xdgFile)
	if err != nil || c.Path != xdgFile {
		t.Fatalf("empty file: %v %v", c, err)
	}
}
