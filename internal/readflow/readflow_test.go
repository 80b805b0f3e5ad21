package readflow

import (
	"slices"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

func TestStrictNamesEachSide(t *testing.T) {
	api := "http://keycrm.test/v1"
	for _, tt := range []struct {
		name string
		p    plan.Plan
		want string
	}{
		{"clean", plan.Plan{}, ""},
		{"source duplicate and a problem", plan.Plan{
			Duplicates: []plan.Duplicate{{SKU: "A", Rows: []int{2, 3}}},
			Problems:   []catalog.Problem{{Row: 4}},
			Summary:    plan.Summary{Duplicates: 1, Problems: 1},
			Target:     plan.Target{APIURL: &api},
		}, "--strict: the source has 1 duplicate SKU(s), 1 problem row(s)"},
		{"KeyCRM duplicate", plan.Plan{
			Duplicates: []plan.Duplicate{{SKU: "B", OfferIDs: []int64{5, 6}}},
			Summary:    plan.Summary{Duplicates: 1},
			Target:     plan.Target{APIURL: &api},
		}, "--strict: KeyCRM has 1 SKU(s) shared by several items"},
		{"the other file's duplicate", plan.Plan{
			Duplicates: []plan.Duplicate{{SKU: "C", Rows: []int{2, 9}, Side: "target"}},
			Summary:    plan.Summary{Duplicates: 1},
		}, "--strict: the --against side has 1 SKU(s) shared by several items"},
	} {
		err := Strict(&tt.p)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSplitMapList(t *testing.T) {
	for in, want := range map[string][]string{
		"Склад Київ=2,Основний склад=1": {"Склад Київ=2", "Основний склад=1"},
		"Склад 1, Київ=3":               {"Склад 1, Київ=3"},
		"A=1":                           {"A=1"},
		"A=1,B":                         {"A=1,B"},
		"a=b=1,c=2":                     {"a=b=1", "c=2"},
	} {
		if got := splitMapList([]string{in}); !slices.Equal(got, want) {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// read feeds rows through the counter into a finished index, as Read does.
func read(t *testing.T, info connector.SourceInfo, items []catalog.Item, problems []catalog.Problem) *Source {
	t.Helper()
	x, err := plan.NewIndex(plan.IndexOptions{Warehouse: 1})
	if err != nil {
		t.Fatal(err)
	}
	values := Values{ByField: map[string]int{}}
	c := counter{Sink: x, v: &values}
	for _, it := range items {
		if err := c.Item(&it); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range problems {
		c.Problem(p)
	}
	values.settle()
	if err := x.Finish(); err != nil {
		t.Fatal(err)
	}
	loc, _ := connector.ParseLocation("stock.csv")
	return &Source{Location: loc, Info: info, Index: x, Values: values}
}

func TestRequire(t *testing.T) {
	header := &connector.Header{Row: 1, Cells: []string{"SKU", "Stock", "Назва"}, Columns: map[string]string{"sku": "SKU", "quantity": "Stock"}}
	info := connector.SourceInfo{Format: "csv", Fields: []string{"sku", "quantity", "name"}, Header: header}
	row := func(n int, sku string) catalog.Item {
		return catalog.Item{SKU: sku, Name: "x", Pos: catalog.Position{File: "stock.csv", Row: n}}
	}
	empty := read(t, info, []catalog.Item{row(2, "A"), row(3, "B")},
		[]catalog.Problem{{File: "stock.csv", Row: 4, Field: "sku", Error: "empty SKU"}, {File: "stock.csv", Row: 4, Field: "name", Value: "y", Error: "x"}})
	err := empty.Require([]string{"quantity"})
	if err == nil || err.Error() != `stock.csv: column "Stock" is empty in all 3 rows: nothing to compare` {
		t.Errorf("empty column: %v", err)
	}
	withQty := row(5, "C")
	withQty.Quantity = catalog.Known(decimal.FromInt(2))
	if err := read(t, info, []catalog.Item{row(2, "A"), withQty}, nil).Require([]string{"quantity"}); err != nil {
		t.Errorf("a column with one value: %v", err)
	}
	// A problem in the column is a value that was there.
	bad := []catalog.Problem{{File: "stock.csv", Row: 3, Field: "quantity", Value: "abc", Error: "not a number"}}
	if err := read(t, info, []catalog.Item{row(2, "A")}, bad).Require([]string{"quantity"}); err != nil {
		t.Errorf("a column with a bad value: %v", err)
	}
	noQty := info
	noQty.Fields = []string{"sku", "name"}
	err = read(t, noQty, []catalog.Item{row(2, "A")}, nil).Require([]string{"quantity"})
	if err == nil || !strings.HasPrefix(err.Error(), `stock.csv has no quantity column; the headers found (row 1) are "SKU", "Stock", "Назва"`) {
		t.Errorf("no column: %v", err)
	}
	lines := connector.SourceInfo{Format: "jsonl", Fields: []string{"sku", "name"}}
	err = read(t, lines, []catalog.Item{row(2, "A")}, nil).Require([]string{"quantity"})
	if err == nil || !strings.HasSuffix(err.Error(), "name it with --map quantity=KEY") {
		t.Errorf("JSON lines without quantity: %v", err)
	}
}

// Every field a reader can fill is counted.
func TestCountedFields(t *testing.T) {
	if !slices.Equal(counted[:], catalog.Fields) {
		t.Errorf("counted = %q, want catalog.Fields %q", counted, catalog.Fields)
	}
	it := catalog.Item{SKU: "A", Quantity: catalog.Known(decimal.FromInt(1)), Properties: []catalog.Property{{Name: "колір", Value: "синій"}}}
	got := values(&it)
	for i, f := range counted {
		want := f == catalog.FieldSKU || f == catalog.FieldQuantity || f == catalog.FieldProperties
		if got[i] != want {
			t.Errorf("%s: %v, want %v", f, got[i], want)
		}
	}
}
