package keycrmmock_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/apispec"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrmmock"
)

const testKey = "test-key"

// env is one emulator behind a real HTTP server and a client whose transport
// checks every exchange against the contract.
type env struct {
	t      *testing.T
	mock   *keycrmmock.Server
	base   string // http://127.0.0.1:PORT
	client *http.Client
	key    string
}

// setup tunes an env before it starts.
type setup struct {
	opt keycrmmock.Options
	// skipRequests is for subtests that send malformed requests on purpose.
	skipRequests bool
	// faults accepts 500s and uses a fresh connection per request, so the Go
	// transport never replays a request on its own after a dropped connection.
	faults bool
}

func start(t *testing.T, st keycrmmock.State, s setup) *env {
	t.Helper()
	mock := keycrmmock.New(st, s.opt)
	ts := httptest.NewServer(mock)
	t.Cleanup(ts.Close)
	v, err := apispec.NewValidator(ts.URL + "/v1")
	if err != nil {
		t.Fatal(err)
	}
	base := &http.Transport{DisableKeepAlives: s.faults}
	t.Cleanup(base.CloseIdleConnections)
	return &env{
		t:    t,
		mock: mock,
		base: ts.URL,
		key:  testKey,
		client: &http.Client{
			Timeout: 10 * time.Second,
			Transport: &apispec.Transport{
				Base:         base,
				Validator:    v,
				Report:       func(err error) { t.Errorf("contract: %v", err) },
				SkipRequests: s.skipRequests,
				AllowFaults:  s.faults,
			},
		},
	}
}

// seed loads testdata/seed.json.
func seed(t *testing.T) keycrmmock.State {
	t.Helper()
	st, err := keycrmmock.LoadSeed("testdata/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// result is one answer.
type result struct {
	status int
	header http.Header
	body   []byte
}

// do sends a /v1 request (or an admin one, for paths starting with /__mock).
// body may be nil, a string sent as is, or a value sent as JSON.
func (e *env) do(method, path string, body any) result {
	e.t.Helper()
	r, err := e.try(method, path, body)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func (e *env) try(method, path string, body any) (result, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return result{}, err
		}
		rd = bytes.NewReader(data)
	}
	url := e.base + path
	if !strings.HasPrefix(path, "/__mock/") {
		url = e.base + "/v1" + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return result{}, err
	}
	req.Header.Set("Accept", "application/json")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.key != "" {
		req.Header.Set("Authorization", "Bearer "+e.key)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	return result{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// want checks the status and decodes the body into v (when not nil).
func (r result) want(t *testing.T, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if v == nil {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// object decodes the body as a JSON object, for checks on which keys exist.
func (r result) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.want(t, r.status, &m)
	return m
}

// validation is the 422 body.
type validation struct {
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors"`
}

// wantInvalid checks a 422 whose errors name exactly the given fields.
func (r result) wantInvalid(t *testing.T, fields ...string) validation {
	t.Helper()
	var v validation
	r.want(t, http.StatusUnprocessableEntity, &v)
	if v.Message != "The given data was invalid." {
		t.Errorf("message %q", v.Message)
	}
	var got []string
	for k := range v.Errors {
		got = append(got, k)
	}
	if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(fields)) {
		t.Errorf("error fields %v, want %v; body %s", sorted(got), sorted(fields), r.body)
	}
	return v
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// pageOf is the paginator envelope with typed rows.
type pageOf[R any] struct {
	CurrentPage  int64   `json:"current_page"`
	Data         []R     `json:"data"`
	FirstPageURL string  `json:"first_page_url"`
	From         *int64  `json:"from"`
	LastPage     int64   `json:"last_page"`
	LastPageURL  string  `json:"last_page_url"`
	NextPageURL  *string `json:"next_page_url"`
	Path         string  `json:"path"`
	PerPage      int64   `json:"per_page"`
	PrevPageURL  *string `json:"prev_page_url"`
	To           *int64  `json:"to"`
	Total        int64   `json:"total"`
}

type stockRow struct {
	ID             int64            `json:"id"`
	SKU            *string          `json:"sku"`
	Price          decimal.Decimal  `json:"price"`
	PurchasedPrice decimal.Decimal  `json:"purchased_price"`
	Quantity       decimal.Decimal  `json:"quantity"`
	Reserve        decimal.Decimal  `json:"reserve"`
	Warehouse      []warehouseStock `json:"warehouse"`
}

type warehouseStock struct {
	ID       int64           `json:"id"`
	Name     string          `json:"name"`
	Quantity decimal.Decimal `json:"quantity"`
	Reserve  decimal.Decimal `json:"reserve"`
}

type offerRow struct {
	ID             int64                 `json:"id"`
	ProductID      int64                 `json:"product_id"`
	SKU            *string               `json:"sku"`
	Barcode        *string               `json:"barcode"`
	ThumbnailURL   *string               `json:"thumbnail_url"`
	Price          decimal.Decimal       `json:"price"`
	PurchasedPrice decimal.Decimal       `json:"purchased_price"`
	Quantity       decimal.Decimal       `json:"quantity"`
	InReserve      decimal.Decimal       `json:"in_reserve"`
	Weight         decimal.Decimal       `json:"weight"`
	Properties     []keycrmmock.Property `json:"properties"`
	IsDefault      bool                  `json:"is_default"`
	IsArchived     bool                  `json:"is_archived"`
	CreatedAt      string                `json:"created_at"`
	UpdatedAt      string                `json:"updated_at"`
	Product        *productRow           `json:"product"`
}

type productRow struct {
	ID              int64               `json:"id"`
	Name            string              `json:"name"`
	Description     string              `json:"description"`
	ThumbnailURL    *string             `json:"thumbnail_url"`
	AttachmentsData []string            `json:"attachments_data"`
	Quantity        decimal.Decimal     `json:"quantity"`
	InReserve       decimal.Decimal     `json:"in_reserve"`
	UnitType        *string             `json:"unit_type"`
	CurrencyCode    string              `json:"currency_code"`
	SKU             *string             `json:"sku"`
	Barcode         *string             `json:"barcode"`
	Price           *decimal.Decimal    `json:"price"`
	PurchasedPrice  *decimal.Decimal    `json:"purchased_price"`
	MinPrice        decimal.Decimal     `json:"min_price"`
	MaxPrice        decimal.Decimal     `json:"max_price"`
	HasOffers       bool                `json:"has_offers"`
	IsArchived      bool                `json:"is_archived"`
	CategoryID      *int64              `json:"category_id"`
	CreatedAt       string              `json:"created_at"`
	UpdatedAt       string              `json:"updated_at"`
	PropertiesAgg   map[string][]string `json:"properties_agg"`
	Sources         []any               `json:"sources"`
	CustomFields    []any               `json:"custom_fields"`
}

// ids lists the ids of rows, for order and membership checks.
func ids[R any](rows []R, id func(R) int64) []int64 {
	out := make([]int64, 0, len(rows))
	for _, r := range rows {
		out = append(out, id(r))
	}
	return out
}

func stockIDs(p pageOf[stockRow]) []int64 {
	return ids(p.Data, func(r stockRow) int64 { return r.ID })
}

func offerIDs(p pageOf[offerRow]) []int64 {
	return ids(p.Data, func(r offerRow) int64 { return r.ID })
}

func dec(s string) decimal.Decimal { return decimal.MustParse(s) }

// fakeClock is Options.Now under the test's control.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// catalogue builds a state of n single-offer products with SKUs SKU-00001...
// and ids 1..n, every one with stock in warehouse 1.
func catalogue(n int) keycrmmock.State {
	st := keycrmmock.State{Warehouses: []keycrmmock.Warehouse{{ID: 1, Name: "Основний склад"}}}
	for i := 1; i <= n; i++ {
		sku := fmt.Sprintf("SKU-%05d", i)
		st.Products = append(st.Products, keycrmmock.Product{
			ID: int64(i), Name: "Товар " + sku, CurrencyCode: "UAH",
			Offers: []keycrmmock.Offer{{
				ID: int64(i), SKU: &sku, Price: decimal.FromInt(int64(i)),
				Stock: map[string]keycrmmock.Stock{"1": {Quantity: decimal.FromInt(int64(i % 7))}},
			}},
		})
	}
	return st
}

// stateJSON renders a state for comparisons that should ignore nil vs empty.
func stateJSON(t *testing.T, st keycrmmock.State) string {
	t.Helper()
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
