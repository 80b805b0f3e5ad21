package keycrmproducts_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/apply"
	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/all"
	"github.com/keycrm-sync/keycrm-sync/internal/importer"
	"github.com/keycrm-sync/keycrm-sync/internal/journal"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/target/keycrmproducts"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrmmock"
)

func offer(id int64, sku, price string) keycrmmock.Offer {
	return keycrmmock.Offer{ID: id, SKU: &sku, Price: decimal.MustParse(price), Properties: []keycrmmock.Property{}}
}

// shop is a KeyCRM account in UAH: two simple products, a cap with two variants
// and a jacket.
func shop() keycrmmock.State {
	variant := func(o keycrmmock.Offer, colour string) keycrmmock.Offer {
		o.Properties = []keycrmmock.Property{{Name: "Колір", Value: colour}}
		return o
	}
	return keycrmmock.State{Products: []keycrmmock.Product{
		{ID: 1, Name: "Футболка", CurrencyCode: "UAH", Offers: []keycrmmock.Offer{offer(11, "A-1", "100")}},
		{ID: 2, Name: "Шорти літні", CurrencyCode: "UAH", Offers: []keycrmmock.Offer{offer(12, "A-2", "200")}},
		{ID: 3, Name: "Кепка", CurrencyCode: "UAH", Offers: []keycrmmock.Offer{
			variant(offer(13, "B-1", "70"), "червоний"), variant(offer(14, "B-2", "70"), "синій")}},
		{ID: 4, Name: "Куртка", CurrencyCode: "UAH", Offers: []keycrmmock.Offer{offer(15, "C-1", "1000")}},
	}}
}

func planEdit(t *testing.T, client *keycrm.Client, file string, fields ...string) *catalogplan.EditPlan {
	t.Helper()
	c, _, err := catalogplan.Read(context.Background(), all.Registry(), filepath.Join("testdata", file), connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := importer.ReadTarget(context.Background(), client, c.SKUs(), true)
	if err != nil {
		t.Fatal(err)
	}
	return catalogplan.PlanEdit(c, ex.Offers, ex.Categories, catalogplan.EditOptions{APIURL: client.BaseURL(), Fields: fields})
}

// applyPlan writes a plan through the target as every write command does, with a
// journal, and returns the outcome and the journaled run.
func applyPlan(t *testing.T, client *keycrm.Client, ep *catalogplan.EditPlan) (apply.Outcome, *journal.Run) {
	t.Helper()
	dir := t.TempDir()
	j, err := journal.Start(dir, time.Now, ep.Plan, false)
	if err != nil {
		t.Fatal(err)
	}
	tg := keycrmproducts.New(client)
	tg.Learn(ep.ProductIDs)
	out, err := apply.Run(context.Background(), tg, ep.Plan, j, apply.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Finish(journal.Outcome{Status: journal.StatusApplied}); err != nil {
		t.Fatal(err)
	}
	run, err := journal.Load(dir, j.RunID)
	if err != nil {
		t.Fatal(err)
	}
	return out, run
}

// sameEntries compares entries in any order.
func sameEntries(a, b []plan.Change) bool {
	sorted := func(cs []plan.Change) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = describe([]plan.Change{c})
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(sorted(a), sorted(b))
}

func prices(st keycrmmock.State) map[string]string {
	out := map[string]string{}
	for _, p := range st.Products {
		for _, o := range p.Offers {
			out[*o.SKU] = o.Price.String()
		}
	}
	return out
}

func names(st keycrmmock.State) map[int64]string {
	out := map[int64]string{}
	for _, p := range st.Products {
		out[p.ID] = p.Name
	}
	return out
}

func describe(changes []plan.Change) string {
	var b strings.Builder
	for _, c := range changes {
		b.WriteString(c.SKU + " " + c.Field + " " + c.From.String() + "→" + c.To.String() + "; ")
	}
	return b.String()
}

func TestEditUpdatesOnlyChangedOffersInOnePut(t *testing.T) {
	mock, client := testenv.StartMock(t, shop(), keycrmmock.Options{})
	ep := planEdit(t, client, "prices_changed.csv")
	if got, want := describe(ep.Changes), "A-2 price 200→250; A-2 name Шорти літні→Шорти; B-1 price 70→80; "; got != want {
		t.Fatalf("changes %q, want %q (B-2's empty price leaves it alone)", got, want)
	}
	if ep.Summary.Matched != 5 || ep.Summary.Changes != 2 || ep.Summary.Unchanged != 3 {
		t.Errorf("summary %+v", ep.Summary)
	}
	if tripped := ep.CheckGuards(plan.DefaultLimits(), catalogplan.EditChecks); len(tripped) != 0 {
		t.Fatalf("guards tripped: %+v", tripped)
	}
	if ep.ProductRequests() != 1 || ep.OfferRequests() != 1 || ep.Duration(60) != 2*time.Second {
		t.Errorf("cost: %d product and %d offer requests, %v at 60 a minute", ep.ProductRequests(), ep.OfferRequests(), ep.Duration(60))
	}
	before := mock.State()
	mock.Reset()
	res, run := applyPlan(t, client, ep)
	if len(res.Applied) != 3 || len(res.Failed) != 0 {
		t.Fatalf("result %+v", res)
	}
	stats := mock.Stats().ByRoute
	if stats["PUT /offers"] != 1 || stats["PUT /products/{productId}"] != 1 {
		t.Errorf("writes %v, want one PUT /offers and one PUT /products/{id}", stats)
	}
	after := prices(mock.State())
	for sku, was := range prices(before) {
		want := map[string]string{"A-2": "250", "B-1": "80"}[sku]
		if want == "" {
			want = was
		}
		if after[sku] != want {
			t.Errorf("%s price %s, want %s", sku, after[sku], want)
		}
	}
	if n := names(mock.State())[2]; n != "Шорти" {
		t.Errorf("product 2 named %q", n)
	}
	journaled := run.Applied()
	if !sameEntries(journaled, ep.Changes) {
		t.Errorf("journal holds %q, want every replaced value", describe(journaled))
	}

	// Revert puts back what the journal says the edit replaced, as the revert
	// command does: the live values read through a fresh target, which learns
	// the offers' products by reading them.
	keep, skipped := catalogplan.Revertible(journaled)
	if len(skipped) != 0 {
		t.Errorf("skipped %+v", skipped)
	}
	live, err := keycrmproducts.New(client).Current(context.Background(), keep)
	if err != nil {
		t.Fatal(err)
	}
	rev, stale := plan.Revert(keep, nil, live)
	if len(stale) != 0 || len(rev.Changes) != 3 {
		t.Fatalf("revert plan %+v, stale %+v", rev.Changes, stale)
	}
	if out, _ := applyPlan(t, client, &catalogplan.EditPlan{Plan: rev}); len(out.Applied) != 3 {
		t.Fatalf("revert %+v", out)
	}
	restored := mock.State()
	if got, want := prices(restored), prices(before); got["A-2"] != want["A-2"] || got["B-1"] != want["B-1"] {
		t.Errorf("after revert prices %v, want %v", got, want)
	}
	if names(restored)[2] != "Шорти літні" {
		t.Errorf("after revert product 2 is %q", names(restored)[2])
	}

	again := planEdit(t, client, "prices_changed.csv", "price")
	if describe(again.Changes) != "A-2 price 200→250; B-1 price 70→80; " {
		t.Errorf("--fields price after the revert: %q", describe(again.Changes))
	}
}

func TestShiftedPriceColumnTripsGuard(t *testing.T) {
	mock, client := testenv.StartMock(t, shop(), keycrmmock.Options{})
	ep := planEdit(t, client, "prices_shifted.csv")
	tripped := ep.CheckGuards(plan.DefaultLimits(), catalogplan.EditChecks)
	var names []string
	for _, g := range tripped {
		names = append(names, g.Name)
	}
	if strings.Join(names, ",") != "max-changes,max-price-change" {
		t.Fatalf("tripped %v, want max-changes and max-price-change", names)
	}
	err := (&plan.RefusedError{Guards: tripped}).Error()
	if !strings.Contains(err, "price of C-1 from 1000 to 7") {
		t.Errorf("refusal %q does not name the worst price", err)
	}
	if got := mock.Stats().ByRoute["PUT /offers"]; got != 0 {
		t.Errorf("%d writes before applying", got)
	}
}

func TestCurrencyIsNeverConverted(t *testing.T) {
	_, client := testenv.StartMock(t, shop(), keycrmmock.Options{})
	ep := planEdit(t, client, "prices_usd.csv")
	if describe(ep.Changes) != "A-2 price 200→250; " {
		t.Errorf("changes %q, want only the UAH row", describe(ep.Changes))
	}
	if len(ep.Problems) != 1 || ep.Problems[0].SKU != "A-1" || !strings.Contains(ep.Problems[0].Error, "never converted") ||
		ep.Problems[0].Row != 2 {
		t.Errorf("problems %+v", ep.Problems)
	}
}

func TestFieldsAreChecked(t *testing.T) {
	if err := catalogplan.CheckFields([]string{"price", "quantity"}); err == nil || !strings.Contains(err.Error(), `"quantity"`) {
		t.Errorf("CheckFields: %v", err)
	}
}

func TestProductFieldsPerProduct(t *testing.T) {
	st := shop()
	st.Categories = []keycrmmock.Category{{ID: 1, Name: "Одяг"}, {ID: 2, Name: "Кепки", ParentID: ptr(int64(1))}}
	mock, client := testenv.StartMock(t, st, keycrmmock.Options{})
	ep := planEdit(t, client, "names_categories.csv")
	// B-2 asks another name for the cap B-1 renames: refused, and B-1's rename
	// stands alone. C-1's category is not in KeyCRM and edit never creates one.
	want := "A-1 category →1; A-1 barcode →4820000000001; B-1 name Кепка→Кепка червона; B-1 category →2; "
	if got := describe(ep.Changes); got != want {
		t.Fatalf("changes %q, want %q", got, want)
	}
	probs := map[string]string{}
	for _, pr := range ep.Problems {
		probs[pr.SKU] = pr.Error
	}
	if !strings.Contains(probs["B-2"], "row 2 wants another name") || !strings.Contains(probs["C-1"], `"Взуття" is not in KeyCRM`) || len(probs) != 2 {
		t.Errorf("problems %v", probs)
	}
	if ep.ProductRequests() != 2 || ep.OfferRequests() != 0 {
		t.Errorf("%d product and %d offer requests, want 2 and 0", ep.ProductRequests(), ep.OfferRequests())
	}
	if res, _ := applyPlan(t, client, ep); len(res.Failed) != 0 || len(res.Applied) != 4 {
		t.Fatalf("%+v", res)
	}
	after := mock.State()
	if after.Products[2].Name != "Кепка червона" || *after.Products[2].CategoryID != 2 || after.Products[0].Offers[0].Barcode != "4820000000001" {
		t.Errorf("after: %+v", after.Products)
	}
	if got := mock.Stats().ByRoute["PUT /products/{productId}"]; got != 2 {
		t.Errorf("%d product requests", got)
	}
}

func ptr[T any](v T) *T { return &v }
