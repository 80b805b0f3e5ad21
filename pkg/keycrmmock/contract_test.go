package keycrmmock_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/pkg/keycrmmock"
)

// contractCase is one behaviour of shared/spec/keycrm-mock.md, checked over real
// HTTP with every exchange validated against openapi.yaml.
type contractCase struct {
	name  string
	state func(t *testing.T) keycrmmock.State // nil: testdata/seed.json
	setup setup
	run   func(t *testing.T, e *env)
}

func TestContract(t *testing.T) {
	var cases []contractCase
	cases = append(cases, paginationCases()...)
	cases = append(cases, filterCases()...)
	cases = append(cases, stockWriteCases()...)
	cases = append(cases, offerWriteCases()...)
	cases = append(cases, productCases()...)
	cases = append(cases, categoryCases()...)
	cases = append(cases, authCases()...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := keycrmmock.State{}
			if tc.state != nil {
				st = tc.state(t)
			} else {
				st = seed(t)
			}
			tc.run(t, start(t, st, tc.setup))
		})
	}
}

func withCatalogue(n int) func(*testing.T) keycrmmock.State {
	return func(*testing.T) keycrmmock.State { return catalogue(n) }
}

func stocksPage(t *testing.T, e *env, query string) pageOf[stockRow] {
	t.Helper()
	var p pageOf[stockRow]
	e.do("GET", "/offers/stocks"+query, nil).want(t, http.StatusOK, &p)
	return p
}

func offersPage(t *testing.T, e *env, query string) pageOf[offerRow] {
	t.Helper()
	var p pageOf[offerRow]
	e.do("GET", "/offers"+query, nil).want(t, http.StatusOK, &p)
	return p
}

// stockOf returns one offer's stock row with details.
func stockOf(t *testing.T, e *env, id int64) stockRow {
	t.Helper()
	p := stocksPage(t, e, fmt.Sprintf("?filter[offers_id]=%d&filter[details]=true", id))
	if len(p.Data) != 1 {
		t.Fatalf("offer %d: %d stock rows", id, len(p.Data))
	}
	return p.Data[0]
}

func wantIDs(t *testing.T, got []int64, want ...int64) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("ids %v, want %v", got, want)
	}
}

func wantInt(t *testing.T, what string, got *int64, want int64) {
	t.Helper()
	if got == nil || *got != want {
		t.Fatalf("%s = %v, want %d", what, got, want)
	}
}

func paginationCases() []contractCase {
	return []contractCase{
		{name: "pagination/empty catalogue", state: withCatalogue(0), run: func(t *testing.T, e *env) {
			r := e.do("GET", "/offers/stocks", nil)
			m := r.object(t)
			for _, k := range []string{"from", "to", "next_page_url", "prev_page_url"} {
				if v, ok := m[k]; !ok || v != nil {
					t.Errorf("%s = %v (present %v), want null", k, v, ok)
				}
			}
			var p pageOf[stockRow]
			r.want(t, http.StatusOK, &p)
			if p.Total != 0 || len(p.Data) != 0 || p.LastPage != 1 || p.CurrentPage != 1 || p.PerPage != 15 {
				t.Fatalf("page %+v", p)
			}
			if p.Data == nil {
				t.Fatal("data is null, want []")
			}
		}},
		{name: "pagination/one item", state: withCatalogue(1), run: func(t *testing.T, e *env) {
			p := stocksPage(t, e, "?limit=50")
			wantIDs(t, stockIDs(p), 1)
			wantInt(t, "from", p.From, 1)
			wantInt(t, "to", p.To, 1)
			if p.LastPage != 1 || p.NextPageURL != nil || p.PrevPageURL != nil {
				t.Fatalf("page %+v", p)
			}
		}},
		{name: "pagination/exactly 50 items", state: withCatalogue(50), run: func(t *testing.T, e *env) {
			p := stocksPage(t, e, "?limit=50")
			if len(p.Data) != 50 || p.LastPage != 1 || p.NextPageURL != nil || p.Total != 50 {
				t.Fatalf("%d rows, last_page %d, next %v", len(p.Data), p.LastPage, p.NextPageURL)
			}
			wantInt(t, "to", p.To, 50)
		}},
		{name: "pagination/51 items over two pages", state: withCatalogue(51), run: func(t *testing.T, e *env) {
			p1 := stocksPage(t, e, "?limit=50")
			base := e.base + "/v1/offers/stocks"
			if len(p1.Data) != 50 || p1.LastPage != 2 || p1.Path != base {
				t.Fatalf("page 1: %d rows, last_page %d, path %q", len(p1.Data), p1.LastPage, p1.Path)
			}
			if p1.NextPageURL == nil || *p1.NextPageURL != base+"?limit=50&page=2" {
				t.Fatalf("next_page_url %v", p1.NextPageURL)
			}
			if p1.FirstPageURL != base+"?limit=50&page=1" || p1.LastPageURL != base+"?limit=50&page=2" {
				t.Fatalf("first %q last %q", p1.FirstPageURL, p1.LastPageURL)
			}
			// Following next_page_url as a client would.
			p2 := stocksPage(t, e, strings.TrimPrefix(*p1.NextPageURL, e.base+"/v1/offers/stocks"))
			wantIDs(t, stockIDs(p2), 51)
			wantInt(t, "from", p2.From, 51)
			wantInt(t, "to", p2.To, 51)
			if p2.NextPageURL != nil || p2.PrevPageURL == nil || *p2.PrevPageURL != base+"?limit=50&page=1" {
				t.Fatalf("page 2 next %v prev %v", p2.NextPageURL, p2.PrevPageURL)
			}
		}},
		{name: "pagination/page past the end is empty", state: withCatalogue(3), run: func(t *testing.T, e *env) {
			p := stocksPage(t, e, "?limit=2&page=5")
			if len(p.Data) != 0 || p.From != nil || p.To != nil || p.CurrentPage != 5 || p.LastPage != 2 || p.Total != 3 || p.NextPageURL != nil {
				t.Fatalf("page %+v", p)
			}
		}},
		{name: "pagination/default limit is 15", state: withCatalogue(20), run: func(t *testing.T, e *env) {
			p := stocksPage(t, e, "")
			if len(p.Data) != 15 || p.PerPage != 15 || p.LastPage != 2 {
				t.Fatalf("%d rows, per_page %d, last_page %d", len(p.Data), p.PerPage, p.LastPage)
			}
		}},
		{name: "pagination/limit and page are clamped, never an error", state: withCatalogue(60), setup: setup{skipRequests: true}, run: func(t *testing.T, e *env) {
			for _, tc := range []struct {
				query           string
				perPage, page   int64
				rows, firstID   int
				wantFirstInPath bool
			}{
				{"?limit=51", 50, 1, 50, 1, false},
				{"?limit=1000000000000000000000", 50, 1, 50, 1, false},
				{"?limit=0", 1, 1, 1, 1, false},
				{"?limit=-3", 1, 1, 1, 1, false},
				{"?limit=abc", 15, 1, 15, 1, false},
				{"?limit=7.5", 15, 1, 15, 1, false},
				{"?limit=10&page=0", 10, 1, 10, 1, false},
				{"?limit=10&page=-2", 10, 1, 10, 1, false},
				{"?limit=10&page=two", 10, 1, 10, 1, false},
				{"?limit=10&page=2", 10, 2, 10, 11, false},
			} {
				p := stocksPage(t, e, tc.query)
				if p.PerPage != tc.perPage || p.CurrentPage != tc.page || len(p.Data) != tc.rows || p.Data[0].ID != int64(tc.firstID) {
					t.Errorf("%s: per_page %d page %d rows %d first %d", tc.query, p.PerPage, p.CurrentPage, len(p.Data), p.Data[0].ID)
				}
			}
		}},
		{name: "pagination/page URLs keep the filters", run: func(t *testing.T, e *env) {
			p := offersPage(t, e, "?include=product&filter[sku]=SHOE-42,SHOE-43&limit=1")
			want := e.base + "/v1/offers?include=product&filter%5Bsku%5D=SHOE-42%2CSHOE-43&limit=1&page=2"
			if p.NextPageURL == nil || *p.NextPageURL != want {
				t.Fatalf("next_page_url %v, want %s", p.NextPageURL, want)
			}
			next := offersPage(t, e, strings.TrimPrefix(*p.NextPageURL, e.base+"/v1/offers"))
			wantIDs(t, offerIDs(p), 10)
			wantIDs(t, offerIDs(next), 11)
		}},
		{name: "pagination/rows in id order whatever the seed order", run: func(t *testing.T, e *env) {
			wantIDs(t, stockIDs(stocksPage(t, e, "?limit=50")), 10, 11, 20, 30, 40)
			wantIDs(t, offerIDs(offersPage(t, e, "?sort=id")), 10, 11, 20, 30, 40)
			wantIDs(t, offerIDs(offersPage(t, e, "?sort=-id")), 40, 30, 20, 11, 10)
			wantIDs(t, offerIDs(offersPage(t, e, "?sort=-id&limit=2&page=2")), 20, 11)
		}},
	}
}

func filterCases() []contractCase {
	return []contractCase{
		{name: "filters/offers_sku is exact and case-sensitive", run: func(t *testing.T, e *env) {
			wantIDs(t, stockIDs(stocksPage(t, e, "?filter[offers_sku]=SHOE-42")), 10)
			wantIDs(t, stockIDs(stocksPage(t, e, "?filter[offers_sku]=shoe-42")))
			wantIDs(t, stockIDs(stocksPage(t, e, "?filter[offers_sku]=SHOE")))
		}},
		{name: "filters/comma lists", run: func(t *testing.T, e *env) {
			wantIDs(t, stockIDs(stocksPage(t, e, "?filter[offers_sku]=LACE,SHOE-42,NOPE")), 10, 20)
			wantIDs(t, stockIDs(stocksPage(t, e, "?filter[offers_id]=20,11,999")), 11, 20)
			wantIDs(t, stockIDs(stocksPage(t, e, "?filter[offers_id]=11,20&filter[offers_sku]=LACE")), 20)
			wantIDs(t, offerIDs(offersPage(t, e, "?filter[sku]=OLD-1,LACE")), 20, 30)
			wantIDs(t, offerIDs(offersPage(t, e, "?filter[id]=40,10")), 10, 40)
			wantIDs(t, offerIDs(offersPage(t, e, "?filter[product_id]=1,3")), 10, 11, 30)
			wantIDs(t, offerIDs(offersPage(t, e, "?filter[is_archived]=true")), 30)
			wantIDs(t, offerIDs(offersPage(t, e, "?filter[is_archived]=false&filter[product_id]=1,3")), 10, 11)
		}},
		{name: "filters/unknown filters are ignored", setup: setup{skipRequests: true}, run: func(t *testing.T, e *env) {
			wantIDs(t, stockIDs(stocksPage(t, e, "?filter[warehouse_id]=3")), 10, 11, 20, 30, 40)
			wantIDs(t, stockIDs(stocksPage(t, e, "?filter[sku]=LACE")), 10, 11, 20, 30, 40)
			wantIDs(t, offerIDs(offersPage(t, e, "?filter[status]=active&filter[sku]=LACE")), 20)
		}},
		{name: "filters/details lists every stock entry in warehouse id order", run: func(t *testing.T, e *env) {
			p := stocksPage(t, e, "?filter[details]=true")
			byID := map[int64]stockRow{}
			for _, r := range p.Data {
				byID[r.ID] = r
			}
			shoe := byID[10]
			want := []warehouseStock{{1, "Основний склад", dec("5"), dec("1")}, {2, "Склад Київ", dec("0"), dec("0")}}
			if !slices.Equal(shoe.Warehouse, want) {
				t.Errorf("offer 10 warehouses %+v, want %+v", shoe.Warehouse, want)
			}
			if shoe.Quantity != dec("5") || shoe.Reserve != dec("1") {
				t.Errorf("offer 10 totals %s/%s", shoe.Quantity, shoe.Reserve)
			}
			if w := byID[11].Warehouse; len(w) != 1 || w[0].ID != 2 || w[0].Quantity != dec("3.5") {
				t.Errorf("offer 11 warehouses %+v", w)
			}
			if w := byID[30].Warehouse; w == nil || len(w) != 0 {
				t.Errorf("offer 30 warehouses %#v, want []", w)
			}
			if byID[20].Quantity != dec("20.25") || byID[20].PurchasedPrice != dec("20.25") {
				t.Errorf("offer 20 quantity %s purchased %s", byID[20].Quantity, byID[20].PurchasedPrice)
			}
			// filter[details]=1 is the same switch; without it there is no array at all.
			if w := stockOf(t, e, 10).Warehouse; len(w) != 2 {
				t.Errorf("details=true: %+v", w)
			}
			one := stocksPage(t, e, "?filter[offers_id]=10&filter[details]=1")
			if len(one.Data[0].Warehouse) != 2 {
				t.Errorf("details=1: %+v", one.Data[0].Warehouse)
			}
			plain := e.do("GET", "/offers/stocks?filter[offers_id]=10", nil).object(t)
			row := plain["data"].([]any)[0].(map[string]any)
			if _, ok := row["warehouse"]; ok {
				t.Errorf("warehouse array without details: %v", row)
			}
		}},
		{name: "filters/offers rows carry totals, product and defaults", run: func(t *testing.T, e *env) {
			p := offersPage(t, e, "?include=product&filter[id]=10,20,40")
			shoe, lace, bare := p.Data[0], p.Data[1], p.Data[2]
			if shoe.Quantity != dec("5") || shoe.InReserve != dec("1") || shoe.ProductID != 1 || shoe.IsDefault {
				t.Errorf("offer 10 %+v", shoe)
			}
			if shoe.Product == nil || !shoe.Product.HasOffers || shoe.Product.Quantity != dec("8.5") || shoe.Product.SKU != nil || shoe.Product.Price != nil {
				t.Errorf("offer 10 product %+v", shoe.Product)
			}
			if got := shoe.Product.PropertiesAgg["Розмір"]; !slices.Equal(got, []string{"42", "43"}) {
				t.Errorf("properties_agg %v", shoe.Product.PropertiesAgg)
			}
			if shoe.Product.MinPrice != dec("1999") || shoe.Product.MaxPrice != dec("2099.5") || shoe.Product.Sources == nil {
				t.Errorf("min/max %s/%s sources %v", shoe.Product.MinPrice, shoe.Product.MaxPrice, shoe.Product.Sources)
			}
			if !lace.IsDefault || lace.Product.HasOffers || lace.Product.SKU == nil || *lace.Product.SKU != "LACE" || *lace.Product.Price != dec("49.9") {
				t.Errorf("offer 20 %+v product %+v", lace, lace.Product)
			}
			if bare.SKU != nil || bare.Barcode != nil {
				t.Errorf("offer 40 sku %v barcode %v, want null", bare.SKU, bare.Barcode)
			}
			if shoe.CreatedAt == "" || !strings.HasSuffix(shoe.UpdatedAt, "Z") {
				t.Errorf("timestamps %q %q", shoe.CreatedAt, shoe.UpdatedAt)
			}
			if m := e.do("GET", "/offers?filter[id]=10", nil).object(t); m["data"].([]any)[0].(map[string]any)["product"] != nil {
				t.Error("product embedded without include=product")
			}
		}},
	}
}

func stockWriteCases() []contractCase {
	return []contractCase{
		{name: "stocks/set absolute quantities in one warehouse", run: func(t *testing.T, e *env) {
			e.do("PUT", "/offers/stocks", `{"warehouse_id": 1, "stocks": [{"sku": "SHOE-42", "quantity": 0.1}, {"id": 20, "quantity": 20.25}, {"id": 11, "quantity": 7}]}`).
				want(t, http.StatusAccepted, nil)
			shoe := stockOf(t, e, 10)
			want := []warehouseStock{{1, "Основний склад", dec("0.1"), dec("1")}, {2, "Склад Київ", dec("0"), dec("0")}}
			if !slices.Equal(shoe.Warehouse, want) {
				t.Errorf("offer 10 %+v", shoe.Warehouse)
			}
			// A new entry is created with reserve 0; warehouse 2 is untouched.
			other := stockOf(t, e, 11)
			want = []warehouseStock{{1, "Основний склад", dec("7"), dec("0")}, {2, "Склад Київ", dec("3.5"), dec("0")}}
			if !slices.Equal(other.Warehouse, want) || other.Quantity != dec("10.5") {
				t.Errorf("offer 11 %+v total %s", other.Warehouse, other.Quantity)
			}
			if q := stockOf(t, e, 20).Quantity; q != dec("20.25") {
				t.Errorf("offer 20 quantity %s", q)
			}
		}},
		{name: "stocks/answer is 202 status true", run: func(t *testing.T, e *env) {
			var body struct{ Status bool }
			e.do("PUT", "/offers/stocks", `{"warehouse_id": 3, "stocks": [{"id": 40, "quantity": 0}]}`).want(t, http.StatusAccepted, &body)
			if !body.Status {
				t.Fatal("status false")
			}
			if w := stockOf(t, e, 40).Warehouse; len(w) != 1 || w[0].ID != 3 || !w[0].Quantity.IsZero() {
				t.Fatalf("zero entry not listed: %+v", w)
			}
		}},
		{name: "stocks/a bad item rejects the whole batch", run: func(t *testing.T, e *env) {
			before := stateJSON(t, e.mock.State())
			v := e.do("PUT", "/offers/stocks", `{"warehouse_id": 1, "stocks": [{"sku": "SHOE-42", "quantity": 1}, {"sku": "LACE", "quantity": 2}, {"sku": "SHOE-43", "quantity": 3}, {"sku": "NOPE", "quantity": 4}]}`).
				wantInvalid(t, "stocks.3.sku")
			if len(v.Errors["stocks.3.sku"]) == 0 || !strings.Contains(v.Errors["stocks.3.sku"][0], "invalid") {
				t.Errorf("errors %v", v.Errors)
			}
			e.do("PUT", "/offers/stocks", `{"warehouse_id": 1, "stocks": [{"id": 10, "quantity": 1}, {"id": 999, "quantity": 1}]}`).
				wantInvalid(t, "stocks.1.id")
			if after := stateJSON(t, e.mock.State()); after != before {
				t.Fatalf("a rejected batch changed the state:\n%s\n%s", before, after)
			}
		}},
		{name: "stocks/invalid items are named by path", setup: setup{skipRequests: true}, run: func(t *testing.T, e *env) {
			before := stateJSON(t, e.mock.State())
			for _, tc := range []struct {
				body   string
				fields []string
			}{
				{`{"warehouse_id": 1, "stocks": [{"id": 10}]}`, []string{"stocks.0.quantity"}},
				{`{"warehouse_id": 1, "stocks": [{"id": 10, "quantity": null}]}`, []string{"stocks.0.quantity"}},
				{`{"warehouse_id": 1, "stocks": [{"id": 10, "quantity": -1}]}`, []string{"stocks.0.quantity"}},
				{`{"warehouse_id": 1, "stocks": [{"id": 10, "quantity": "5"}]}`, []string{"stocks.0.quantity"}},
				{`{"warehouse_id": 1, "stocks": [{"quantity": 5}]}`, []string{"stocks.0.id"}},
				{`{"warehouse_id": 1, "stocks": [{"id": "10", "quantity": 5}]}`, []string{"stocks.0.id"}},
				{`{"warehouse_id": 1, "stocks": [{"id": 1.5, "quantity": 5}]}`, []string{"stocks.0.id"}},
				{`{"warehouse_id": 1, "stocks": [7]}`, []string{"stocks.0"}},
				{`{"warehouse_id": 9, "stocks": [{"id": 10, "quantity": 5}]}`, []string{"warehouse_id"}},
				{`{"warehouse_id": "1", "stocks": [{"id": 10, "quantity": 5}]}`, []string{"warehouse_id"}},
				{`{"stocks": [{"id": 10, "quantity": 5}]}`, []string{"warehouse_id"}},
				{`{"warehouse_id": 1, "stocks": []}`, []string{"stocks"}},
				{`{"warehouse_id": 1, "stocks": {"id": 10}}`, []string{"stocks"}},
				{`{"warehouse_id": 1}`, []string{"stocks"}},
				{`{"warehouse_id": 1, "stocks": [{"id": 10, "quantity": 1e999}]}`, []string{"stocks.0.quantity"}},
				{``, []string{"warehouse_id", "stocks"}},
				{`{"warehouse_id": 1, "stocks": [`, []string{"body"}},
				{`[{"id": 10, "quantity": 5}]`, []string{"body"}},
				{`{"warehouse_id": 1, "stocks": []} {}`, []string{"body"}},
			} {
				t.Run(tc.body, func(t *testing.T) {
					e.do("PUT", "/offers/stocks", tc.body).wantInvalid(t, tc.fields...)
				})
			}
			if after := stateJSON(t, e.mock.State()); after != before {
				t.Fatal("a rejected request changed the state")
			}
		}},
		{name: "stocks/at most 10000 items", state: withCatalogue(10000), setup: setup{skipRequests: true}, run: func(t *testing.T, e *env) {
			items := make([]map[string]any, 10001)
			for i := range items {
				items[i] = map[string]any{"id": i%10000 + 1, "quantity": 9}
			}
			e.do("PUT", "/offers/stocks", map[string]any{"warehouse_id": 1, "stocks": items}).wantInvalid(t, "stocks")
			if q := stockOf(t, e, 1).Quantity; q != dec("1") {
				t.Fatalf("quantity %s after a rejected batch", q)
			}
			e.do("PUT", "/offers/stocks", map[string]any{"warehouse_id": 1, "stocks": items[:10000]}).want(t, http.StatusAccepted, nil)
			if q := stockOf(t, e, 10000).Quantity; q != dec("9") {
				t.Fatalf("quantity %s after 10000 items", q)
			}
		}},
		{name: "stocks/a total that no longer fits is refused", run: func(t *testing.T, e *env) {
			before := stateJSON(t, e.mock.State())
			// 9e18 fits a decimal, but the product total 9e18 + 3.5 does not.
			e.do("PUT", "/offers/stocks", `{"warehouse_id": 1, "stocks": [{"id": 20, "quantity": 1}, {"id": 10, "quantity": 9e18}]}`).
				wantInvalid(t, "stocks.1.quantity")
			if after := stateJSON(t, e.mock.State()); after != before {
				t.Fatal("a refused batch changed the state")
			}
			e.do("PUT", "/offers/stocks", `{"warehouse_id": 1, "stocks": [{"id": 10, "quantity": 9e17}]}`).want(t, http.StatusAccepted, nil)
			if q := stockOf(t, e, 10).Quantity; q != dec("900000000000000000") {
				t.Fatalf("quantity %s", q)
			}
		}},
		{name: "stocks/a SKU held by two offers sets both", run: func(t *testing.T, e *env) {
			e.do("POST", "/products", `{"name": "Дубль", "sku": "LACE", "price": 1}`).want(t, http.StatusCreated, nil)
			e.do("PUT", "/offers/stocks", `{"warehouse_id": 2, "stocks": [{"sku": "LACE", "quantity": 4}]}`).want(t, http.StatusAccepted, nil)
			p := stocksPage(t, e, "?filter[offers_sku]=LACE&filter[details]=true")
			if len(p.Data) != 2 {
				t.Fatalf("%d rows for LACE", len(p.Data))
			}
			for _, r := range p.Data {
				if w := r.Warehouse[len(r.Warehouse)-1]; w.ID != 2 || w.Quantity != dec("4") {
					t.Errorf("offer %d: %+v", r.ID, r.Warehouse)
				}
			}
		}},
	}
}

func offerWriteCases() []contractCase {
	return []contractCase{
		{name: "offers/update by id and by sku", run: func(t *testing.T, e *env) {
			var body struct{ Status bool }
			e.do("PUT", "/offers", `{"offers": [{"id": 10, "price": 1899.99, "weight": 0.75}, {"sku": "LACE", "purchased_price": 0.1, "image_url": "https://img.example/lace.jpg"}]}`).
				want(t, http.StatusAccepted, &body)
			if !body.Status {
				t.Fatal("status false")
			}
			p := offersPage(t, e, "?filter[id]=10,20")
			shoe, lace := p.Data[0], p.Data[1]
			if shoe.Price != dec("1899.99") || shoe.Weight != dec("0.75") || shoe.PurchasedPrice != dec("1200") {
				t.Errorf("offer 10 %+v", shoe)
			}
			if lace.PurchasedPrice != dec("0.1") || lace.Price != dec("49.9") || lace.ThumbnailURL == nil || *lace.ThumbnailURL != "https://img.example/lace.jpg" {
				t.Errorf("offer 20 %+v", lace)
			}
		}},
		{name: "offers/unknown ids and bad values reject the batch", setup: setup{skipRequests: true}, run: func(t *testing.T, e *env) {
			before := stateJSON(t, e.mock.State())
			e.do("PUT", "/offers", `{"offers": [{"id": 10, "price": 1}, {"id": 12345, "price": 2}]}`).wantInvalid(t, "offers.1.id")
			e.do("PUT", "/offers", `{"offers": [{"id": 10, "price": 1}, {"sku": "NOPE", "price": 2}]}`).wantInvalid(t, "offers.1.sku")
			e.do("PUT", "/offers", `{"offers": [{"id": 10, "price": -1}]}`).wantInvalid(t, "offers.0.price")
			e.do("PUT", "/offers", `{"offers": [{"id": 10, "price": "12.50"}]}`).wantInvalid(t, "offers.0.price")
			e.do("PUT", "/offers", `{"offers": [{"price": 3}]}`).wantInvalid(t, "offers.0.id")
			e.do("PUT", "/offers", `{"offers": []}`).wantInvalid(t, "offers")
			e.do("PUT", "/offers", `{"offers": [{"id": 10, "image_url": 5}]}`).wantInvalid(t, "offers.0.image_url")
			e.do("PUT", "/offers", `not json`).wantInvalid(t, "body")
			if after := stateJSON(t, e.mock.State()); after != before {
				t.Fatal("a rejected batch changed the state")
			}
		}},
		{name: "offers/at most 10000 items", state: withCatalogue(1), setup: setup{skipRequests: true}, run: func(t *testing.T, e *env) {
			items := make([]map[string]any, 10001)
			for i := range items {
				items[i] = map[string]any{"id": 1, "price": i}
			}
			e.do("PUT", "/offers", map[string]any{"offers": items}).wantInvalid(t, "offers")
		}},
		{name: "offers/barcode is not changed by PUT /offers", run: func(t *testing.T, e *env) {
			e.do("PUT", "/offers", `{"offers": [{"id": 10, "barcode": "999"}]}`).want(t, http.StatusAccepted, nil)
			if b := offersPage(t, e, "?filter[id]=10").Data[0].Barcode; b == nil || *b != "4820000000010" {
				t.Fatalf("barcode %v", b)
			}
		}},
	}
}

func productCases() []contractCase {
	return []contractCase{
		{name: "products/list and get", run: func(t *testing.T, e *env) {
			var p pageOf[productRow]
			e.do("GET", "/products?limit=50", nil).want(t, http.StatusOK, &p)
			wantIDs(t, ids(p.Data, func(r productRow) int64 { return r.ID }), 1, 2, 3, 4)
			e.do("GET", "/products?filter[category_id]=2,1&filter[is_archived]=false", nil).want(t, http.StatusOK, &p)
			wantIDs(t, ids(p.Data, func(r productRow) int64 { return r.ID }), 1, 2)
			e.do("GET", "/products?filter[product_id]=3,4&include=custom_fields", nil).want(t, http.StatusOK, &p)
			wantIDs(t, ids(p.Data, func(r productRow) int64 { return r.ID }), 3, 4)
			if p.Data[0].CustomFields == nil || !p.Data[0].IsArchived || p.Data[0].CurrencyCode != "USD" {
				t.Errorf("product 3 %+v", p.Data[0])
			}
			var one productRow
			e.do("GET", "/products/2", nil).want(t, http.StatusOK, &one)
			if one.HasOffers || one.SKU == nil || *one.SKU != "LACE" || one.Barcode == nil || *one.PurchasedPrice != dec("20.25") || one.Quantity != dec("20.25") {
				t.Errorf("product 2 %+v", one)
			}
			e.do("GET", "/products/999", nil).want(t, http.StatusNotFound, nil)
		}},
		{name: "products/create one", run: func(t *testing.T, e *env) {
			var p productRow
			e.do("POST", "/products", `{"name": "Рюкзак", "sku": "BAG-1", "price": 1500.5, "purchased_price": 900, "category_id": 1, "currency_code": "EUR", "unit_type": "pcs", "pictures": ["https://img.example/1.jpg", "https://img.example/2.jpg"]}`).
				want(t, http.StatusCreated, &p)
			if p.ID != 5 || p.Name != "Рюкзак" || p.HasOffers || p.SKU == nil || *p.SKU != "BAG-1" || *p.Price != dec("1500.5") || p.CurrencyCode != "EUR" {
				t.Errorf("created %+v", p)
			}
			if p.ThumbnailURL == nil || *p.ThumbnailURL != "https://img.example/1.jpg" || len(p.AttachmentsData) != 2 || p.CategoryID == nil || *p.CategoryID != 1 {
				t.Errorf("pictures/category %+v", p)
			}
			o := offersPage(t, e, "?filter[sku]=BAG-1").Data
			if len(o) != 1 || o[0].ID != 41 || !o[0].IsDefault || o[0].ProductID != 5 || o[0].PurchasedPrice != dec("900") {
				t.Errorf("default offer %+v", o)
			}
		}},
		{name: "products/create validation", setup: setup{skipRequests: true}, run: func(t *testing.T, e *env) {
			e.do("POST", "/products", `{"sku": "X"}`).wantInvalid(t, "name")
			e.do("POST", "/products", `{"name": "  "}`).wantInvalid(t, "name")
			e.do("POST", "/products", `{"name": 5}`).wantInvalid(t, "name")
			e.do("POST", "/products", `{"name": "A", "category_id": 77}`).wantInvalid(t, "category_id")
			e.do("POST", "/products", `{"name": "A", "pictures": ["1","2","3","4","5","6","7"]}`).wantInvalid(t, "pictures")
			e.do("POST", "/products", `{"name": "A", "price": -5, "currency_code": "грн"}`).wantInvalid(t, "price", "currency_code")
			e.do("POST", "/products", `{"name": "A", "custom_fields": [{"value": 3}]}`).wantInvalid(t, "custom_fields.0.uuid", "custom_fields.0.value")
			e.do("POST", "/products", `{"name": "A"`).wantInvalid(t, "body")
			if n := len(e.mock.State().Products); n != 4 {
				t.Fatalf("%d products after rejected creates", n)
			}
		}},
		{name: "products/creating an existing SKU makes a second offer", run: func(t *testing.T, e *env) {
			e.do("POST", "/products", `{"name": "Шнурки ще раз", "sku": "LACE"}`).want(t, http.StatusCreated, nil)
			e.do("POST", "/products/import", `{"products": [{"name": "Шнурки втретє", "sku": "LACE"}]}`).want(t, http.StatusCreated, nil)
			p := offersPage(t, e, "?filter[sku]=LACE")
			wantIDs(t, offerIDs(p), 20, 41, 42)
		}},
		{name: "products/import up to 100 all or none", setup: setup{skipRequests: true}, run: func(t *testing.T, e *env) {
			var body struct{ Status bool }
			e.do("POST", "/products/import", `{"products": [{"name": "A", "sku": "IMP-A", "price": 10}, {"name": "B", "sku": "IMP-B", "barcode": "123"}]}`).
				want(t, http.StatusCreated, &body)
			if !body.Status {
				t.Fatal("status false")
			}
			wantIDs(t, offerIDs(offersPage(t, e, "?filter[sku]=IMP-A,IMP-B")), 41, 42)
			e.do("POST", "/products/import", `{"products": [{"name": "C", "sku": "IMP-C"}, {"sku": "IMP-D"}]}`).wantInvalid(t, "products.1.name")
			products := make([]map[string]any, 101)
			for i := range products {
				products[i] = map[string]any{"name": fmt.Sprint("P", i)}
			}
			e.do("POST", "/products/import", map[string]any{"products": products}).wantInvalid(t, "products")
			e.do("POST", "/products/import", `{"products": []}`).wantInvalid(t, "products")
			if n := len(e.mock.State().Products); n != 6 {
				t.Fatalf("%d products, want 6", n)
			}
			e.do("POST", "/products/import", map[string]any{"products": products[:100]}).want(t, http.StatusCreated, nil)
			if n := len(e.mock.State().Products); n != 106 {
				t.Fatalf("%d products, want 106", n)
			}
		}},
		{name: "products/partial update", run: func(t *testing.T, e *env) {
			var p productRow
			e.do("PUT", "/products/2", `{"description": "Бавовняні", "sku": "LACE-2", "price": 55}`).want(t, http.StatusAccepted, &p)
			if p.Name != "Шнурки" || p.Description != "Бавовняні" || *p.SKU != "LACE-2" || *p.Price != dec("55") || *p.PurchasedPrice != dec("20.25") {
				t.Errorf("updated %+v", p)
			}
			wantIDs(t, offerIDs(offersPage(t, e, "?filter[sku]=LACE-2")), 20)
			wantIDs(t, offerIDs(offersPage(t, e, "?filter[sku]=LACE")))
			// sku and price of a product with variants live on its offers.
			e.do("PUT", "/products/1", `{"name": "Кросівки бігові", "sku": "SHOE", "price": 1}`).want(t, http.StatusAccepted, &p)
			if p.Name != "Кросівки бігові" || p.SKU != nil || p.MinPrice != dec("1999") {
				t.Errorf("updated with variants %+v", p)
			}
			wantIDs(t, offerIDs(offersPage(t, e, "?filter[sku]=SHOE")))
		}},
		{name: "products/update errors", setup: setup{skipRequests: true}, run: func(t *testing.T, e *env) {
			e.do("PUT", "/products/999", `{"name": "X"}`).want(t, http.StatusNotFound, nil)
			e.do("PUT", "/products/1", `{"category_id": 999}`).wantInvalid(t, "category_id")
			e.do("PUT", "/products/1", `{"name": ""}`).wantInvalid(t, "name")
			e.do("PUT", "/products/1", `{"pictures": "one"}`).wantInvalid(t, "pictures")
			e.do("GET", "/products/99999999999999999999999", nil).want(t, http.StatusNotFound, nil)
		}},
		{name: "products/add variants", run: func(t *testing.T, e *env) {
			e.do("POST", "/products/2/offers", `{"offers": [{"sku": "LACE-RED", "price": 60, "properties": [{"name": "Колір", "value": "червоний"}, {"name": "Розмір", "value": ""}]}, {"sku": "LACE-PLAIN", "price": 50}]}`).
				want(t, http.StatusCreated, nil)
			p := offersPage(t, e, "?filter[product_id]=2&include=product")
			wantIDs(t, offerIDs(p), 20, 41, 42)
			if !p.Data[0].IsDefault || p.Data[1].IsDefault || p.Data[2].IsDefault || !p.Data[0].Product.HasOffers || p.Data[0].Product.SKU != nil {
				t.Errorf("after adding a variant %+v", p.Data)
			}
			if props := p.Data[1].Properties; len(props) != 1 || props[0] != (keycrmmock.Property{Name: "Колір", Value: "червоний"}) {
				t.Errorf("properties %+v", props)
			}
			if p.Data[1].Product.MaxPrice != dec("60") || p.Data[1].Product.MinPrice != dec("49.9") {
				t.Errorf("min/max %+v", p.Data[1].Product)
			}
		}},
		{name: "products/variants replace a placeholder offer without SKU", run: func(t *testing.T, e *env) {
			e.do("POST", "/products/4/offers", `{"offers": [{"sku": "V-S", "properties": [{"name": "Розмір", "value": "S"}]}, {"sku": "V-M", "properties": [{"name": "Розмір", "value": "M"}]}]}`).
				want(t, http.StatusCreated, nil)
			wantIDs(t, offerIDs(offersPage(t, e, "?filter[product_id]=4")), 41, 42)
			wantIDs(t, stockIDs(stocksPage(t, e, "?filter[offers_id]=40")))
			// A second batch adds to them.
			e.do("POST", "/products/4/offers", `{"offers": [{"sku": "V-L", "properties": [{"name": "Розмір", "value": "L"}]}]}`).
				want(t, http.StatusCreated, nil)
			wantIDs(t, offerIDs(offersPage(t, e, "?filter[product_id]=4")), 41, 42, 43)
		}},
		{name: "products/add variants errors", setup: setup{skipRequests: true}, run: func(t *testing.T, e *env) {
			e.do("POST", "/products/999/offers", `{"offers": [{"sku": "X"}]}`).want(t, http.StatusNotFound, nil)
			offers := make([]map[string]any, 101)
			for i := range offers {
				offers[i] = map[string]any{"sku": fmt.Sprint("X", i)}
			}
			e.do("POST", "/products/1/offers", map[string]any{"offers": offers}).wantInvalid(t, "offers")
			e.do("POST", "/products/1/offers", `{"offers": [{"sku": 5, "properties": [{"name": 1, "value": "x"}]}]}`).wantInvalid(t, "offers.0.sku", "offers.0.properties.0.name")
			e.do("POST", "/products/1/offers", `{}`).wantInvalid(t, "offers")
			wantIDs(t, offerIDs(offersPage(t, e, "?filter[product_id]=1")), 10, 11)
			e.do("POST", "/products/1/offers", map[string]any{"offers": offers[:100]}).want(t, http.StatusCreated, nil)
			if n := offersPage(t, e, "?filter[product_id]=1").Total; n != 102 {
				t.Fatalf("%d offers after adding 100", n)
			}
		}},
	}
}

func categoryCases() []contractCase {
	type category struct {
		ID       int64  `json:"id"`
		Name     string `json:"name"`
		ParentID *int64 `json:"parent_id"`
	}
	return []contractCase{
		{name: "categories/list and create", run: func(t *testing.T, e *env) {
			var c category
			e.do("POST", "/products/categories", `{"name": "Аксесуари"}`).want(t, http.StatusCreated, &c)
			if c.ID != 3 || c.Name != "Аксесуари" || c.ParentID != nil {
				t.Errorf("created %+v", c)
			}
			e.do("POST", "/products/categories", `{"name": "Шкарпетки", "parent_id": 3}`).want(t, http.StatusCreated, &c)
			if c.ID != 4 || c.ParentID == nil || *c.ParentID != 3 {
				t.Errorf("created %+v", c)
			}
			var p pageOf[category]
			e.do("GET", "/products/categories?filter[parent_id]=1,3", nil).want(t, http.StatusOK, &p)
			wantIDs(t, ids(p.Data, func(c category) int64 { return c.ID }), 2, 4)
			e.do("GET", "/products/categories?filter[category_id]=4,1&limit=1&page=2", nil).want(t, http.StatusOK, &p)
			wantIDs(t, ids(p.Data, func(c category) int64 { return c.ID }), 4)
		}},
		{name: "categories/create errors", setup: setup{skipRequests: true}, run: func(t *testing.T, e *env) {
			e.do("POST", "/products/categories", `{"parent_id": 1}`).wantInvalid(t, "name")
			e.do("POST", "/products/categories", `{"name": "X", "parent_id": 42}`).wantInvalid(t, "parent_id")
			e.do("POST", "/products/categories", `{"name": "X", "parent_id": "1"}`).wantInvalid(t, "parent_id")
			if n := len(e.mock.State().Categories); n != 2 {
				t.Fatalf("%d categories", n)
			}
		}},
	}
}

func authCases() []contractCase {
	return []contractCase{
		{name: "auth/missing or wrong key is 401 without echo", setup: setup{skipRequests: true}, run: func(t *testing.T, e *env) {
			for _, key := range []string{"", "wrong-secret-key", "test-key-but-longer"} {
				e.key = key
				r := e.do("GET", "/offers/stocks", nil)
				var m struct{ Message string }
				r.want(t, http.StatusUnauthorized, &m)
				if !strings.Contains(m.Message, "Authorization: Bearer KEY") || (key != "" && strings.Contains(string(r.body), key)) {
					t.Errorf("key %q: body %s", key, r.body)
				}
			}
			e.key = ""
			for _, path := range []string{"/offers/stocks", "/offers", "/products", "/products/1", "/products/1/offers", "/products/import", "/products/categories"} {
				method := "GET"
				if strings.HasSuffix(path, "offers") && path != "/offers" || path == "/products/import" {
					method = "POST"
				}
				e.do(method, path, `{}`).want(t, http.StatusUnauthorized, nil)
			}
			e.do("PUT", "/offers/stocks", `{"warehouse_id": 1, "stocks": [{"id": 10, "quantity": 99}]}`).want(t, http.StatusUnauthorized, nil)
			e.key = testKey
			if q := stockOf(t, e, 10).Quantity; q != dec("5") {
				t.Fatalf("an unauthenticated write changed stock to %s", q)
			}
		}},
		{name: "auth/the key is configurable and the scheme case-insensitive", setup: setup{opt: keycrmmock.Options{APIKey: "s3cret"}}, run: func(t *testing.T, e *env) {
			e.do("GET", "/offers", nil).want(t, http.StatusUnauthorized, nil)
			e.key = "s3cret"
			e.do("GET", "/offers", nil).want(t, http.StatusOK, nil)
		}},
	}
}
