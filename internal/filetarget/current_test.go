package filetarget

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/xlsx"
)

func TestCurrent(t *testing.T) {
	dir := t.TempDir()
	snap, err := Current(context.Background(), filepath.Join(dir, "new.csv"), Options{})
	if err != nil || snap.Exists || len(snap.Values) > 0 {
		t.Fatalf("a file not written yet: %+v, %v; want an empty snapshot", snap, err)
	}
	path := filepath.Join(dir, "shop.csv")
	writeFile(t, path, "Артикул;Залишок;Назва\nA-1;5;x\nB-2;;y\nC-3;1;z\nC-3;2;z\nD-4;abc;w\n;4;no sku\n")
	snap, err = Current(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Value{"A-1": {Quantity: catalog.Known(dec("5")), Row: 2}, "B-2": {Row: 3}}
	if !snap.Exists || !reflect.DeepEqual(snap.Values, want) {
		t.Errorf("values %+v, want %+v", snap.Values, want)
	}
	if want := map[string][]int{"C-3": {4, 5}}; !reflect.DeepEqual(snap.Duplicates, want) {
		t.Errorf("duplicates %v, want %v", snap.Duplicates, want)
	}
	if len(snap.Problems) != 2 || snap.Problems[0].SKU != "D-4" || snap.Problems[1].Row != 7 {
		t.Errorf("problems %+v, want D-4's stock and the row without SKU", snap.Problems)
	}
	if snap.Info.Format != "csv" {
		t.Errorf("info %+v", snap.Info)
	}
}

func TestCurrentOfWrittenFeed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feed.xml")
	if err := Write(context.Background(), path, nil, demoRows, Options{Dialect: DialectRozetka, Now: fixedNow}); err != nil {
		t.Fatal(err)
	}
	snap, err := Current(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range demoRows {
		if v := snap.Values[r.SKU]; !v.Quantity.Known || v.Quantity.V.Cmp(r.Quantity) != 0 || v.Row == 0 {
			t.Errorf("%s: %+v, want %s", r.SKU, v, r.Quantity)
		}
	}
}

// A pulled XLSX file is read under the configuration's limits, as a source
// is: a workbook over them is refused, not unpacked.
func TestCurrentXLSXLimits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.xlsx")
	if err := Write(context.Background(), path, nil, demoRows, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Current(context.Background(), path, Options{}); err != nil {
		t.Fatalf("default limits: %v", err)
	}
	_, err := Current(context.Background(), path, Options{XLSXLimits: xlsx.Limits{PartBytes: 100}})
	if err == nil || !strings.Contains(err.Error(), "shop.xlsx") {
		t.Fatalf("a 100-byte part limit: %v, want the file refused", err)
	}
	t.Log(err)
}
