package keycrm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/apispec"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrmmock"
)

// env is a client talking over real HTTP to the emulator, through the
// contract-validating transport.
type env struct {
	mock    *keycrmmock.Server
	base    string
	clk     *fakeClock
	rec     *recorder
	queries *queryLog
	logs    *queryLog // the emulator's own log lines
	c       *Client
}

// queryLog keeps the raw query of every request sent.
type queryLog struct {
	mu    sync.Mutex
	lines []string
}

func (q *queryLog) add(s string) {
	q.mu.Lock()
	q.lines = append(q.lines, s)
	q.mu.Unlock()
}

func (q *queryLog) all() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.lines...)
}

type envOptions struct {
	mock        keycrmmock.Options
	allowFaults bool
	client      func(*Options)
	// latency, if set, is how long request n (from 1) travels before the
	// emulator sees it: the shared fake clock moves on by that much.
	latency func(n int) time.Duration
}

func newEnv(t *testing.T, state keycrmmock.State, eo envOptions) *env {
	t.Helper()
	e := &env{queries: &queryLog{}, logs: &queryLog{}}
	opt, clk, rec := testOptions(t, "")
	e.clk, e.rec = clk, rec
	mo := eo.mock
	if mo.APIKey == "" {
		mo.APIKey = testKey
	}
	mo.Now = clk.Now
	mo.Logf = func(format string, args ...any) { e.logs.add(fmt.Sprintf(format, args...)) }
	e.mock = keycrmmock.New(state, mo)
	srv := httptest.NewServer(e.mock)
	t.Cleanup(srv.Close)
	e.base = srv.URL + "/v1"
	v, err := apispec.NewValidator(e.base)
	if err != nil {
		t.Fatal(err)
	}
	validating := &apispec.Transport{
		Validator:   v,
		Report:      func(err error) { t.Errorf("contract: %v", err) },
		AllowFaults: eo.allowFaults,
	}
	opt.BaseURL = e.base
	opt.PerMinute = 6000 // fake time: pacing costs nothing real
	var sent atomic.Int64
	opt.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		e.queries.add(r.URL.RawQuery)
		if eo.latency != nil {
			clk.Advance(eo.latency(int(sent.Add(1))))
		}
		return validating.RoundTrip(r)
	})
	if eo.client != nil {
		eo.client(&opt)
	}
	e.c = newTestClient(t, opt)
	t.Cleanup(func() {
		// Wait for requests the client gave up on (timeouts) to reach the
		// emulator's count before comparing.
		srv.Close()
		for _, line := range e.logs.all() {
			assertNoKey(t, "emulator log", line)
		}
		if got, want := e.c.Requests(), e.mock.Stats().Requests; got != want {
			t.Errorf("client counted %d requests, the emulator saw %d", got, want)
		}
	})
	return e
}

// requestsSince is the number of requests the emulator saw since the count n.
func (e *env) requestsSince(n int64) int64 { return e.mock.Stats().Requests - n }

func sku(i int) string { return fmt.Sprintf("SKU-%04d", i) }

// catalogue is n products of one offer each, with stock in warehouse 1. Offer
// ids start at 1001 so they never equal product ids by accident.
func catalogue(n int, skuOf func(int) string) keycrmmock.State {
	st := keycrmmock.State{
		Warehouses: []keycrmmock.Warehouse{{ID: 1, Name: "Основний склад"}, {ID: 2, Name: "Склад Київ"}},
		Categories: []keycrmmock.Category{{ID: 1, Name: "Взуття"}},
	}
	for i := range n {
		s := skuOf(i)
		st.Products = append(st.Products, keycrmmock.Product{
			ID: int64(i + 1), Name: "Товар " + s, CategoryID: new(int64(1)), CurrencyCode: "UAH",
			Offers: []keycrmmock.Offer{{
				ID: int64(1001 + i), SKU: &s, Price: decimal.MustParse("199.90"),
				Stock: map[string]keycrmmock.Stock{"1": {Quantity: decimal.FromInt(int64(i)), Reserve: decimal.Zero}},
			}},
		})
	}
	return st
}

func TestMockPagination(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{0, 1, 49, 50, 51, 100, 120} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			e := newEnv(t, catalogue(n, sku), envOptions{})
			wantPages := max(1, (n+PageSize-1)/PageSize)
			readAll := func(name string, each func(fn func(rows, total int) error) error) {
				t.Helper()
				before := e.mock.Stats().Requests
				rows, calls := 0, 0
				err := each(func(r, total int) error {
					calls++
					rows += r
					if total != n {
						t.Errorf("%s: total %d, want %d", name, total, n)
					}
					return nil
				})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if rows != n || calls != wantPages || e.requestsSince(before) != int64(wantPages) {
					t.Errorf("%s: %d rows in %d pages with %d requests; want %d rows, %d pages and requests",
						name, rows, calls, e.requestsSince(before), n, wantPages)
				}
			}
			readAll("stocks", func(fn func(int, int) error) error {
				return e.c.EachStockPage(ctx, StockQuery{Details: true}, 1, func(p *Page[OfferStock]) error { return fn(len(p.Data), p.Total) })
			})
			readAll("offers", func(fn func(int, int) error) error {
				return e.c.EachOfferPage(ctx, OfferQuery{IncludeProduct: true, Archived: new(false)}, 1, func(p *Page[Offer]) error { return fn(len(p.Data), p.Total) })
			})
			readAll("products", func(fn func(int, int) error) error {
				return e.c.EachProductPage(ctx, ProductQuery{IncludeCustomFields: true}, 0, func(p *Page[Product]) error { return fn(len(p.Data), p.Total) })
			})

			// A page past the end: one request, empty, and the walk stops there.
			before := e.mock.Stats().Requests
			p, err := e.c.StocksPage(ctx, StockQuery{}, wantPages+1)
			if err != nil || len(p.Data) != 0 || p.HasNext() || e.requestsSince(before) != 1 {
				t.Errorf("page past the end: %+v, %v, %d requests", p, err, e.requestsSince(before))
			}
			calls := 0
			err = e.c.EachStockPage(ctx, StockQuery{}, wantPages+5, func(p *Page[OfferStock]) error {
				calls++
				return nil
			})
			if err != nil || calls != 1 || e.requestsSince(before) != 2 {
				t.Errorf("walk from past the end: %d calls, %v, %d requests", calls, err, e.requestsSince(before)-1)
			}
		})
	}
}

func TestMockPaginationDetails(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, catalogue(120, sku), envOptions{})
	// Start in the middle: pages 2 and 3 only.
	var ids []int64
	err := e.c.EachStockPage(ctx, StockQuery{Details: true}, 2, func(p *Page[OfferStock]) error {
		for _, s := range p.Data {
			ids = append(ids, s.ID)
			if len(s.Warehouse) != 1 || s.Warehouse[0].ID != 1 || s.Warehouse[0].Name != "Основний склад" || s.Warehouse[0].Quantity != s.Quantity {
				t.Errorf("row %d: warehouses %+v", s.ID, s.Warehouse)
			}
		}
		return nil
	})
	if err != nil || len(ids) != 70 || ids[0] != 1051 || e.mock.Stats().Requests != 2 {
		t.Errorf("from page 2: %d rows from %v, %v, %d requests", len(ids), ids[:1], err, e.mock.Stats().Requests)
	}
	// An error from the callback stops the walk and comes back unchanged.
	stop := errors.New("enough")
	err = e.c.EachOfferPage(ctx, OfferQuery{}, 1, func(*Page[Offer]) error { return stop })
	if !errors.Is(err, stop) || e.mock.Stats().Requests != 3 {
		t.Errorf("callback error: %v after %d requests", err, e.mock.Stats().Requests)
	}
	offers, err := e.c.OffersPage(ctx, OfferQuery{IncludeProduct: true}, 3)
	if err != nil || len(offers.Data) != 20 || offers.Data[0].ID != 1101 || offers.Data[0].Product == nil || offers.HasNext() {
		t.Errorf("offers page 3: %v", err)
	}
	products, err := e.c.ProductsPage(ctx, ProductQuery{Archived: new(false)}, 1)
	if err != nil || len(products.Data) != 50 || products.Total != 120 || !products.HasNext() || products.Data[0].SKU != sku(0) {
		t.Errorf("products page 1: %v", err)
	}
	var cats []Category
	err = e.c.EachCategoryPage(ctx, 1, func(p *Page[Category]) error { cats = append(cats, p.Data...); return nil })
	if err != nil || len(cats) != 1 || cats[0].Name != "Взуття" || cats[0].ParentID != nil {
		t.Errorf("categories %+v, %v", cats, err)
	}
}

func TestMockFilteredReads(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, catalogue(150, sku), envOptions{})

	var want []string
	for i := 10; i < 130; i++ {
		want = append(want, sku(i))
	}
	asked := append(slices.Clone(want), "NOT-THERE", sku(10), "")
	got := map[string]OfferStock{}
	before := e.mock.Stats().Requests
	err := e.c.StocksBySKU(ctx, asked, true, func(p *Page[OfferStock]) error {
		for _, s := range p.Data {
			got[s.SKU] = s
		}
		return nil
	})
	// 121 distinct values: 3 requests of 50, 50 and 21.
	if err != nil || len(got) != 120 || e.requestsSince(before) != 3 {
		t.Errorf("StocksBySKU: %d rows, %v, %d requests; want 120 rows in 3", len(got), err, e.requestsSince(before))
	}
	if s := got[sku(42)]; s.ID != 1043 || s.Quantity != decimal.FromInt(42) || len(s.Warehouse) != 1 {
		t.Errorf("row of %s: %+v", sku(42), s)
	}

	ids := make([]int64, 0, 120)
	for i := range 120 {
		ids = append(ids, int64(1001+i))
	}
	before = e.mock.Stats().Requests
	n := 0
	err = e.c.StocksByID(ctx, ids, false, func(p *Page[OfferStock]) error { n += len(p.Data); return nil })
	if err != nil || n != 120 || e.requestsSince(before) != 3 {
		t.Errorf("StocksByID: %d rows, %v, %d requests", n, err, e.requestsSince(before))
	}

	before = e.mock.Stats().Requests
	var offers []Offer
	err = e.c.OffersBySKU(ctx, []string{sku(3), sku(149)}, true, func(p *Page[Offer]) error { offers = append(offers, p.Data...); return nil })
	if err != nil || len(offers) != 2 || e.requestsSince(before) != 1 {
		t.Fatalf("OffersBySKU: %+v, %v, %d requests", offers, err, e.requestsSince(before))
	}
	if o := offers[0]; o.SKU != sku(3) || o.ProductID != 4 || o.Product == nil || o.Product.Name != "Товар "+sku(3) || o.Price.String() != "199.9" {
		t.Errorf("offer %+v, product %+v", o, o.Product)
	}
	offers = nil
	err = e.c.OffersByID(ctx, []int64{1005, 99999}, false, func(p *Page[Offer]) error { offers = append(offers, p.Data...); return nil })
	if err != nil || len(offers) != 1 || offers[0].SKU != sku(4) || offers[0].Product != nil {
		t.Errorf("OffersByID: %+v, %v", offers, err)
	}

	// Nothing to look up: nothing sent (an empty filter would read everything).
	before = e.mock.Stats().Requests
	if err := e.c.StocksBySKU(ctx, []string{"", ""}, false, func(*Page[OfferStock]) error {
		t.Error("callback without a request")
		return nil
	}); err != nil || e.requestsSince(before) != 0 {
		t.Errorf("empty lookup: %v, %d requests", err, e.requestsSince(before))
	}

	// A comma anywhere fails the whole read before anything is sent.
	err = e.c.OffersBySKU(ctx, []string{sku(1), "A,B"}, false, func(*Page[Offer]) error { return nil })
	var fe *FilterError
	if !errors.Is(err, ErrCommaInFilter) || !errors.As(err, &fe) || fe.Value != "A,B" || e.requestsSince(before) != 0 {
		t.Errorf("comma: %v, %d requests", err, e.requestsSince(before))
	}
}

func TestMockLongSKUs(t *testing.T) {
	ctx := context.Background()
	long := func(i int) string { return fmt.Sprintf("%03d-", i) + strings.Repeat("Ґ", 60) } // 364 bytes escaped
	e := newEnv(t, catalogue(80, long), envOptions{})
	var asked []string
	escaped := 0
	for i := range 80 {
		asked = append(asked, long(i))
		escaped += len(long(i))*3 - 4*2 // every byte of a letter is %XX
	}
	got := 0
	err := e.c.StocksBySKU(ctx, asked, false, func(p *Page[OfferStock]) error { got += len(p.Data); return nil })
	if err != nil || got != 80 {
		t.Fatalf("%d rows, %v", got, err)
	}
	queries := e.queries.all()
	if len(queries) < escaped/maxQuery+1 || len(queries) > 8 {
		t.Errorf("%d requests for %d escaped bytes of SKUs", len(queries), escaped)
	}
	for _, q := range queries {
		if len(q) >= maxQuery {
			t.Errorf("query of %d bytes", len(q))
		}
	}
	// A single SKU that cannot fit alone.
	err = e.c.StocksBySKU(ctx, []string{strings.Repeat("Ж", 1200)}, false, func(*Page[OfferStock]) error { return nil })
	if !errors.Is(err, ErrFilterValueTooLong) || len(e.queries.all()) != len(queries) {
		t.Errorf("too long: %v", err)
	}
}

// KeyCRM does not enforce unique SKUs: a filter chunk can match more than a page.
func TestMockDuplicateSKUsKeepPaging(t *testing.T) {
	ctx := context.Background()
	st := catalogue(60, func(int) string { return "DUP" })
	e := newEnv(t, st, envOptions{})
	ids := map[int64]bool{}
	err := e.c.StocksBySKU(ctx, []string{"DUP", "OTHER"}, false, func(p *Page[OfferStock]) error {
		for _, s := range p.Data {
			ids[s.ID] = true
		}
		return nil
	})
	if err != nil || len(ids) != 60 || e.mock.Stats().Requests != 2 {
		t.Errorf("%d offers, %v, %d requests; want 60 in 2", len(ids), err, e.mock.Stats().Requests)
	}
}

func TestMockStockRoundTrip(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, catalogue(3, sku), envOptions{})
	err := e.c.PutStocks(ctx, 2, []StockTarget{
		{SKU: sku(1), Quantity: decimal.MustParse("20.25")},
		{ID: 1003, Quantity: decimal.MustParse("0.125")},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]OfferStock{}
	err = e.c.StocksBySKU(ctx, []string{sku(1), sku(2)}, true, func(p *Page[OfferStock]) error {
		for _, s := range p.Data {
			got[s.SKU] = s
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := got[sku(1)]
	if len(s.Warehouse) != 2 || s.Warehouse[1].ID != 2 || s.Warehouse[1].Name != "Склад Київ" ||
		s.Warehouse[1].Quantity.String() != "20.25" || s.Quantity.String() != "21.25" {
		t.Errorf("%s after the write: %+v", sku(1), s)
	}
	if s := got[sku(2)]; s.Quantity.String() != "2.125" {
		t.Errorf("%s after the write: %+v", sku(2), s)
	}
	// Writing the same targets again changes nothing: the values are absolute.
	if err := e.c.PutStocks(ctx, 2, []StockTarget{{SKU: sku(1), Quantity: decimal.MustParse("20.250")}}); err != nil {
		t.Fatal(err)
	}
	page, err := e.c.StocksPage(ctx, StockQuery{}, 1)
	if err != nil || page.Data[1].Quantity.String() != "21.25" {
		t.Errorf("after repeating: %+v, %v", page, err)
	}
}

func TestMockValidationErrors(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, catalogue(3, sku), envOptions{})
	err := e.c.PutStocks(ctx, 1, []StockTarget{
		{SKU: sku(0), Quantity: decimal.FromInt(9)},
		{SKU: "NOPE", Quantity: decimal.FromInt(1)},
		{ID: 1002, Quantity: decimal.FromInt(-1)},
	})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 422 || ae.Method != "PUT" || ae.Path != "/offers/stocks" {
		t.Fatalf("want a 422 APIError, got %v", err)
	}
	if got := ae.ItemIndexes("stocks"); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("items at fault %v (fields %v)", got, ae.Fields)
	}
	msg := assertErrText(t, err)
	if !strings.HasPrefix(msg, "PUT /offers/stocks: 422 ") || !strings.Contains(msg, "(stocks.1.sku: ") || !strings.Contains(msg, "stocks.2.quantity: ") {
		t.Errorf("message %q", msg)
	}
	if ae.Attempts != 1 || e.mock.Stats().Requests != 1 {
		t.Errorf("a 422 was retried: %d attempts", ae.Attempts)
	}
	// The whole batch was refused: SKU-0000 still has 0.
	p, err := e.c.StocksPage(ctx, StockQuery{}, 1)
	if err != nil || !p.Data[0].Quantity.IsZero() {
		t.Errorf("batch partly applied: %+v, %v", p, err)
	}
	// Unknown warehouse.
	err = e.c.PutStocks(ctx, 99, []StockTarget{{ID: 1001, Quantity: decimal.FromInt(1)}})
	if !errors.As(err, &ae) || ae.Fields["warehouse_id"] == nil {
		t.Errorf("unknown warehouse: %v", err)
	}
	// 404 for an unknown product.
	_, err = e.c.GetProduct(ctx, 424242)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown product: %v", err)
	}
	assertErrText(t, err)
	_, err = e.c.UpdateProduct(ctx, 424242, ProductUpdate{Name: new("x")})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("update of an unknown product: %v", err)
	}
}

func TestMockWrongKey(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, catalogue(1, sku), envOptions{mock: keycrmmock.Options{APIKey: "the-right-key"}})
	_, err := e.c.StocksPage(ctx, StockQuery{}, 1)
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("want ErrUnauthorized, got %v", err)
	}
	msg := assertErrText(t, err)
	if !strings.HasPrefix(msg, "GET /offers/stocks: 401 the API key was rejected (") || !strings.HasSuffix(msg, "; set KEYCRM_API_KEY or pass --api-key-file FILE") {
		t.Errorf("message %q", msg)
	}
	if e.mock.Stats().Requests != 1 {
		t.Errorf("a 401 was retried: %d requests", e.mock.Stats().Requests)
	}
}

func TestMockCatalogueWrites(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, catalogue(1, sku), envOptions{})

	cat, err := e.c.CreateCategory(ctx, CategoryCreate{Name: "Кеди", ParentID: new(int64(1))})
	if err != nil || cat.ID == 0 || *cat.ParentID != 1 {
		t.Fatalf("category %+v, %v", cat, err)
	}
	price := decimal.MustParse("1999.99")
	p, err := e.c.CreateProduct(ctx, ProductCreate{Name: "Кеди білі", ProductFields: ProductFields{
		SKU: new("KEDY-1"), Price: &price, CategoryID: &cat.ID, Description: new("Опис"),
		Pictures: []string{"https://example.com/1.jpg"}, UnitType: new("pcs"), Weight: new(decimal.MustParse("0.45")),
	}})
	if err != nil || p.ID == 0 || p.Name != "Кеди білі" || *p.CategoryID != cat.ID || p.CreatedAt.IsZero() {
		t.Fatalf("created %+v, %v", p, err)
	}
	p2, err := e.c.UpdateProduct(ctx, p.ID, ProductUpdate{Name: new("Кеди чорні")})
	if err != nil || p2.Name != "Кеди чорні" || p2.Description != "Опис" {
		t.Errorf("updated %+v, %v", p2, err)
	}
	got, err := e.c.GetProduct(ctx, p.ID)
	if err != nil || got.Name != "Кеди чорні" || got.Price == nil || got.Price.String() != "1999.99" || got.SKU != "KEDY-1" {
		t.Errorf("read back %+v, %v", got, err)
	}

	err = e.c.CreateOffers(ctx, p.ID, []OfferCreate{
		{SKU: "KEDY-1-41", Price: &price, Properties: []OfferProperty{{"Розмір", "41"}}},
		{SKU: "KEDY-1-42", Price: &price, Properties: []OfferProperty{{"Розмір", "42"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = e.c.ImportProducts(ctx, []ProductCreate{
		{Name: "Шнурки", ProductFields: ProductFields{SKU: new("LACE-1"), Price: new(decimal.MustParse("20.25"))}},
		{Name: "Устілки", ProductFields: ProductFields{SKU: new("SOLE-1")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]Offer{}
	err = e.c.OffersBySKU(ctx, []string{"KEDY-1-41", "KEDY-1-42", "LACE-1", "SOLE-1"}, true, func(pg *Page[Offer]) error {
		for _, o := range pg.Data {
			found[o.SKU] = o
		}
		return nil
	})
	if err != nil || len(found) != 4 || found["KEDY-1-42"].ProductID != p.ID || found["LACE-1"].Price.String() != "20.25" {
		t.Fatalf("read back by SKU: %+v, %v", found, err)
	}
	if props := found["KEDY-1-41"].Properties; len(props) != 1 || props[0] != (OfferProperty{"Розмір", "41"}) {
		t.Errorf("properties %+v", props)
	}

	newPrice := decimal.MustParse("20.25")
	err = e.c.PutOffers(ctx, []OfferUpdate{{ID: found["KEDY-1-41"].ID, Price: &newPrice}, {SKU: "SOLE-1", PurchasedPrice: &newPrice}})
	if err != nil {
		t.Fatal(err)
	}
	var after []Offer
	err = e.c.OffersByID(ctx, []int64{found["KEDY-1-41"].ID, found["SOLE-1"].ID}, false, func(pg *Page[Offer]) error {
		after = append(after, pg.Data...)
		return nil
	})
	if err != nil || len(after) != 2 || after[0].Price.String() != "20.25" || after[1].PurchasedPrice == nil || after[1].PurchasedPrice.String() != "20.25" {
		t.Errorf("after PutOffers: %+v, %v", after, err)
	}
	err = e.c.PutOffers(ctx, []OfferUpdate{{SKU: "NOPE", Price: &newPrice}})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 422 || ae.ItemIndexes("offers")[0] != 0 {
		t.Errorf("PutOffers with an unknown SKU: %v", err)
	}
}

// TestMockRateLimit runs against an emulator that enforces a small budget on the
// same fake clock as the client.
func TestMockRateLimit(t *testing.T) {
	ctx := context.Background()
	const limit = 5
	readAll := func(e *env) int {
		t.Helper()
		rows := 0
		err := e.c.EachStockPage(ctx, StockQuery{}, 1, func(p *Page[OfferStock]) error { rows += len(p.Data); return nil })
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}

	// Pacing at the emulator's limit: never refused.
	e := newEnv(t, catalogue(12*PageSize, sku), envOptions{mock: keycrmmock.Options{RateLimit: limit},
		client: func(o *Options) { o.PerMinute = limit }})
	t0 := e.clk.Now()
	if rows := readAll(e); rows != 12*PageSize {
		t.Errorf("paced: %d rows", rows)
	}
	st := e.mock.Stats()
	if st.Throttled != 0 || st.Requests != 12 {
		t.Errorf("paced at the limit: %d requests, %d throttled", st.Requests, st.Throttled)
	}
	if took, want := e.clk.Now().Sub(t0), 11*e.c.pacer.interval; took != want {
		t.Errorf("12 requests at 5/min took %s, want %s", took, want)
	}
	if infos := e.rec.all(); len(infos) == 0 || infos[0].RateLimit.Limit != "5" || infos[0].RateLimit.Remaining != "4" {
		t.Errorf("budget headers not reported: %+v", infos)
	}

	// A client that thinks the budget is larger learns it from
	// X-RateLimit-Limit and is never refused. (A 429's Retry-After is
	// checked in TestRetryAfterIsHonoured.)
	e = newEnv(t, catalogue(12*PageSize, sku), envOptions{mock: keycrmmock.Options{RateLimit: limit},
		client: func(o *Options) { o.PerMinute = 60; o.Retries = new(0) }})
	if rows := readAll(e); rows != 12*PageSize {
		t.Errorf("learning the limit: %d rows", rows)
	}
	if st = e.mock.Stats(); st.Throttled != 0 || st.Requests != 12 {
		t.Errorf("learning the limit: %d requests, %d throttled", st.Requests, st.Throttled)
	}
}

// TestMockPacingNeverMeets429 is the run of issue 8 item 11: 112 reads at
// --rate 60 against a 60-a-minute limiter, the first request slowed by a new
// connection so that it reaches the server 400ms after it started, and 5% of
// answers a 500 whose retry spends budget too. Pacing a minute from the starts
// met a 429 on the 61st request; the margin leaves none.
func TestMockPacingNeverMeets429(t *testing.T) {
	faults, err := keycrmmock.ParseFaults("500=0.05")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, catalogue(112*PageSize, sku), envOptions{
		mock:        keycrmmock.Options{RateLimit: 60, Faults: faults, FaultSeed: 3},
		allowFaults: true,
		client:      func(o *Options) { o.PerMinute = 60; o.Retries = new(3) },
		latency: func(n int) time.Duration {
			if n == 1 {
				return 400 * time.Millisecond
			}
			return time.Millisecond
		},
	})
	rows := 0
	err = e.c.EachStockPage(context.Background(), StockQuery{}, 1, func(p *Page[OfferStock]) error { rows += len(p.Data); return nil })
	if err != nil {
		t.Fatal(err)
	}
	st := e.mock.Stats()
	if rows != 112*PageSize || st.Faults == 0 || st.Requests != 112+st.Faults {
		t.Errorf("%d rows, %d requests, %d faults: want every row, 112 reads plus one retry a fault", rows, st.Requests, st.Faults)
	}
	if st.Throttled != 0 {
		t.Errorf("%d requests refused with 429", st.Throttled)
	}
}

func TestMockFaultsConverge(t *testing.T) {
	ctx := context.Background()
	for _, spec := range []string{"500=0.3", "429=0.3", "reset=0.3", "ack-lost=0.3", "500=0.1,429=0.1,reset=0.1,ack-lost=0.1,timeout=0.03"} {
		for seed := range int64(3) {
			t.Run(fmt.Sprintf("%s/seed=%d", spec, seed), func(t *testing.T) {
				faults, err := keycrmmock.ParseFaults(spec)
				if err != nil {
					t.Fatal(err)
				}
				e := newEnv(t, catalogue(120, sku), envOptions{
					mock:        keycrmmock.Options{Faults: faults, FaultSeed: seed},
					allowFaults: true,
					client: func(o *Options) {
						o.Retries = new(12)
						// Short only where the emulator hangs on purpose: a
						// request given up before the emulator read it is
						// counted by the client alone.
						if faults.Timeout > 0 {
							o.Timeout = time.Second
						}
					},
				})
				rows := 0
				if err := e.c.EachStockPage(ctx, StockQuery{Details: true}, 1, func(p *Page[OfferStock]) error {
					rows += len(p.Data)
					return nil
				}); err != nil || rows != 120 {
					t.Fatalf("full read: %d rows, %v", rows, err)
				}
				targets := []StockTarget{{SKU: sku(5), Quantity: decimal.MustParse("20.25")}, {ID: 1007, Quantity: decimal.MustParse("3")}}
				for range 3 { // an absolute write repeated converges to the same state
					if err := e.c.PutStocks(ctx, 2, targets); err != nil {
						t.Fatalf("PutStocks: %v", err)
					}
				}
				got := map[string]string{}
				if err := e.c.StocksBySKU(ctx, []string{sku(5), sku(6)}, true, func(p *Page[OfferStock]) error {
					for _, s := range p.Data {
						got[s.SKU] = s.Quantity.String()
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if got[sku(5)] != "25.25" || got[sku(6)] != "9" {
					t.Errorf("after the writes: %v", got)
				}
			})
		}
	}
}

// TestMockPostIsNotRepeated: POST creates, so only a 429 (nothing done) is
// retried. Every fault here has probability 1, so the outcome is exact.
func TestMockPostIsNotRepeated(t *testing.T) {
	ctx := context.Background()
	lace := []ProductCreate{{Name: "Шнурки", ProductFields: ProductFields{SKU: new("LACE-1")}}}
	tests := []struct {
		fault    string
		attempts int64
		applied  bool
		is       error
	}{
		{"500=1", 1, false, nil},
		{"reset=1", 1, false, nil},
		{"ack-lost=1", 1, true, nil},
		{"timeout=1", 1, false, nil},
		{"429=1", 4, false, ErrRateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			faults, err := keycrmmock.ParseFaults(tt.fault)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, catalogue(1, sku), envOptions{
				mock:        keycrmmock.Options{Faults: faults},
				allowFaults: true,
				client: func(o *Options) {
					o.Retries = new(3)
					if faults.Timeout > 0 {
						o.Timeout = time.Second
					}
				},
			})
			err = e.c.ImportProducts(ctx, lace)
			assertErrText(t, err)
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want %v", err, tt.is)
			}
			if n := e.mock.Stats().Requests; n != tt.attempts {
				t.Errorf("%d attempts, want %d", n, tt.attempts)
			}
			applied := false
			for _, p := range e.mock.State().Products {
				for _, o := range p.Offers {
					applied = applied || (o.SKU != nil && *o.SKU == "LACE-1")
				}
			}
			if applied != tt.applied {
				t.Errorf("applied = %v, want %v", applied, tt.applied)
			}
		})
	}
}

// TestMockGetGivesUp: reads under a permanent fault stop after Retries+1.
func TestMockGetGivesUp(t *testing.T) {
	for _, fault := range []string{"500=1", "reset=1", "429=1"} {
		t.Run(fault, func(t *testing.T) {
			faults, _ := keycrmmock.ParseFaults(fault)
			e := newEnv(t, catalogue(1, sku), envOptions{
				mock:        keycrmmock.Options{Faults: faults},
				allowFaults: true,
				client:      func(o *Options) { o.Retries = new(2) },
			})
			_, err := e.c.StocksPage(context.Background(), StockQuery{}, 1)
			msg := assertErrText(t, err)
			if !strings.HasSuffix(msg, "; gave up after 3 attempts") || e.mock.Stats().Requests != 3 {
				t.Errorf("%s after %d requests", msg, e.mock.Stats().Requests)
			}
		})
	}
}

// TestMockCountsTransportResends: when a reused keep-alive connection is reset,
// net/http re-sends an idempotent GET by itself. The emulator then sees more
// requests than the client made attempts; Requests must match the emulator, as
// the journal's request count promises. With this seed the case occurs.
func TestMockCountsTransportResends(t *testing.T) {
	faults, err := keycrmmock.ParseFaults("reset=0.3")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, catalogue(300, sku), envOptions{
		mock:        keycrmmock.Options{Faults: faults, FaultSeed: 2},
		allowFaults: true,
		client:      func(o *Options) { o.Retries = new(12) },
	})
	if err := e.c.EachStockPage(context.Background(), StockQuery{}, 1, func(*Page[OfferStock]) error { return nil }); err != nil {
		t.Fatal(err)
	}
	attempts, seen := int64(len(e.rec.all())), e.mock.Stats().Requests
	if seen <= attempts {
		t.Fatalf("no transport resend happened (%d attempts, %d requests seen): pick another seed", attempts, seen)
	}
	if e.c.Requests() != seen {
		t.Errorf("Requests() = %d, the emulator saw %d (%d attempts)", e.c.Requests(), seen, attempts)
	}
}

// StockSKURequests predicts exactly what StocksBySKU with details sends, so the
// store can choose the cheaper read before sending anything.
func TestMockStockSKURequestsPredicts(t *testing.T) {
	ctx := context.Background()
	long := func(i int) string { return fmt.Sprintf("%03d-", i) + strings.Repeat("Ґ", 60) }
	e := newEnv(t, catalogue(80, long), envOptions{})
	for _, n := range []int{0, 1, 50, 51, 80} {
		var asked []string
		for i := range n {
			asked = append(asked, long(i))
		}
		want, err := e.c.StockSKURequests(asked)
		if err != nil {
			t.Fatal(err)
		}
		before := len(e.queries.all())
		if err := e.c.StocksBySKU(ctx, asked, true, func(*Page[OfferStock]) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if got := len(e.queries.all()) - before; got != want {
			t.Errorf("%d SKUs: predicted %d requests, sent %d", n, want, got)
		}
	}
	if _, err := e.c.StockSKURequests([]string{"A,B"}); !errors.Is(err, ErrCommaInFilter) {
		t.Errorf("comma: %v", err)
	}
}

// TestMockEchoNeverLeaks reads from the emulator's echoing gateway, which puts
// the key in its message raw, PHP-escaped and URL-encoded.
func TestMockEchoNeverLeaks(t *testing.T) {
	faults, err := keycrmmock.ParseFaults("echo=1")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, catalogue(3, sku), envOptions{mock: keycrmmock.Options{Faults: faults}, allowFaults: true,
		client: func(o *Options) { o.Retries = new(1) }})
	err = e.c.EachStockPage(context.Background(), StockQuery{}, 1, func(*Page[OfferStock]) error { return nil })
	msg := assertErrText(t, err)
	if !strings.HasPrefix(msg, "GET /offers/stocks: 502 Bad gateway: ") || !strings.Contains(msg, `"Authorization":["****"]`) {
		t.Errorf("error %s", msg)
	}
	for i := 0; i+8 <= len(testKey); i++ {
		if strings.Contains(msg, testKey[i:i+8]) {
			t.Errorf("fragment %q of the key in %s", testKey[i:i+8], msg)
		}
	}
}
