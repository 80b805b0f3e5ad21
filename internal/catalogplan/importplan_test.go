package catalogplan_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/all"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

func read(t *testing.T, location string) *catalogplan.Collector {
	t.Helper()
	c, _, err := catalogplan.Read(context.Background(), all.Registry(), location, connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// tree is KeyCRM's category tree in these tests: Взуття (1) and a category whose
// own name holds a slash (2).
func tree() *catalogplan.Categories {
	return catalogplan.NewCategories([]keycrm.Category{{ID: 1, Name: "Взуття"}, {ID: 2, Name: "Куртки/пальта"}})
}

func TestPlanImportBadRows(t *testing.T) {
	c := read(t, filepath.Join("testdata", "bad_rows.csv"))
	p := catalogplan.PlanImport(c, catalogplan.Existing{Categories: tree()}, catalogplan.ImportOptions{CreateCategories: true})

	want := map[int]string{ // row → a word of the error
		5:  "characters long",
		6:  "placeholder price",
		7:  "placeholder price",
		8:  "negative",
		9:  "not an http(s) link",
		10: "ambiguous category",
		11: "parent row of this variant is missing",
		12: "one SKU used by two",
		13: "one SKU used by two",
	}
	got := map[int]string{}
	for _, pr := range p.Problems {
		got[pr.Row] += pr.Error + ";"
		if pr.File == "" || pr.SKU == "" {
			t.Errorf("problem without its position or SKU: %+v", pr)
		}
	}
	for row, word := range want {
		if !strings.Contains(got[row], word) {
			t.Errorf("row %d: problems %q, want one saying %q", row, got[row], word)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problem rows %v, want exactly %d rows", got, len(want))
	}

	if len(p.Create) != 2 {
		t.Fatalf("create %+v, want the shoe with its variants and OK-1", p.Create)
	}
	shoe, ok1 := p.Create[0], p.Create[1]
	if shoe.Key != "SHOE" || !shoe.HasVariants || len(shoe.Variants) != 2 || shoe.Name != "Кросівки Air" {
		t.Errorf("shoe %+v", shoe)
	}
	if v := shoe.Variants[1]; v.SKU != "SHOE-43" || len(v.Properties) != 1 || v.Properties[0] != (keycrm.OfferProperty{Name: "Розмір", Value: "43"}) {
		t.Errorf("variant %+v, want SHOE-43 with Розмір=43", v)
	}
	if shoe.Category != "Взуття > Кросівки" || shoe.CategoryID != 0 || len(shoe.Pictures) != 1 {
		t.Errorf("shoe category %q (%d), pictures %v", shoe.Category, shoe.CategoryID, shoe.Pictures)
	}
	if len(p.Categories) != 1 || p.Categories[0] != (catalogplan.NewCategory{Path: "Взуття > Кросівки", Name: "Кросівки", ParentID: 1}) {
		t.Errorf("categories %+v, want Кросівки under Взуття (1)", p.Categories)
	}
	if ok1.Key != "OK-1" || ok1.HasVariants || ok1.CategoryID != 1 {
		t.Errorf("OK-1 %+v, want a simple product in category 1", ok1)
	}
	if tripped := p.CheckGuards(); len(tripped) != 0 || p.Source.Items != 3 {
		t.Errorf("guards %+v over %d items, want none tripped over 3", p.Guards, p.Source.Items)
	}
	// 1 category, 1 card, 1 variant batch, 1 import batch, 1 read-back of 3 SKUs.
	if p.Requests != 5 {
		t.Errorf("requests %d, want 5", p.Requests)
	}
}

func TestPlanImportSkipsExistingAndCompletesProducts(t *testing.T) {
	c := read(t, filepath.Join("testdata", "bad_rows.csv"))
	held := []keycrm.Offer{{ID: 50, ProductID: 9, SKU: "SHOE-42"}, {ID: 51, ProductID: 10, SKU: "OK-1"}}
	p := catalogplan.PlanImport(c, catalogplan.Existing{Offers: held, Categories: tree()}, catalogplan.ImportOptions{})
	if len(p.Create) != 1 {
		t.Fatalf("create %+v, want only the shoe's missing variant", p.Create)
	}
	shoe := p.Create[0]
	if shoe.ProductID != 9 || len(shoe.Variants) != 1 || shoe.Variants[0].SKU != "SHOE-43" {
		t.Errorf("shoe %+v, want SHOE-43 added to product 9", shoe)
	}
	if len(p.Categories) != 0 {
		t.Errorf("an existing product's category is not planned: %+v", p.Categories)
	}
	if p.Summary.Matched != 2 {
		t.Errorf("existing %d, want 2", p.Summary.Matched)
	}
}

func TestPlanImportJSON(t *testing.T) {
	c := read(t, filepath.Join("testdata", "bad_rows.csv"))
	p := catalogplan.PlanImport(c, catalogplan.Existing{Categories: tree()}, catalogplan.ImportOptions{APIURL: "http://x/v1"})
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"version", "command", "dry_run", "source", "target", "summary", "changes",
		"missing_in_target", "missing_in_source", "duplicates", "problems", "guards", "result",
		"create", "create_categories", "existing", "requests"} {
		if _, ok := back[key]; !ok {
			t.Errorf("plan JSON lacks %q: %s", key, b)
		}
	}
	if back["command"] != "import" {
		t.Errorf("command %v", back["command"])
	}
	// Without --create-categories the shoe's category is a problem, not a plan.
	if p.Summary.Categories != 0 || strings.Contains(string(b), `"key":"SHOE"`) {
		t.Errorf("shoe planned without its category: %s", b)
	}
}

// The row checks name the header the field was read from, however the file
// spells it; the SKU clash names the SKU column.
func TestProblemColumnIsTheSourceHeader(t *testing.T) {
	c := read(t, filepath.Join("testdata", "ua_headers.csv"))
	p := catalogplan.PlanImport(c, catalogplan.Existing{}, catalogplan.ImportOptions{})
	got := map[string]string{}
	for _, pr := range p.Problems {
		got[fmt.Sprintf("%d %s", pr.Row, pr.Field)] = pr.Column
	}
	want := map[string]string{"2 price": "Ціна", "3 image_url": "Фото", "4 sku": "Артикул", "5 sku": "Артикул"}
	if !maps.Equal(got, want) {
		t.Errorf("problem columns %v, want %v", got, want)
	}
}

// A source whose reader tells no header (a collector fed items directly, as XML
// and database readers do) gets the canonical field name, never an empty column.
func TestProblemColumnFallsBackToField(t *testing.T) {
	c := catalogplan.NewCollector()
	_ = c.Item(&catalog.Item{SKU: "X", Name: "Річ", Price: catalog.Known(decimal.FromInt(1)), Pos: catalog.Position{File: "offers.xml", Row: 7}})
	p := catalogplan.PlanImport(c, catalogplan.Existing{}, catalogplan.ImportOptions{})
	if len(p.Problems) != 1 || p.Problems[0].Column != catalog.FieldPrice {
		t.Errorf("problems %+v, want one with column %q", p.Problems, catalog.FieldPrice)
	}
}

// A variant without properties whose name is the product's plus "(value)" gets
// the value as its Характеристика; one with properties keeps them; a name of
// another shape gets nothing made up.
func TestVariantCharacteristicFromName(t *testing.T) {
	c := catalogplan.NewCollector()
	for i, v := range []catalog.Item{
		{SKU: "B#1", ParentSKU: "B", Name: "Ботинки (35)"},
		{SKU: "B#2", ParentSKU: "B", Name: "Ботинки (36)", Properties: []catalog.Property{{Name: "Размер", Value: "36"}}},
		{SKU: "B#3", ParentSKU: "B", Name: "Ботинки чорні"},
	} {
		v.Price = catalog.Known(decimal.FromInt(100))
		v.Pos = catalog.Position{File: "offers.xml", Row: i + 2}
		_ = c.Item(&v)
	}
	p := catalogplan.PlanImport(c, catalogplan.Existing{}, catalogplan.ImportOptions{})
	if len(p.Create) != 1 || len(p.Create[0].Variants) != 3 {
		t.Fatalf("create %+v, want one product with three variants", p.Create)
	}
	var got []string
	for _, v := range p.Create[0].Variants {
		got = append(got, fmt.Sprint(v.Properties))
	}
	want := []string{"[{Характеристика 35}]", "[{Размер 36}]", "[]"}
	if !slices.Equal(got, want) {
		t.Errorf("properties %q, want %q", got, want)
	}
}

func TestImportOfNothingTripsEmptySource(t *testing.T) {
	p := catalogplan.PlanImport(catalogplan.NewCollector(), catalogplan.Existing{}, catalogplan.ImportOptions{})
	if tripped := p.CheckGuards(); len(tripped) != 1 || tripped[0].Name != "empty-source" {
		t.Errorf("tripped %+v", tripped)
	}
}

func TestSplitPath(t *testing.T) {
	for in, want := range map[string]string{
		"Взуття/Кросівки":        "Взуття|Кросівки",
		"Clothing > Tshirts":     "Clothing|Tshirts",
		"Куртки/пальта > Зимові": "Куртки/пальта|Зимові",
		" / Взуття //":           "Взуття",
		"":                       "",
	} {
		if got := strings.Join(catalogplan.SplitPath(in), "|"); got != want {
			t.Errorf("SplitPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResolveSiblingsOfOneName(t *testing.T) {
	cats := catalogplan.NewCategories([]keycrm.Category{{ID: 1, Name: "Взуття"}, {ID: 3, Name: "Кросівки", ParentID: ptr(int64(1))},
		{ID: 4, Name: "Кросівки", ParentID: ptr(int64(1))}, {ID: 5, Name: "Кросівки"}})
	if _, _, _, err := cats.Resolve("Взуття/Кросівки"); err == nil || !strings.Contains(err.Error(), "ids 3 and 4") {
		t.Errorf("two siblings of one name: err %v", err)
	}
	id, found, _, err := cats.Resolve("Кросівки")
	if err != nil || id != 5 || found != 1 {
		t.Errorf("root Кросівки: %d %d %v, want 5 (the root, not a child of Взуття)", id, found, err)
	}
}
