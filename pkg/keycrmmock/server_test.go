package keycrmmock_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keycrm-sync/keycrm-sync/pkg/keycrmmock"
)

func TestRateLimit(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, e *env, clock *fakeClock)
	}{
		{"N accepted per window, then 429 with Retry-After", func(t *testing.T, e *env, clock *fakeClock) {
			for range 3 {
				e.do("GET", "/offers/stocks", nil).want(t, http.StatusOK, nil)
				clock.advance(10 * time.Second) // requests at 0s, 10s, 20s
			}
			// At 30s the window (-30s, 30s] holds three; the one at 0s frees at 60s.
			r := e.do("GET", "/offers/stocks", nil)
			var m struct{ Message string }
			r.want(t, http.StatusTooManyRequests, &m)
			if got := r.header.Get("Retry-After"); got != "30" {
				t.Errorf("Retry-After %q, want 30", got)
			}
			if m.Message != "Too Many Attempts." {
				t.Errorf("message %q", m.Message)
			}
			clock.advance(29*time.Second + 500*time.Millisecond)
			if got := e.do("GET", "/offers", nil).header.Get("Retry-After"); got != "1" {
				t.Errorf("Retry-After half a second before the slot frees: %q, want 1", got)
			}
		}},
		{"every answer announces the budget", func(t *testing.T, e *env, clock *fakeClock) {
			for _, want := range []string{"2", "1", "0"} {
				r := e.do("GET", "/offers", nil)
				r.want(t, http.StatusOK, nil)
				if r.header.Get("X-RateLimit-Limit") != "3" || r.header.Get("X-RateLimit-Remaining") != want {
					t.Errorf("limit %q remaining %q, want 3 and %s", r.header.Get("X-RateLimit-Limit"), r.header.Get("X-RateLimit-Remaining"), want)
				}
				clock.advance(20 * time.Second)
			}
			// At 60s the first request has left the window.
			r := e.do("GET", "/offers", nil)
			r.want(t, http.StatusOK, nil)
			if got := r.header.Get("X-RateLimit-Remaining"); got != "0" {
				t.Errorf("after the first left the window: remaining %q, want 0", got)
			}
		}},
		{"the window is half-open and slides", func(t *testing.T, e *env, clock *fakeClock) {
			for range 3 {
				e.do("GET", "/offers", nil).want(t, http.StatusOK, nil)
			}
			clock.advance(time.Minute - time.Nanosecond)
			e.do("GET", "/offers", nil).want(t, http.StatusTooManyRequests, nil)
			// Exactly 60 s later the first three are outside (t-60s, t].
			clock.advance(time.Nanosecond)
			for range 3 {
				e.do("GET", "/offers", nil).want(t, http.StatusOK, nil)
			}
			e.do("GET", "/offers", nil).want(t, http.StatusTooManyRequests, nil)
		}},
		{"refused and unauthenticated requests do not count", func(t *testing.T, e *env, clock *fakeClock) {
			e.key = "nope"
			for range 5 {
				e.do("GET", "/offers", nil).want(t, http.StatusUnauthorized, nil)
			}
			e.key = testKey
			for range 3 {
				e.do("GET", "/offers", nil).want(t, http.StatusOK, nil)
			}
			for range 10 {
				clock.advance(time.Second)
				e.do("GET", "/offers", nil).want(t, http.StatusTooManyRequests, nil)
			}
			clock.advance(50 * time.Second) // 60 s after the three accepted ones
			e.do("GET", "/offers", nil).want(t, http.StatusOK, nil)
			st := e.mock.Stats()
			if st.Throttled != 10 || st.Requests != 19 {
				t.Errorf("stats %+v", st)
			}
		}},
		{"admin endpoints are never limited", func(t *testing.T, e *env, clock *fakeClock) {
			for range 10 {
				e.do("GET", "/__mock/stats", nil).want(t, http.StatusOK, nil)
				e.do("GET", "/__mock/state", nil).want(t, http.StatusOK, nil)
			}
			for range 3 {
				e.do("GET", "/offers", nil).want(t, http.StatusOK, nil)
			}
		}},
		{"reset clears the window", func(t *testing.T, e *env, clock *fakeClock) {
			for range 3 {
				e.do("GET", "/offers", nil).want(t, http.StatusOK, nil)
			}
			e.do("GET", "/offers", nil).want(t, http.StatusTooManyRequests, nil)
			e.do("POST", "/__mock/reset", nil).want(t, http.StatusNoContent, nil)
			e.do("GET", "/offers", nil).want(t, http.StatusOK, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			e := start(t, seed(t), setup{opt: keycrmmock.Options{RateLimit: 3, Now: clock.Now}})
			tt.run(t, e, clock)
		})
	}
}

func TestRateLimitOff(t *testing.T) {
	e := start(t, seed(t), setup{})
	for range 200 {
		r := e.do("GET", "/offers/stocks?limit=1", nil)
		r.want(t, http.StatusOK, nil)
		if r.header.Get("X-RateLimit-Limit") != "" {
			t.Fatal("budget headers without a rate limit")
		}
	}
}

func TestParseFaults(t *testing.T) {
	f, err := keycrmmock.ParseFaults(" 500=0.05, 429=0.05,timeout=0.01,reset=0.01,ack-lost=0.01 ")
	if err != nil {
		t.Fatal(err)
	}
	want := keycrmmock.Faults{Status500: 0.05, Status429: 0.05, Timeout: 0.01, Reset: 0.01, AckLost: 0.01}
	if f != want {
		t.Fatalf("%+v", f)
	}
	if back, err := keycrmmock.ParseFaults(f.String()); err != nil || back != f {
		t.Fatalf("String %q parses to %+v, %v", f.String(), back, err)
	}
	if f, err := keycrmmock.ParseFaults(""); err != nil || f != (keycrmmock.Faults{}) {
		t.Fatalf("empty spec: %+v, %v", f, err)
	}
	for _, bad := range []string{"502=0.1", "500", "500=x", "500=1.5", "500=-0.1", "500=NaN", "500=0.1,500=0.2", "500=0.6,reset=0.6"} {
		if _, err := keycrmmock.ParseFaults(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFaults(t *testing.T) {
	stockWrite := `{"warehouse_id": 1, "stocks": [{"id": 10, "quantity": 42}]}`
	quantity := func(e *env) string {
		for _, p := range e.mock.State().Products {
			for _, o := range p.Offers {
				if o.ID == 10 {
					return o.Stock["1"].Quantity.String()
				}
			}
		}
		return "missing"
	}
	tests := []struct {
		spec string
		run  func(t *testing.T, e *env)
	}{
		{"500=1", func(t *testing.T, e *env) {
			var m struct{ Message string }
			e.do("PUT", "/offers/stocks", stockWrite).want(t, http.StatusInternalServerError, &m)
			if m.Message == "" || quantity(e) != "5" {
				t.Errorf("message %q, quantity %s", m.Message, quantity(e))
			}
		}},
		{"429=1", func(t *testing.T, e *env) {
			r := e.do("GET", "/offers/stocks", nil)
			r.want(t, http.StatusTooManyRequests, nil)
			if got := r.header.Get("Retry-After"); got != "1" {
				t.Errorf("Retry-After %q", got)
			}
			if st := e.mock.Stats(); st.Faults != 1 || st.Throttled != 0 {
				t.Errorf("stats %+v", st)
			}
		}},
		{"timeout=1", func(t *testing.T, e *env) {
			e.client.Timeout = 200 * time.Millisecond
			began := time.Now()
			if _, err := e.try("PUT", "/offers/stocks", stockWrite); err == nil {
				t.Fatal("answered")
			}
			if time.Since(began) < 200*time.Millisecond {
				t.Error("gave up before the client timeout")
			}
			if quantity(e) != "5" {
				t.Errorf("timeout applied the write: %s", quantity(e))
			}
		}},
		{"reset=1", func(t *testing.T, e *env) {
			if _, err := e.try("PUT", "/offers/stocks", stockWrite); err == nil {
				t.Fatal("answered")
			}
			if quantity(e) != "5" {
				t.Errorf("reset applied the write: %s", quantity(e))
			}
		}},
		{"ack-lost=1", func(t *testing.T, e *env) {
			if _, err := e.try("PUT", "/offers/stocks", stockWrite); err == nil {
				t.Fatal("answered")
			}
			if quantity(e) != "42" {
				t.Errorf("ack-lost did not apply the write: %s", quantity(e))
			}
			// Retrying an absolute write converges instead of doubling.
			_, _ = e.try("PUT", "/offers/stocks", stockWrite)
			if quantity(e) != "42" {
				t.Errorf("after a retry: %s", quantity(e))
			}
			// Reads are answered.
			e.do("GET", "/offers/stocks", nil).want(t, http.StatusOK, nil)
			if st := e.mock.Stats(); st.Faults != 2 || st.Requests != 3 {
				t.Errorf("stats %+v", st)
			}
		}},
		{"loop=1", func(t *testing.T, e *env) {
			var p struct {
				CurrentPage int               `json:"current_page"`
				Data        []json.RawMessage `json:"data"`
				NextPageURL *string           `json:"next_page_url"`
			}
			e.do("GET", "/offers/stocks?limit=50&page=7", nil).want(t, http.StatusOK, &p)
			if p.CurrentPage != 1 || len(p.Data) == 0 || p.NextPageURL == nil || !strings.HasSuffix(*p.NextPageURL, "page=2") {
				t.Errorf("page %d with %d rows, next %v; want page 1 again with a next page", p.CurrentPage, len(p.Data), p.NextPageURL)
			}
			// Writes are answered normally.
			e.do("PUT", "/offers/stocks", stockWrite).want(t, http.StatusAccepted, nil)
			if st := e.mock.Stats(); st.Faults != 1 {
				t.Errorf("stats %+v", st)
			}
		}},
		{"echo=1", func(t *testing.T, e *env) {
			var m struct{ Message string }
			e.do("PUT", "/offers/stocks", stockWrite).want(t, http.StatusBadGateway, &m)
			for _, form := range []string{`"Authorization":["Bearer ` + testKey + `"]`, "Bearer+" + testKey, `"Accept":["application\/json"]`} {
				if !strings.Contains(m.Message, form) {
					t.Errorf("message %q does not echo %s", m.Message, form)
				}
			}
			if quantity(e) != "5" {
				t.Errorf("echo applied the write: %s", quantity(e))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			f, err := keycrmmock.ParseFaults(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			tt.run(t, start(t, seed(t), setup{opt: keycrmmock.Options{Faults: f, FaultSeed: 7}, faults: true}))
		})
	}
}

// TestFaultSequenceRepeats checks that a seed replays: the same seed gives the
// same outcomes, after a reset and in a new server.
func TestFaultSequenceRepeats(t *testing.T) {
	f, err := keycrmmock.ParseFaults("500=0.3,429=0.3")
	if err != nil {
		t.Fatal(err)
	}
	outcomes := func(e *env) string {
		var b strings.Builder
		for range 30 {
			fmt.Fprint(&b, e.do("GET", "/offers/stocks?limit=1", nil).status, " ")
		}
		return b.String()
	}
	opt := keycrmmock.Options{Faults: f, FaultSeed: 42}
	e := start(t, seed(t), setup{opt: opt, faults: true})
	first := outcomes(e)
	for _, code := range []string{"200", "500", "429"} {
		if !strings.Contains(first, code) {
			t.Fatalf("no %s in %s", code, first)
		}
	}
	e.do("POST", "/__mock/reset", nil).want(t, http.StatusNoContent, nil)
	if again := outcomes(e); again != first {
		t.Fatalf("after reset:\n%s\nwant\n%s", again, first)
	}
	if other := outcomes(start(t, seed(t), setup{opt: opt, faults: true})); other != first {
		t.Fatalf("new server:\n%s\nwant\n%s", other, first)
	}
	opt.FaultSeed = 43
	if other := outcomes(start(t, seed(t), setup{opt: opt, faults: true})); other == first {
		t.Fatal("seed 43 gives the sequence of seed 42")
	}
}

func TestLatency(t *testing.T) {
	e := start(t, seed(t), setup{opt: keycrmmock.Options{Latency: 150 * time.Millisecond}})
	began := time.Now()
	e.do("GET", "/offers", nil).want(t, http.StatusOK, nil)
	if d := time.Since(began); d < 150*time.Millisecond {
		t.Fatalf("answered after %s", d)
	}
	began = time.Now()
	e.do("GET", "/__mock/stats", nil).want(t, http.StatusOK, nil)
	if d := time.Since(began); d > 100*time.Millisecond {
		t.Fatalf("admin answer delayed %s", d)
	}
}

func TestAdmin(t *testing.T) {
	t.Run("state equals the seed and round-trips", func(t *testing.T) {
		e := start(t, seed(t), setup{})
		var got keycrmmock.State
		e.do("GET", "/__mock/state", nil).want(t, http.StatusOK, &got)
		if stateJSON(t, got) != stateJSON(t, seed(t)) {
			t.Fatalf("state\n%s\nwant\n%s", stateJSON(t, got), stateJSON(t, seed(t)))
		}
		// Change stock and a price, then revert both: the dump is the seed again.
		e.do("PUT", "/offers/stocks", `{"warehouse_id": 1, "stocks": [{"id": 10, "quantity": 7}]}`).want(t, http.StatusAccepted, nil)
		e.do("PUT", "/offers", `{"offers": [{"id": 20, "price": 1}]}`).want(t, http.StatusAccepted, nil)
		if stateJSON(t, e.mock.State()) == stateJSON(t, seed(t)) {
			t.Fatal("writes did not show in the state")
		}
		e.do("PUT", "/offers/stocks", `{"warehouse_id": 1, "stocks": [{"id": 10, "quantity": 5}]}`).want(t, http.StatusAccepted, nil)
		e.do("PUT", "/offers", `{"offers": [{"id": 20, "price": 49.9}]}`).want(t, http.StatusAccepted, nil)
		if a, b := stateJSON(t, e.mock.State()), stateJSON(t, seed(t)); a != b {
			t.Fatalf("after reverting\n%s\nwant\n%s", a, b)
		}
	})
	t.Run("put state replaces the catalogue", func(t *testing.T) {
		e := start(t, seed(t), setup{})
		next := catalogue(3)
		var echoed keycrmmock.State
		e.do("PUT", "/__mock/state", stateJSON(t, next)).want(t, http.StatusOK, &echoed)
		if stateJSON(t, echoed) != stateJSON(t, e.mock.State()) {
			t.Fatal("PUT answer is not the new state")
		}
		wantIDs(t, stockIDs(stocksPage(t, e, "")), 1, 2, 3)
		// Reset still goes back to the seed given at start.
		e.do("POST", "/__mock/reset", nil).want(t, http.StatusNoContent, nil)
		wantIDs(t, stockIDs(stocksPage(t, e, "")), 10, 11, 20, 30, 40)
	})
	t.Run("invalid states are refused and change nothing", func(t *testing.T) {
		e := start(t, seed(t), setup{})
		before := stateJSON(t, e.mock.State())
		for _, body := range []string{
			`{"products": [{"id": 1, "name": "A", "offers": [{"id": 1}]}, {"id": 2, "name": "B", "offers": [{"id": 1}]}]}`,
			`{"products": [{"id": 1, "name": "A", "offers": [{"id": 1, "stock": {"9": {"quantity": 1, "reserve": 0}}}]}]}`,
			`{"products": [{"id": 1, "name": "A", "offers": [{"id": 1, "stock": {"1": {"quantity": -1, "reserve": 0}}}]}]}`,
			`{"products": [{"id": 1, "name": "A", "offers": [{"id": 1, "purchase_price": 5}]}]}`,
			`{"products": [{"id": 1, "name": "A", "category_id": 5, "offers": []}]}`,
			`{"categories": [{"id": 1, "name": "A", "parent_id": 2}, {"id": 2, "name": "B", "parent_id": 1}]}`,
			`{"warehouses": [{"id": 1, "name": "A"}, {"id": 1, "name": "B"}]}`,
			`{"products": [`,
		} {
			var m struct{ Message string }
			e.do("PUT", "/__mock/state", body).want(t, http.StatusBadRequest, &m)
			if m.Message == "" {
				t.Errorf("%s: no message", body)
			}
		}
		if stateJSON(t, e.mock.State()) != before {
			t.Fatal("a refused state was applied")
		}
		if err := e.mock.SetState(keycrmmock.State{Warehouses: []keycrmmock.Warehouse{{ID: 0, Name: "x"}}}); err == nil {
			t.Fatal("SetState accepted warehouse id 0")
		}
	})
	t.Run("stats count /v1 by route, admin never", func(t *testing.T) {
		clock := newClock()
		e := start(t, seed(t), setup{opt: keycrmmock.Options{RateLimit: 4, Now: clock.Now}, skipRequests: true})
		e.do("GET", "/offers/stocks", nil)
		e.do("GET", "/offers/stocks?filter[details]=true", nil)
		e.do("PUT", "/products/2", `{"name": "Шнурки"}`)
		e.do("PUT", "/products/3", `{}`)
		e.do("GET", "/offers", nil) // throttled
		e.key = ""
		e.do("GET", "/products", nil) // 401
		e.do("GET", "/__mock/state", nil)
		var st keycrmmock.Stats
		e.do("GET", "/__mock/stats", nil).want(t, http.StatusOK, &st)
		want := map[string]int64{"GET /offers/stocks": 2, "PUT /products/{productId}": 2, "GET /offers": 1, "GET /products": 1}
		if st.Requests != 6 || st.Throttled != 1 || st.Faults != 0 || fmt.Sprint(st.ByRoute) != fmt.Sprint(want) {
			t.Fatalf("stats %+v", st)
		}
		if lib := e.mock.Stats(); fmt.Sprint(lib) != fmt.Sprint(st) {
			t.Fatalf("Stats() %+v, endpoint %+v", lib, st)
		}
		e.do("POST", "/__mock/reset", nil).want(t, http.StatusNoContent, nil)
		if st := e.mock.Stats(); st.Requests != 0 || len(st.ByRoute) != 0 || st.Throttled != 0 {
			t.Fatalf("after reset %+v", st)
		}
	})
	t.Run("reset returns to the seed", func(t *testing.T) {
		e := start(t, seed(t), setup{})
		e.do("POST", "/products", `{"name": "Новий", "sku": "NEW"}`).want(t, http.StatusCreated, nil)
		e.do("PUT", "/offers/stocks", `{"warehouse_id": 2, "stocks": [{"sku": "LACE", "quantity": 1}]}`).want(t, http.StatusAccepted, nil)
		e.do("POST", "/__mock/reset", nil).want(t, http.StatusNoContent, nil)
		if a, b := stateJSON(t, e.mock.State()), stateJSON(t, seed(t)); a != b {
			t.Fatalf("after reset\n%s\nwant\n%s", a, b)
		}
		// Ids start again from the seed's.
		var p productRow
		e.do("POST", "/products", `{"name": "Новий"}`).want(t, http.StatusCreated, &p)
		if p.ID != 5 {
			t.Fatalf("id after reset %d", p.ID)
		}
	})
	t.Run("wrong methods and paths", func(t *testing.T) {
		e := start(t, seed(t), setup{})
		e.do("DELETE", "/__mock/state", nil).want(t, http.StatusMethodNotAllowed, nil)
		e.do("POST", "/__mock/stats", nil).want(t, http.StatusMethodNotAllowed, nil)
		e.do("GET", "/__mock/reset", nil).want(t, http.StatusMethodNotAllowed, nil)
		e.do("GET", "/__mock/nothing", nil).want(t, http.StatusNotFound, nil)
	})
}

// TestOutsideTheContract covers answers the contract has no operation for, so
// they go through a plain client: the validator cannot route them.
func TestOutsideTheContract(t *testing.T) {
	mock := keycrmmock.New(seed(t), keycrmmock.Options{})
	ts := httptest.NewServer(mock)
	defer ts.Close()
	send := func(method, path, key string) (int, http.Header, map[string]any) {
		req, err := http.NewRequest(method, ts.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatalf("%s %s: body is not JSON: %v", method, path, err)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
		return resp.StatusCode, resp.Header, m
	}
	for _, tc := range []struct {
		method, path, key string
		status            int
		allow             string
	}{
		{"GET", "/v1/warehouses", testKey, 404, ""},
		{"GET", "/v1/products/abc", testKey, 404, ""},
		{"GET", "/v1/offers/", testKey, 404, ""},
		{"GET", "/v1/warehouses", "", 401, ""},
		{"DELETE", "/v1/offers", testKey, 405, "GET, PUT"},
		{"GET", "/v1/products/import", testKey, 405, "POST"},
		{"GET", "/", "", 404, ""},
	} {
		status, header, body := send(tc.method, tc.path, tc.key)
		if status != tc.status || body["message"] == "" || header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d %v Allow %q, want %d", tc.method, tc.path, status, body, header.Get("Allow"), tc.status)
		}
	}
	if st := mock.Stats(); st.Requests != 6 || len(st.ByRoute) != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestLoadSeed(t *testing.T) {
	t.Run("csv", func(t *testing.T) {
		st, err := keycrmmock.LoadSeed("testdata/seed.csv")
		if err != nil {
			t.Fatal(err)
		}
		wantWarehouses := []keycrmmock.Warehouse{{ID: 1, Name: "Основний склад"}, {ID: 2, Name: "Склад 2"}, {ID: 3, Name: "Склад 3"}}
		if !slices.Equal(st.Warehouses, wantWarehouses) {
			t.Errorf("warehouses %+v", st.Warehouses)
		}
		if len(st.Products) != 2 || st.Products[0].Name != "Футболка M" || len(st.Products[0].Offers) != 2 || st.Products[1].Name != "Чашка" {
			t.Fatalf("products %+v", st.Products)
		}
		tee := st.Products[0].Offers
		if *tee[0].SKU != "TEE-M" || tee[0].Price != dec("399.9") || tee[0].Stock["1"] != (keycrmmock.Stock{Quantity: dec("5"), Reserve: dec("1")}) {
			t.Errorf("TEE-M %+v", tee[0])
		}
		if *tee[1].SKU != "TEE-L" || tee[1].Stock["2"].Quantity != dec("0.5") || len(tee[1].Stock) != 1 {
			t.Errorf("TEE-L %+v", tee[1])
		}
		mug := st.Products[1].Offers[0]
		if len(mug.Stock) != 2 || mug.Stock["1"].Quantity != dec("3") || mug.Stock["3"] != (keycrmmock.Stock{Quantity: dec("7"), Reserve: dec("2")}) {
			t.Errorf("MUG %+v", mug)
		}
		// Served: the CSV quick start works over HTTP too.
		e := start(t, st, setup{})
		p := stocksPage(t, e, "?filter[offers_sku]=MUG&filter[details]=true")
		if p.Data[0].Quantity != dec("10") || p.Data[0].Warehouse[1].Name != "Склад 3" {
			t.Errorf("MUG row %+v", p.Data[0])
		}
	})
	t.Run("json without warehouses gets the main one", func(t *testing.T) {
		st, err := keycrmmock.LoadSeed("testdata/no-warehouses.json")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(st.Warehouses, []keycrmmock.Warehouse{{ID: 1, Name: "Основний склад"}}) || st.Products[0].CurrencyCode != "UAH" {
			t.Fatalf("%+v", st)
		}
		if st.Categories == nil || st.Products[0].Offers[0].Properties == nil {
			t.Fatal("lists left nil")
		}
	})
	t.Run("state of a server equals its loaded seed", func(t *testing.T) {
		for _, path := range []string{"testdata/seed.json", "testdata/seed.csv", "testdata/no-warehouses.json"} {
			st, err := keycrmmock.LoadSeed(path)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := stateJSON(t, keycrmmock.New(st, keycrmmock.Options{}).State()), stateJSON(t, st); a != b {
				t.Errorf("%s:\n%s\nwant\n%s", path, a, b)
			}
		}
	})
	t.Run("bad seeds name the file and the line", func(t *testing.T) {
		dir := t.TempDir()
		for _, tc := range []struct {
			file, content, want string
		}{
			{"syntax.json", "{\n  \"products\": [\n    {\"id\": 1,,}\n  ]\n}", "line 3"},
			{"type.json", "{\n  \"products\": [\n    {\"id\": \"one\"}\n  ]\n}", "line 3"},
			{"unknown.json", "{\n  \"products\": [],\n  \"stocks\": []\n}", `unknown field "stocks"`},
			{"dup.json", `{"products": [{"id": 1, "name": "A", "offers": [{"id": 5}, {"id": 5}]}]}`, "duplicate offer id 5"},
			{"empty.json", "", "empty JSON"},
			{"number.csv", "sku,name,price,quantity\nA,Apple,1,2\nB,Banana,\"1,5\",2\n", `line 3 column "price"`},
			{"negative.csv", "sku,name,price,quantity\nA,Apple,1,-2\n", `line 2 column "quantity"`},
			{"column.csv", "sku,name,price,qty\n", `unknown column "qty"`},
			{"missing.csv", "sku,name,price\nA,Apple,1\n", `missing column "quantity"`},
			{"twice.csv", "sku,name,price,quantity\nA,Apple,1,2\nA,Apple,1,3\n", "line 3"},
			{"conflict.csv", "sku,name,price,quantity\nA,Apple,1,2\nA,Apricot,1,3\n", "line 3"},
			{"warehouse.csv", "sku,name,price,quantity,warehouse_id\nA,Apple,1,2,main\n", `line 2 column "warehouse_id"`},
			{"nosku.csv", "sku,name,price,quantity\n,Apple,1,2\n", `line 2 column "sku"`},
			{"seed.yaml", "products: []", "unknown format"},
		} {
			path := filepath.Join(dir, tc.file)
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := keycrmmock.LoadSeed(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: error %v, want one naming the file and %q", tc.file, err, tc.want)
			}
		}
		if _, err := keycrmmock.LoadSeed(filepath.Join(dir, "absent.json")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("missing file: %v", err)
		}
	})
}

func TestNewPanicsOnInvalidState(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "duplicate product id") {
			t.Fatalf("recovered %v", r)
		}
	}()
	keycrmmock.New(keycrmmock.State{Products: []keycrmmock.Product{{ID: 1, Name: "A"}, {ID: 1, Name: "B"}}}, keycrmmock.Options{})
}

// TestConcurrentWrites runs reads and writes in parallel; with -race it checks
// the locking, and the final state checks that no write was lost.
func TestConcurrentWrites(t *testing.T) {
	e := start(t, catalogue(200), setup{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 25 {
				id := w*50 + i*2 + 1
				body := fmt.Sprintf(`{"warehouse_id": 1, "stocks": [{"id": %d, "quantity": 1000}]}`, id)
				if r, err := e.try("PUT", "/offers/stocks", body); err != nil || r.status != http.StatusAccepted {
					t.Errorf("write %d: %v %d", id, err, r.status)
				}
				if _, err := e.try("GET", "/offers/stocks?limit=50&page="+strconv.Itoa(i%4+1), nil); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	changed := 0
	for _, p := range e.mock.State().Products {
		if p.Offers[0].Stock["1"].Quantity == dec("1000") {
			changed++
		}
	}
	if changed != 100 {
		t.Fatalf("%d offers at 1000, want 100", changed)
	}
}

// TestReadsAnswerWhileHeld checks that a request held by the timeout fault does
// not hold the state lock.
func TestReadsAnswerWhileHeld(t *testing.T) {
	f, _ := keycrmmock.ParseFaults("timeout=1")
	mock := keycrmmock.New(seed(t), keycrmmock.Options{Faults: f})
	ts := httptest.NewServer(mock)
	defer ts.Close()
	held := make(chan error, 1)
	client := &http.Client{Timeout: time.Second}
	go func() {
		req, _ := http.NewRequest("GET", ts.URL+"/v1/offers", nil)
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		held <- err
	}()
	deadline := time.Now().Add(time.Second)
	for mock.Stats().Requests == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if resp, err := http.Get(ts.URL + "/__mock/state"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("admin while a request is held: %v", err)
	} else {
		resp.Body.Close()
	}
	if err := <-held; err == nil {
		t.Fatal("held request was answered")
	}
}
