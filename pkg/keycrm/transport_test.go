package keycrm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// closedURL is an API URL where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr + "/v1"
}

// counter is a test server handler that counts requests and answers with fn.
type counter struct {
	n  atomic.Int64
	fn func(n int64, w http.ResponseWriter, r *http.Request)
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.fn(c.n.Add(1), w, r)
}

func emptyPage(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"current_page":1,"data":[],"last_page":1,"next_page_url":null,"per_page":50,"total":0}`))
}

func TestNewChecksOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  Options
		want string
	}{
		{"no key", Options{}, "keycrm: no API key; set KEYCRM_API_KEY or pass --api-key-file FILE"},
		{"key with a newline", Options{APIKey: testKey + "\n"}, "keycrm: the API key contains control characters (a line break?); check the key file"},
		{"relative URL", Options{APIKey: testKey, BaseURL: "openapi.keycrm.app/v1"}, `keycrm: API URL "openapi.keycrm.app/v1": want http(s)://HOST/PATH, e.g. https://openapi.keycrm.app/v1`},
		{"URL with credentials and a query", Options{APIKey: testKey, BaseURL: "ftp://u:pw@h/v1?x=1"}, `keycrm: API URL "ftp://h/v1": want http(s)://HOST/PATH, e.g. https://openapi.keycrm.app/v1`},
		{"negative rate", Options{APIKey: testKey, PerMinute: -1}, "keycrm: rate -1 requests per minute: must be positive"},
		{"negative retries", Options{APIKey: testKey, Retries: new(-1)}, "keycrm: -1 retries: must be 0 or more"},
		{"negative timeout", Options{APIKey: testKey, Timeout: -time.Second}, "keycrm: timeout -1s: must be positive"},
	}
	for _, tt := range tests {
		_, err := New(tt.opt)
		if msg := assertErrText(t, err); msg != tt.want {
			t.Errorf("%s: %s\nwant %s", tt.name, msg, tt.want)
		}
	}
	if _, err := New(Options{}); !errors.Is(err, ErrNoAPIKey) {
		t.Error("no key: not ErrNoAPIKey")
	}
	c, err := New(Options{APIKey: testKey, BaseURL: "http://127.0.0.1:9/v1/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.retries != DefaultRetries || c.timeout != DefaultTimeout || c.pacer.interval != (rateWindow+windowMargin+59)/60 || c.BaseURL() != "http://127.0.0.1:9/v1" {
		t.Errorf("defaults: retries %d, timeout %s, interval %s, base %s", c.retries, c.timeout, c.pacer.interval, c.BaseURL())
	}
	c, _ = New(Options{APIKey: testKey, Retries: new(0), PerMinute: 7})
	if c.retries != 0 || c.BaseURL() != DefaultBaseURL || c.pacer.interval != (rateWindow+windowMargin+6)/7 {
		t.Errorf("explicit: retries %d, base %s, interval %d", c.retries, c.BaseURL(), c.pacer.interval)
	}
}

func TestRefusedFirstRequestFailsFast(t *testing.T) {
	url := closedURL(t)
	rec := &recorder{}
	// Real time: a retry would back off for at least a second.
	c := newTestClient(t, Options{BaseURL: url, APIKey: testKey, OnRequest: rec.add})
	start := time.Now()
	_, err := c.StocksPage(context.Background(), StockQuery{}, 1)
	elapsed := time.Since(start)
	msg := assertErrText(t, err)
	if want := "cannot connect to " + url + ": connection refused"; msg != want {
		t.Errorf("error %q, want %q", msg, want)
	}
	if !IsUnreachable(err) {
		t.Error("IsUnreachable = false")
	}
	// The refused attempt counts: result.requests shows every try at the API.
	if n := len(rec.all()); n != 1 || c.Requests() != 1 {
		t.Errorf("%d attempts, Requests() = %d; want 1 attempt counted", n, c.Requests())
	}
	if elapsed > 500*time.Millisecond {
		t.Errorf("took %s, want a fast failure", elapsed)
	}
}

func TestRefusedLaterIsRetried(t *testing.T) {
	srv := httptest.NewServer(keyChecked(t, func(w http.ResponseWriter, _ *http.Request) { emptyPage(w) }))
	opt, clk, rec := testOptions(t, srv.URL+"/v1")
	opt.Retries = new(3)
	c := newTestClient(t, opt)
	if _, err := c.StocksPage(context.Background(), StockQuery{}, 1); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	_, err := c.StocksPage(context.Background(), StockQuery{}, 1)
	msg := assertErrText(t, err)
	if want := "cannot connect to " + srv.URL + "/v1: connection refused; gave up after 4 attempts"; msg != want {
		t.Errorf("error %q\nwant %q", msg, want)
	}
	if n := len(rec.all()); n != 5 {
		t.Errorf("%d attempts, want 1 + 4", n)
	}
	if c.Requests() != 5 {
		t.Errorf("Requests() = %d, want 5: the first read and four refused attempts", c.Requests())
	}
	if len(clk.sleeps) < 3 {
		t.Errorf("sleeps %v: want a backoff before each retry", clk.sleeps)
	}
}

// roundTripFunc is a transport that fails without touching the network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestUnknownHostFirstFailsFast(t *testing.T) {
	var attempts atomic.Int64
	opt, _, _ := testOptions(t, "https://keycrm.invalid/v1")
	opt.Transport = roundTripFunc(func(*http.Request) (*http.Response, error) {
		attempts.Add(1)
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "keycrm.invalid", IsNotFound: true}}
	})
	c := newTestClient(t, opt)
	_, err := c.GetProduct(context.Background(), 1)
	if msg := assertErrText(t, err); msg != "cannot connect to https://keycrm.invalid/v1: host keycrm.invalid not found" {
		t.Errorf("error %q", msg)
	}
	if attempts.Load() != 1 || !IsUnreachable(err) || c.Requests() != 1 {
		t.Errorf("%d attempts, unreachable %v, %d counted", attempts.Load(), IsUnreachable(err), c.Requests())
	}
	// Later in the run the same failure is retried.
	_, err = c.GetProduct(context.Background(), 1)
	assertErrText(t, err)
	if attempts.Load() != 1+1+DefaultRetries || c.Requests() != attempts.Load() {
		t.Errorf("second call: %d attempts in all, %d counted, want %d", attempts.Load(), c.Requests(), 2+DefaultRetries)
	}
}

func TestHangEndsAfterTimeoutPerAttempt(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	opt, clk, rec := testOptions(t, srv.URL+"/v1")
	opt.Timeout = 100 * time.Millisecond
	opt.Retries = new(2)
	c := newTestClient(t, opt)
	start := time.Now()
	_, err := c.StocksPage(context.Background(), StockQuery{}, 1)
	elapsed := time.Since(start)
	msg := assertErrText(t, err)
	if want := "GET /offers/stocks: no response from " + srv.URL + "/v1 within 100ms; gave up after 3 attempts"; msg != want {
		t.Errorf("error %q\nwant %q", msg, want)
	}
	if n := len(rec.all()); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
	if elapsed < 300*time.Millisecond || elapsed > 3*time.Second {
		t.Errorf("took %s, want about 3 x 100ms (backoff is on the fake clock: %s)", elapsed, clk.Slept())
	}
}

func TestServerErrorStorm(t *testing.T) {
	h := &counter{fn: func(_ int64, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"message":"Server Error"}`))
	}}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opt, clk, rec := testOptions(t, srv.URL+"/v1")
	opt.Retries = new(3)
	c := newTestClient(t, opt)
	_, err := c.StocksPage(context.Background(), StockQuery{Details: true}, 2)
	if msg := assertErrText(t, err); msg != "GET /offers/stocks: 500 Server Error; gave up after 4 attempts" {
		t.Errorf("error %q", msg)
	}
	if h.n.Load() != 4 || c.Requests() != 4 {
		t.Errorf("server saw %d, client counted %d; want 4", h.n.Load(), c.Requests())
	}
	// Jitter 0.5: 1.5s, 3s, 6s.
	want := []time.Duration{1500 * time.Millisecond, 3 * time.Second, 6 * time.Second}
	if fmt.Sprint(clk.sleeps) != fmt.Sprint(want) {
		t.Errorf("backoff %v, want %v", clk.sleeps, want)
	}
	infos := rec.all()
	for i, info := range infos {
		if info.Attempt != i+1 || info.Status != 500 || info.Method != "GET" ||
			info.Path != "/offers/stocks?filter[details]=true&limit=50&page=2" || info.Err == nil {
			t.Errorf("attempt %d: %+v", i+1, info)
		}
	}
	// The same storm on a POST: one attempt only, the caller reads back.
	_, err = c.CreateCategory(context.Background(), CategoryCreate{Name: "Взуття"})
	if msg := assertErrText(t, err); msg != "POST /products/categories: 500 Server Error" {
		t.Errorf("POST error %q", msg)
	}
	if h.n.Load() != 5 {
		t.Errorf("POST after 500 was retried: server saw %d", h.n.Load()-4)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	h := &counter{fn: func(n int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if n == 1 {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"message":"Too Many Attempts."}`))
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":5,"name":"Взуття","parent_id":null}`))
	}}
	srv := httptest.NewServer(keyChecked(t, h.ServeHTTP))
	t.Cleanup(srv.Close)
	opt, clk, _ := testOptions(t, srv.URL+"/v1")
	c := newTestClient(t, opt)
	t0 := clk.Now()
	cat, err := c.CreateCategory(context.Background(), CategoryCreate{Name: "Взуття"})
	if err != nil {
		t.Fatal(err)
	}
	if cat.ID != 5 || h.n.Load() != 2 {
		t.Errorf("category %+v after %d requests", cat, h.n.Load())
	}
	if got := clk.Now().Sub(t0); got != 7*time.Second {
		t.Errorf("POST retried %s after the 429, want Retry-After's 7s", got)
	}
}

// A 429's pause holds every caller of the client, not just the refused one.
func TestRetryAfterPausesTheProcess(t *testing.T) {
	h := &counter{fn: func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "20")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		emptyPage(w)
	}}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opt, clk, _ := testOptions(t, srv.URL+"/v1")
	opt.Retries = new(0)
	c := newTestClient(t, opt)
	t0 := clk.Now()
	if _, err := c.StocksPage(context.Background(), StockQuery{}, 1); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("want a 429, got %v", err)
	}
	if _, err := c.StocksPage(context.Background(), StockQuery{}, 1); err != nil {
		t.Fatal(err)
	}
	if got := clk.Now().Sub(t0); got != 20*time.Second {
		t.Errorf("next request %s after the 429, want 20s", got)
	}
}

func TestCancelStopsWaitingAtOnce(t *testing.T) {
	srv := serve(t, reply{status: 429, header: map[string]string{"Retry-After": "100"}, body: `{"message":"Too Many Attempts."}`})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := make(chan struct{})
	var once sync.Once
	c := newTestClient(t, Options{BaseURL: srv.URL + "/v1", APIKey: testKey,
		OnRequest: func(RequestInfo) { once.Do(func() { close(first) }) }})
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := c.StocksPage(ctx, StockQuery{}, 1)
		done <- err
	}()
	<-first // the 429 arrived; the client now waits 100s
	cancel()
	err := <-done
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("cancel took %s to stop the wait", elapsed)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if msg := assertErrText(t, err); msg != "GET /offers/stocks: context canceled" {
		t.Errorf("error %q", msg)
	}
}

func TestOversizedBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		chunk := []byte(strings.Repeat(" ", 1<<20))
		for range maxResponse>>20 + 1 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	opt, _, rec := testOptions(t, srv.URL+"/v1")
	c := newTestClient(t, opt)
	_, err := c.StocksPage(context.Background(), StockQuery{}, 1)
	if msg := assertErrText(t, err); msg != "GET /offers/stocks: 200 response is larger than 32 MiB; check the API URL" {
		t.Errorf("error %q", msg)
	}
	if len(rec.all()) != 1 {
		t.Errorf("%d attempts, want 1 (not retried)", len(rec.all()))
	}
}

func TestBatchLimitsBeforeSending(t *testing.T) {
	opt, _, rec := testOptions(t, closedURL(t))
	c := newTestClient(t, opt)
	ctx := context.Background()
	one := decimal.FromInt(1)
	stocks := make([]StockTarget, MaxStockBatch+1)
	for i := range stocks {
		stocks[i] = StockTarget{ID: int64(i + 1), Quantity: one}
	}
	offers := make([]OfferUpdate, MaxOfferUpdates+1)
	for i := range offers {
		offers[i] = OfferUpdate{ID: int64(i + 1)}
	}
	products := make([]ProductCreate, MaxProductImport+1)
	for i := range products {
		products[i] = ProductCreate{Name: "x"}
	}
	creates := make([]OfferCreate, MaxOfferCreate+1)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"stocks", c.PutStocks(ctx, 1, stocks), "PUT /offers/stocks: 10001 items, want 1 to 10000: batch size out of range"},
		{"no stocks", c.PutStocks(ctx, 1, nil), "PUT /offers/stocks: 0 items, want 1 to 10000: batch size out of range"},
		{"stock without id or sku", c.PutStocks(ctx, 1, []StockTarget{{ID: 1, Quantity: one}, {Quantity: one}}), "PUT /offers/stocks: item 1 names no offer (set id or sku)"},
		{"offers", c.PutOffers(ctx, offers), "PUT /offers: 10001 items, want 1 to 10000: batch size out of range"},
		{"offer without id or sku", c.PutOffers(ctx, []OfferUpdate{{Price: &one}}), "PUT /offers: item 0 names no offer (set id or sku)"},
		{"import", c.ImportProducts(ctx, products), "POST /products/import: 101 items, want 1 to 100: batch size out of range"},
		{"import without a name", c.ImportProducts(ctx, []ProductCreate{{Name: "a"}, {}}), "POST /products/import: product 1 has no name"},
		{"offer create", c.CreateOffers(ctx, 3, creates), "POST /products/3/offers: 101 items, want 1 to 100: batch size out of range"},
	}
	_, err := c.CreateProduct(ctx, ProductCreate{Name: "x", ProductFields: ProductFields{Pictures: make([]string, 7)}})
	_, noName := c.CreateCategory(ctx, CategoryCreate{})
	tests = append(tests, []struct {
		name string
		err  error
		want string
	}{
		{"pictures", err, "POST /products: product 0 has 7 pictures, at most 6 are allowed"},
		{"category without a name", noName, "POST /products/categories: the category has no name"},
	}...)
	for _, tt := range tests {
		if msg := assertErrText(t, tt.err); msg != tt.want {
			t.Errorf("%s: %q\nwant %q", tt.name, msg, tt.want)
		}
	}
	if n := len(rec.all()); n != 0 || c.Requests() != 0 {
		t.Errorf("%d requests sent for invalid batches", n)
	}
	if !errors.Is(tests[0].err, ErrBatchSize) {
		t.Error("not ErrBatchSize")
	}
}

// TestConcurrentCallers shares one client between goroutines (run with -race).
func TestConcurrentCallers(t *testing.T) {
	h := &counter{fn: func(_ int64, w http.ResponseWriter, _ *http.Request) { emptyPage(w) }}
	srv := httptest.NewServer(keyChecked(t, h.ServeHTTP))
	t.Cleanup(srv.Close)
	rec := &recorder{}
	c := newTestClient(t, Options{BaseURL: srv.URL + "/v1", APIKey: testKey, PerMinute: 600000, OnRequest: rec.add})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				if _, err := c.CategoriesPage(context.Background(), 1); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if h.n.Load() != 40 || c.Requests() != 40 || len(rec.all()) != 40 {
		t.Errorf("server %d, counted %d, reported %d; want 40", h.n.Load(), c.Requests(), len(rec.all()))
	}
}
