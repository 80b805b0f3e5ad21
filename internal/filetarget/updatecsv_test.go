package filetarget

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/csv"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// copyFile copies src into dir and returns the copy's path.
func copyFile(t *testing.T, src, dir string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

func values(kv ...string) map[string]decimal.Decimal {
	m := map[string]decimal.Decimal{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = dec(kv[i+1])
	}
	return m
}

func TestUpdateWooCommerceExportKeepsEveryOtherByte(t *testing.T) {
	path := copyFile(t, "testdata/woo-export.csv", t.TempDir())
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vals := values("woo-vneck-tee", "4", "woo-belt", "12", "woo-cap", "0", "woo-sunglasses", "9", "wp-pennant", "1.5", "gone-1", "2")
	res, err := Update(context.Background(), path, vals, Options{})
	if err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := string(before)
	for _, r := range [][2]string{
		{"1,1,1,,0,,", "1,1,1,4,0,,"},
		{"1,0,0,'-5,0,18", "1,0,0,0,0,18"},
		{`1,1,1,"3",0,90`, `1,1,1,"9",0,90`},
		{`1,0,1,,0,"11,05"`, `1,0,1,1.5,0,"11,05"`},
	} {
		if strings.Count(want, r[0]) != 1 {
			t.Fatalf("test data: %q is not unique", r[0])
		}
		want = strings.Replace(want, r[0], r[1], 1)
	}
	if string(after) != want {
		t.Errorf("updated file\n got %q\nwant %q", after, want)
	}
	wantRes := &UpdateResult{
		Column: "Stock",
		Changed: []Change{
			{SKU: "woo-vneck-tee", Row: 2, To: dec("4")},
			{SKU: "woo-cap", Row: 5, From: catalog.Known(dec("-5")), To: dec("0")},
			{SKU: "woo-sunglasses", Row: 6, From: catalog.Known(dec("3")), To: dec("9")},
			{SKU: "wp-pennant", Row: 8, To: dec("1.5")},
		},
		Unchanged:   1,
		NotInValues: []string{"woo-vneck-tee-red"},
		NotInFile:   []string{"gone-1"},
		Duplicates:  map[string][]int{},
	}
	if !reflect.DeepEqual(res, wantRes) {
		t.Errorf("result\n got %+v\nwant %+v", res, wantRes)
	}
	// The CSV reader reads the new values, and the shop's other columns too.
	got := map[string]string{}
	for _, v := range readBack(t, path, csv.Format{}, connector.ReadOptions{}) {
		got[v.SKU] = v.Quantity.String()
	}
	if want := map[string]string{"woo-vneck-tee": "4", "woo-belt": "12", "woo-cap": "0", "woo-sunglasses": "9",
		"woo-vneck-tee-red": "7", "wp-pennant": "1.5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("read back %v, want %v", got, want)
	}
}

func TestUpdate1CWindows1251(t *testing.T) {
	text := "Залишки на 07.12.2026\r\n\r\nАртикул;Назва;Залишок;Ціна\r\nA-1;Шланг, м;2,5;10\r\nB-2;Кран;1;\r\nC-3;Вентиль\r\n"
	raw, err := charmap.Windows1251.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "1c.csv")
	writeFile(t, path, raw)
	res, err := Update(context.Background(), path, values("A-1", "3.5", "B-2", "1", "C-3", "4"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := charmap.Windows1251.NewEncoder().String(strings.NewReplacer("2,5;10", "3,5;10", "C-3;Вентиль", "C-3;Вентиль;4").Replace(text))
	if string(got) != want {
		t.Errorf("updated file\n got %q\nwant %q", got, want)
	}
	if res.Column != "Залишок" || len(res.Changed) != 2 || res.Unchanged != 1 {
		t.Errorf("result %+v", res)
	}
}

func TestUpdateDuplicatesAndDryRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stock.csv")
	const text = "sku,qty\nA,1\nB,2\nA,3\n"
	writeFile(t, path, text)
	res, err := Update(context.Background(), path, values("A", "5", "B", "7"), Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Duplicates, map[string][]int{"A": {2, 4}}) || len(res.Changed) != 1 || res.Changed[0].SKU != "B" {
		t.Errorf("result %+v", res)
	}
	assertIntact(t, path, text)
}

func TestUpdateErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, file, text string
		opt              Options
		want             string
	}{
		{"no stock column", "a.csv", "Артикул;Назва;Ціна\nA;x;1\n", Options{}, `no stock column in the header (row 1: "Артикул", "Назва", "Ціна"); name it with --map quantity=HEADER`},
		{"no SKU column", "b.csv", "Назва;Кількість\nx;1\n", Options{}, `no SKU column; the headers found (row 1) are "Назва", "Кількість"`},
		{"cut off", "c.csv", "sku,qty\nA,\"1\n", Options{}, "line 2: the file ends in the middle of a record"},
		{"utf-16", "d.csv", "\xff\xfes\x00k\x00u\x00", Options{}, "UTF-16"},
		{"jsonl", "e.jsonl", "{}\n", Options{}, "only CSV, XLSX and YML"},
		{"missing", "", "", Options{}, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			if tc.file != "" {
				writeFile(t, path, tc.text)
			} else {
				path = filepath.Join(dir, "missing.csv")
			}
			_, err := Update(context.Background(), path, values("A", "1"), tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Update = %v, want an error naming the file and %q", err, tc.want)
			}
			if tc.file != "" {
				assertIntact(t, path, tc.text)
			}
		})
	}
}

func TestUpdateMapping(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stock.csv")
	writeFile(t, path, "Код;Вільний залишок\nA;1\n")
	if _, err := Update(context.Background(), path, values("A", "2"), Options{}); err == nil {
		t.Fatal("an available-stock column was taken for the stock")
	}
	if _, err := Update(context.Background(), path, values("A", "2"), Options{Mapping: map[string]string{"quantity": "Вільний залишок"}}); err != nil {
		t.Fatal(err)
	}
	assertIntact(t, path, "Код;Вільний залишок\nA;2\n")
}

func TestUpdateDiskFullKeepsOldFile(t *testing.T) {
	path := copyFile(t, "testdata/woo-export.csv", t.TempDir())
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{wrap: func(w io.Writer) io.Writer { return &fullDisk{w: w, n: 100} }}
	if _, err := Update(context.Background(), path, values("woo-cap", "1"), opt); err == nil || !strings.Contains(err.Error(), "disk is full") {
		t.Fatalf("Update = %v, want a full disk", err)
	}
	assertIntact(t, path, string(before))
}

// TestUpdateRealWooCommerceExport updates the shared fixture (a WooCommerce
// sample export) and checks that only the stock cells of the matched rows
// changed.
func TestUpdateRealWooCommerceExport(t *testing.T) {
	path := copyFile(t, testenv.Fixture(t, "woocommerce/sample_products.csv"), t.TempDir())
	before, err := loadCSV(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	vals := values("woo-beanie", "5", "woo-hoodie-blue", "0", "Woo-tshirt-logo", "12.5")
	res, err := Update(context.Background(), path, vals, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changed) != 3 || res.Column != "Stock" || len(res.NotInValues) != len(before.list)-3 {
		t.Fatalf("result %+v", res)
	}
	after, err := loadCSV(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before.raw[:before.body], after.raw[:after.body]) || len(before.records) != len(after.records) {
		t.Fatalf("the BOM or the number of records changed")
	}
	changed := map[int]bool{}
	for _, c := range res.Changed {
		changed[c.Row] = true
	}
	for i, old := range before.records {
		rec := after.records[i]
		if len(rec.fields) != len(old.fields) {
			t.Fatalf("line %d: %d fields, was %d", old.line, len(rec.fields), len(old.fields))
		}
		for c := range old.fields {
			was, now := before.raw[old.fields[c].start:old.fields[c].end], after.raw[rec.fields[c].start:rec.fields[c].end]
			if !bytes.Equal(was, now) && !(changed[old.line] && c == before.stock) {
				t.Errorf("line %d column %d changed from %q to %q", old.line, c+1, was, now)
			}
		}
	}
	got := map[string]string{}
	for _, v := range readBack(t, path, csv.Format{}, connector.ReadOptions{}) {
		if _, ok := vals[v.SKU]; ok {
			got[v.SKU] = v.Quantity.String()
		}
	}
	if want := map[string]string{"woo-beanie": "5", "woo-hoodie-blue": "0", "Woo-tshirt-logo": "12.5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("read back %v, want %v", got, want)
	}
}
