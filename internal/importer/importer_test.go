package importer_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/all"
	"github.com/keycrm-sync/keycrm-sync/internal/importer"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrmmock"
)

func planImport(t *testing.T, client *keycrm.Client, location string, create bool) *catalogplan.ImportPlan {
	t.Helper()
	c, _, err := catalogplan.Read(context.Background(), all.Registry(), location, connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := importer.ReadTarget(context.Background(), client, c.SKUs(), false)
	if err != nil {
		t.Fatal(err)
	}
	return catalogplan.PlanImport(c, ex, catalogplan.ImportOptions{APIURL: client.BaseURL(), CreateCategories: create})
}

// offerIndex is the emulator's state by SKU, with each offer's product.
type offerIndex map[string]struct {
	offer   keycrmmock.Offer
	product keycrmmock.Product
}

func indexState(st keycrmmock.State) offerIndex {
	idx := offerIndex{}
	for _, p := range st.Products {
		for _, o := range p.Offers {
			if o.SKU != nil {
				idx[*o.SKU] = struct {
					offer   keycrmmock.Offer
					product keycrmmock.Product
				}{o, p}
			}
		}
	}
	return idx
}

func categoryPath(st keycrmmock.State, id *int64) string {
	if id == nil {
		return ""
	}
	byID := map[int64]keycrmmock.Category{}
	for _, c := range st.Categories {
		byID[c.ID] = c
	}
	var names []string
	for cur := id; cur != nil; cur = byID[*cur].ParentID {
		names = append([]string{byID[*cur].Name}, names...)
	}
	return strings.Join(names, " > ")
}

func TestImportWooCommerceSample(t *testing.T) {
	location := testenv.Fixture(t, "woocommerce/sample_products.csv")
	mock, client := testenv.StartMock(t, keycrmmock.State{}, keycrmmock.Options{})
	p := planImport(t, client, location, true)
	if len(p.Problems) != 0 {
		t.Fatalf("problems: %+v", p.Problems)
	}
	if p.Summary.Products != 18 || p.Summary.Variants != 23 || p.Summary.Categories != 6 {
		t.Fatalf("summary %+v, want 18 products (2 with variants), 23 offers, 6 categories", p.Summary)
	}
	var journaled []importer.Event
	res, err := importer.Apply(context.Background(), client, p, importer.Options{
		Journal: func(e importer.Event) error { journaled = append(journaled, e); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(); err != nil {
		t.Fatalf("%v: %+v", err, res.Failed)
	}
	if len(res.Created) != 23 || len(res.Categories) != 6 {
		t.Fatalf("created %d offers and %d categories, want 23 and 6", len(res.Created), len(res.Categories))
	}
	st := mock.State()
	idx := indexState(st)
	for _, c := range res.Created {
		got, ok := idx[c.SKU]
		if !ok || got.offer.ID != c.OfferID || got.product.ID != c.ProductID {
			t.Errorf("%s reported as offer %d of product %d; KeyCRM has %+v", c.SKU, c.OfferID, c.ProductID, got)
		}
	}
	// The variable V-Neck T-Shirt is one card with three coloured variants.
	tee := idx["woo-vneck-tee-red"]
	if tee.product.Name != "V-Neck T-Shirt" || len(tee.product.Offers) != 3 {
		t.Errorf("V-Neck T-Shirt: card %q with %d offers, want the parent's name and 3 variants", tee.product.Name, len(tee.product.Offers))
	}
	if !slices.ContainsFunc(tee.offer.Properties, func(p keycrmmock.Property) bool { return p.Name == "Color" && p.Value == "Red" }) {
		t.Errorf("woo-vneck-tee-red properties %+v, want Color=Red", tee.offer.Properties)
	}
	if got := categoryPath(st, tee.product.CategoryID); got != "Clothing > Tshirts" {
		t.Errorf("V-Neck T-Shirt category %q", got)
	}
	hoodie := idx["woo-hoodie-blue-logo"]
	if hoodie.product.ID != idx["woo-hoodie-red"].product.ID || len(hoodie.product.Offers) != 4 {
		t.Errorf("the hoodie's 4 variants are not one product: %+v", hoodie.product)
	}
	if _, ok := idx["woo-vneck-tee"]; ok {
		t.Error("the parent row's SKU became an offer; variants carry the SKUs")
	}
	for sku, want := range map[string]string{"woo-vneck-tee-blue": "15", "wp-pennant": "11.05", "woo-belt": "65"} {
		if got := idx[sku].offer.Price; got != decimal.MustParse(want) {
			t.Errorf("%s price %s, want %s", sku, got, want)
		}
	}
	belt := idx["woo-belt"]
	if belt.product.Name != "Belt" || len(belt.product.Offers) != 1 || categoryPath(st, belt.product.CategoryID) != "Clothing > Accessories" {
		t.Errorf("simple product Belt: %+v", belt.product)
	}
	if stats := mock.Stats().ByRoute; stats["POST /products/import"] != 1 || stats["POST /products"] != 2 || stats["POST /products/{productId}/offers"] != 2 {
		t.Errorf("writes %v, want one import request, 2 product cards and 2 variant batches", stats)
	}
	if len(journaled) != 6+1+2+2 {
		t.Errorf("journaled %d events, want one per write request (11)", len(journaled))
	}

	again := planImport(t, client, location, true)
	if len(again.Create) != 0 || len(again.Categories) != 0 || again.Summary.Matched != 23 {
		t.Errorf("a second run plans %d products and %d categories (existing %d); want nothing", len(again.Create), len(again.Categories), again.Summary.Matched)
	}
}

func TestImportWithoutCreateCategoriesReportsProducts(t *testing.T) {
	location := testenv.Fixture(t, "woocommerce/sample_products.csv")
	clothing := keycrmmock.Category{ID: 7, Name: "Clothing"}
	_, client := testenv.StartMock(t, keycrmmock.State{Categories: []keycrmmock.Category{clothing}}, keycrmmock.Options{})
	p := planImport(t, client, location, false)
	if len(p.Categories) != 0 {
		t.Errorf("categories planned without --create-categories: %+v", p.Categories)
	}
	// Only "Logo Collection" sits in an existing category (Clothing itself).
	if len(p.Create) != 1 || p.Create[0].Name != "Logo Collection" || p.Create[0].CategoryID != 7 {
		t.Fatalf("create %+v, want only Logo Collection in category 7", p.Create)
	}
	found := false
	for _, pr := range p.Problems {
		if pr.SKU == "woo-belt" && pr.Field == "category" && strings.Contains(pr.Error, `"Clothing > Accessories"`) && pr.Row == 7 {
			found = true
		}
	}
	if !found {
		t.Errorf("woo-belt's missing category not reported with its row: %+v", p.Problems)
	}
}

// A lost answer to a POST leaves the batch created; reading it back shows that
// and nothing is sent twice.
func TestImportAfterLostAnswersCreatesOnce(t *testing.T) {
	location := testenv.Fixture(t, "woocommerce/sample_products.csv")
	mock, client := testenv.StartMock(t, keycrmmock.State{}, keycrmmock.Options{Faults: keycrmmock.Faults{AckLost: 1}, FaultSeed: 1},
		func(o *keycrm.Options) { o.Retries = new(int) })
	p := planImport(t, client, location, true)
	res, err := importer.Apply(context.Background(), client, p, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := mock.State()
	seen := map[string]int{}
	for _, pr := range st.Products {
		for _, o := range pr.Offers {
			if o.SKU != nil {
				seen[*o.SKU]++
			}
		}
	}
	for sku, n := range seen {
		if n > 1 {
			t.Errorf("%s created %d times", sku, n)
		}
	}
	if got := mock.Stats().ByRoute["POST /products/import"]; got != 1 {
		t.Errorf("POST /products/import sent %d times; the batch was there on read-back", got)
	}
	// Every POST lost its answer: product cards cannot be read back by SKU, so
	// their variants wait for a rerun with the journal; simple products and the
	// categories are found.
	if len(st.Categories) != 6 {
		t.Errorf("%d categories, want each created once (6)", len(st.Categories))
	}
	created := map[string]bool{}
	for _, c := range res.Created {
		created[c.SKU] = true
	}
	if !created["woo-belt"] || created["woo-vneck-tee-red"] {
		t.Errorf("created %v: want simple products found and variants of unconfirmed cards failed", created)
	}
}

// A CommerceML package's characteristics (ХарактеристикиТовара) become variants
// of one product whose name is what the offers' names share.
func TestImportCommerceMLCharacteristics(t *testing.T) {
	// Our own package: every characteristic has its own Артикул.
	location := filepath.Join(testenv.ModuleRoot(t), "internal", "connector", "commerceml", "testdata", "three-warehouses")
	mock, client := testenv.StartMock(t, keycrmmock.State{}, keycrmmock.Options{})
	p := planImport(t, client, location, true)
	res, err := importer.Apply(context.Background(), client, p, importer.Options{})
	if err != nil || res.Err() != nil {
		t.Fatalf("%v %+v", err, res)
	}
	idx := indexState(mock.State())
	shoe := idx["KR-100-42"]
	if shoe.product.Name != "Кросівки бігові «Вітер»" || len(shoe.product.Offers) != 3 || shoe.product.CurrencyCode != "UAH" {
		t.Errorf("product %+v, want «Вітер» with sizes 41-43 in UAH", shoe.product)
	}
	if len(shoe.offer.Properties) != 1 || shoe.offer.Properties[0] != (keycrmmock.Property{Name: "Розмір", Value: "42"}) {
		t.Errorf("KR-100-42 properties %+v", shoe.offer.Properties)
	}
	if shoe.offer.Price != decimal.MustParse("2499") {
		t.Errorf("KR-100-42 price %s", shoe.offer.Price)
	}
	if again := planImport(t, client, location, true); len(again.Create) != 0 {
		t.Errorf("second run plans %+v", again.Create)
	}
}

// UT 11's demo base gives its characteristics the product's own Артикул: KeyCRM
// needs one SKU per variant, so every such row is reported, with the way out
// (--key id), and nothing is created.
func TestImportCommerceMLSharedArticleIsReported(t *testing.T) {
	location := testenv.Fixture(t, "commerceml/ut11-demo-2.07")
	mock, client := testenv.StartMock(t, keycrmmock.State{}, keycrmmock.Options{})
	p := planImport(t, client, location, true)
	if len(p.Create) != 0 {
		t.Errorf("create %+v", p.Create)
	}
	rows := map[string]int{}
	for _, pr := range p.Problems {
		if strings.Contains(pr.Error, "variants of one product share this SKU") && strings.Contains(pr.Error, "--key id") {
			rows[pr.SKU]++
		}
	}
	if rows["Б-130001"] != 2 || rows["Б- 130005"] != 3 {
		t.Errorf("problems %+v, want each row of both shared articles", p.Problems)
	}
	if _, err := importer.Apply(context.Background(), client, p, importer.Options{}); err != nil {
		t.Fatal(err)
	}
	if len(mock.State().Products) != 0 {
		t.Error("something was created")
	}
}

// An interrupted run created the shoe's card and journaled it; the rerun adds the
// variants to that card instead of creating a second one.
func TestImportCompletesJournaledCard(t *testing.T) {
	location := filepath.Join(testenv.ModuleRoot(t), "internal", "catalogplan", "testdata", "bad_rows.csv")
	stray := keycrmmock.Product{ID: 5, Name: "Кросівки Air", CurrencyCode: "UAH",
		Offers: []keycrmmock.Offer{{ID: 50, Properties: []keycrmmock.Property{}}}}
	mock, client := testenv.StartMock(t, keycrmmock.State{Products: []keycrmmock.Product{stray}}, keycrmmock.Options{})
	p := planImport(t, client, location, true)
	res, err := importer.Apply(context.Background(), client, p, importer.Options{Parents: map[string]int64{"SHOE": 5}})
	if err != nil || res.Err() != nil {
		t.Fatalf("%v %+v", err, res)
	}
	st := mock.State()
	// Besides the shoe: OK-1, and COAT, whose "Куртки/пальта" is a plain path
	// in an account without a category of that name.
	if len(st.Products) != 3 || len(st.Products[0].Offers) != 2 || *st.Products[0].Offers[0].SKU != "SHOE-42" {
		t.Errorf("products %+v, want the shoe's variants on card 5", st.Products)
	}
	if got := mock.Stats().ByRoute["POST /products"]; got != 0 {
		t.Errorf("%d cards created", got)
	}
}

// A journaled card the operator has since deleted is not written to: a new card is
// made.
func TestImportIgnoresVanishedJournaledCard(t *testing.T) {
	location := filepath.Join(testenv.ModuleRoot(t), "internal", "catalogplan", "testdata", "bad_rows.csv")
	mock, client := testenv.StartMock(t, keycrmmock.State{}, keycrmmock.Options{})
	p := planImport(t, client, location, true)
	res, err := importer.Apply(context.Background(), client, p, importer.Options{Parents: map[string]int64{"SHOE": 99}})
	if err != nil || res.Err() != nil {
		t.Fatalf("%v %+v", err, res)
	}
	if got := mock.Stats().ByRoute["POST /products"]; got != 1 {
		t.Errorf("%d cards created, want a new one for the shoe", got)
	}
}

// Every POST is journaled before it leaves (the Sending hook sees the emulator
// not yet reached) and once more after (the Journal hook sees it reached), so a
// run killed while waiting holds the request in its journal.
func TestImportJournalsEachRequestBeforeSending(t *testing.T) {
	location := testenv.Fixture(t, "woocommerce/sample_products.csv")
	mock, client := testenv.StartMock(t, keycrmmock.State{}, keycrmmock.Options{})
	p := planImport(t, client, location, true)
	posts := func() int64 {
		var n int64
		for route, c := range mock.Stats().ByRoute {
			if strings.HasPrefix(route, "POST ") {
				n += c
			}
		}
		return n
	}
	var sending, after []int64
	var kinds []string
	_, err := importer.Apply(context.Background(), client, p, importer.Options{
		Sending: func(e importer.Event) error {
			sending = append(sending, posts())
			kinds = append(kinds, e.Kind)
			return nil
		},
		Journal: func(importer.Event) error {
			after = append(after, posts())
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sending) == 0 || len(sending) != len(after) || int64(len(sending)) != posts() {
		t.Fatalf("%d requests journaled before, %d after, %d POSTs made", len(sending), len(after), posts())
	}
	for i := range sending {
		if sending[i] != int64(i) || after[i] != int64(i+1) {
			t.Errorf("request %d (%s): %d POSTs made when journaled before, %d after; want %d and %d",
				i+1, kinds[i], sending[i], after[i], i, i+1)
		}
	}
}

// A Sending hook that fails stops the run before the request is sent.
func TestImportStopsWhenJournalFails(t *testing.T) {
	location := testenv.Fixture(t, "woocommerce/sample_products.csv")
	mock, client := testenv.StartMock(t, keycrmmock.State{}, keycrmmock.Options{})
	p := planImport(t, client, location, true)
	_, err := importer.Apply(context.Background(), client, p, importer.Options{
		Sending: func(importer.Event) error { return errors.New("disk full") },
	})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err %v, want the journal's", err)
	}
	for route, n := range mock.Stats().ByRoute {
		if strings.HasPrefix(route, "POST ") && n > 0 {
			t.Errorf("%s sent %d times although it could not be journaled", route, n)
		}
	}
}
