package keycrm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// reply is a canned answer of a test server.
type reply struct {
	status  int
	header  map[string]string
	body    string
	cutTo   int // when > 0, announce the whole body but send only this many bytes
	noCType bool
}

func serve(t *testing.T, r reply) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(keyChecked(t, func(w http.ResponseWriter, _ *http.Request) {
		if !r.noCType {
			w.Header().Set("Content-Type", "application/json")
		}
		for k, v := range r.header {
			w.Header().Set(k, v)
		}
		body := r.body
		if r.cutTo > 0 {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			body = body[:r.cutTo]
		}
		w.WriteHeader(r.status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestErrorDecoding(t *testing.T) {
	fields := map[string][]string{}
	for i := range 10 {
		fields[fmt.Sprintf("stocks.%d.sku", i*5)] = []string{"The selected sku is invalid."}
	}
	many := fmt.Sprintf(`{"message":"The given data was invalid.","errors":%s}`, mustJSON(fields))
	html := "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>"
	tests := []struct {
		name    string
		reply   reply
		put     bool // send PutStocks instead of a page read
		is      error
		as      any
		want    string // the exact message
		retries int
	}{
		{name: "401", reply: reply{status: 401, body: `{"message":"Unauthenticated."}`}, is: ErrUnauthorized,
			want: "GET /offers/stocks: 401 the API key was rejected (Unauthenticated.); set KEYCRM_API_KEY or pass --api-key-file FILE"},
		{name: "404", reply: reply{status: 404, body: `{"message":"Product 9 not found."}`}, is: ErrNotFound,
			want: "GET /offers/stocks: 404 Product 9 not found."},
		{name: "422 with fields", put: true,
			reply: reply{status: 422, body: `{"message":"The given data was invalid.","errors":{"stocks.3.sku":["The selected sku is invalid."]}}`},
			want:  "PUT /offers/stocks: 422 The given data was invalid. (stocks.3.sku: The selected sku is invalid.)"},
		{name: "422 with many fields", put: true, reply: reply{status: 422, body: many},
			want: "PUT /offers/stocks: 422 The given data was invalid. (stocks.0.sku: The selected sku is invalid.; " +
				"stocks.5.sku: The selected sku is invalid.; stocks.10.sku: The selected sku is invalid.; and 7 more)"},
		{name: "422 with a string instead of a list", put: true,
			reply: reply{status: 422, body: `{"message":"Bad.","errors":{"warehouse_id":"unknown"}}`},
			want:  "PUT /offers/stocks: 422 Bad. (warehouse_id: unknown)"},
		{name: "429 after retries", retries: 2, is: ErrRateLimited,
			reply: reply{status: 429, header: map[string]string{"Retry-After": "3"}, body: `{"message":"Too Many Attempts."}`},
			want: "GET /offers/stocks: 429 rate limit hit (Too Many Attempts.); another process may be using the same key, " +
				"or --rate is above the account's limit; gave up after 3 attempts"},
		{name: "500 after retries", retries: 1, reply: reply{status: 500, body: `{"message":"Server Error"}`},
			want: "GET /offers/stocks: 500 Server Error; gave up after 2 attempts"},
		{name: "502 from a proxy", reply: reply{status: 502, body: html, header: map[string]string{"Content-Type": "text/html"}},
			want: `GET /offers/stocks: 502 Bad Gateway (non-JSON text/html body, 76 bytes)`},
		{name: "error without a body", reply: reply{status: 503, noCType: true},
			want: "GET /offers/stocks: 503 Service Unavailable"},
		{name: "redirect", reply: reply{status: 301, header: map[string]string{"Location": "https://u:p@elsewhere.example/v1/offers/stocks?page=1"}},
			want: "GET /offers/stocks: 301 unexpected redirect to https://elsewhere.example/v1/offers/stocks; check the API URL"},
		{name: "html 200", as: new(*DecodeError),
			reply: reply{status: 200, body: "<!DOCTYPE html><html><body>Please log in to the Wi-Fi</body></html>", header: map[string]string{"Content-Type": "text/html; charset=utf-8"}},
			want:  `GET /offers/stocks: 200 response is not JSON (content type text/html; charset=utf-8, 67 bytes)`},
		{name: "invalid JSON 200", as: new(*DecodeError), reply: reply{status: 200, body: `{"data":[{"id":1},`},
			want: `GET /offers/stocks: 200 response is not valid JSON: unexpected end of JSON input`},
		{name: "wrong JSON 200", as: new(*DecodeError), reply: reply{status: 200, body: `{"data":{"id":1}}`},
			want: `GET /offers/stocks: 200 response is malformed: data is object, want an array`},
		{name: "wrong JSON row 200", as: new(*DecodeError), reply: reply{status: 200, body: `{"data":[{"id":"seven"}]}`},
			want: `GET /offers/stocks: 200 response is malformed: data.id is string, want an integer`},
		{name: "null data 200", as: new(*DecodeError), reply: reply{status: 200, body: `{"current_page":1,"data":null,"last_page":1,"next_page_url":null,"total":0}`},
			want: `GET /offers/stocks: 200 response is malformed: data is null or missing, want an array of rows`},
		{name: "no data 200", as: new(*DecodeError), reply: reply{status: 200, body: `{"current_page":1,"last_page":1,"next_page_url":null,"total":0}`},
			want: `GET /offers/stocks: 200 response is malformed: data is null or missing, want an array of rows`},
		{name: "empty 200", as: new(*DecodeError), reply: reply{status: 200},
			want: "GET /offers/stocks: 200 response has an empty body"},
		{name: "truncated 200", as: new(*NetworkError), reply: reply{status: 200, body: `{"data":[],"current_page":1,"next_page_url":null}`, cutTo: 12}},
		{name: "key echoed by a proxy", reply: reply{status: 400, body: `{"message":"bad header Bearer ` + testKey + `"}`},
			want: "GET /offers/stocks: 400 bad header Bearer ****"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, tt.reply)
			opt, _, rec := testOptions(t, srv.URL+"/v1")
			opt.Retries = new(tt.retries)
			c := newTestClient(t, opt)
			var err error
			if tt.put {
				err = c.PutStocks(context.Background(), 1, []StockTarget{{SKU: "A", Quantity: decimal.FromInt(1)}})
			} else {
				_, err = c.StocksPage(context.Background(), StockQuery{}, 1)
			}
			msg := assertErrText(t, err)
			if tt.want != "" && msg != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", msg, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(err, %v) = false", tt.is)
			}
			if tt.as != nil && !errors.As(err, tt.as) {
				t.Errorf("error is %T, want %T", err, tt.as)
			}
			if got := len(rec.all()); got != tt.retries+1 {
				t.Errorf("%d attempts, want %d", got, tt.retries+1)
			}
			if c.Requests() != int64(tt.retries+1) {
				t.Errorf("Requests() = %d, want %d", c.Requests(), tt.retries+1)
			}
		})
	}
}

func TestTruncatedBodyIsRetried(t *testing.T) {
	srv := serve(t, reply{status: 200, body: `{"data":[],"current_page":1,"next_page_url":null}`, cutTo: 12})
	opt, clk, rec := testOptions(t, srv.URL+"/v1")
	opt.Retries = new(2)
	c := newTestClient(t, opt)
	_, err := c.StocksPage(context.Background(), StockQuery{}, 1)
	msg := assertErrText(t, err)
	want := "GET /offers/stocks: connection to " + srv.URL + "/v1 lost: response cut short; gave up after 3 attempts"
	if msg != want {
		t.Errorf("got  %s\nwant %s", msg, want)
	}
	infos := rec.all()
	if len(infos) != 3 || infos[0].Status != 0 || infos[0].Err == nil {
		t.Errorf("attempts: %+v", infos)
	}
	if clk.Slept() < 2*time.Second {
		t.Errorf("no backoff between attempts: slept %s", clk.Slept())
	}
}

func TestAPIErrorIs(t *testing.T) {
	for status, target := range map[int]error{401: ErrUnauthorized, 404: ErrNotFound, 429: ErrRateLimited} {
		e := &APIError{Status: status}
		for _, other := range []error{ErrUnauthorized, ErrNotFound, ErrRateLimited} {
			if got := errors.Is(e, other); got != (other == target) {
				t.Errorf("%d: errors.Is(%v) = %v", status, other, got)
			}
		}
	}
	wrapped := fmt.Errorf("push: %w", &APIError{Status: 401})
	if !errors.Is(wrapped, ErrUnauthorized) {
		t.Error("a wrapped 401 does not match ErrUnauthorized")
	}
}

func TestItemIndexes(t *testing.T) {
	e := &APIError{Status: 422, Fields: map[string][]string{
		"stocks.12.sku": {"x"}, "stocks.3.sku": {"x"}, "stocks.3.quantity": {"y"}, "stocks": {"z"},
		"stocks.x.sku": {"?"}, "offers.1.id": {"w"}, "warehouse_id": {"v"},
	}}
	if got := e.ItemIndexes("stocks"); !reflect.DeepEqual(got, []int{3, 12}) {
		t.Errorf("stocks: %v", got)
	}
	if got := e.ItemIndexes("offers"); !reflect.DeepEqual(got, []int{1}) {
		t.Errorf("offers: %v", got)
	}
	if got := e.ItemIndexes("products"); got != nil {
		t.Errorf("products: %v", got)
	}
}

func TestOneLine(t *testing.T) {
	tests := map[string]string{
		"a\nb\r\n\tc":           "a b c",
		"  lead and trail  ":    "lead and …",
		"  lead and  ":          "lead and",
		"b\x07 \x1b[3m":         "b [3m",
		"bad \xff utf8":         "bad utf8",
		strings.Repeat("я", 20): strings.Repeat("я", 9) + "…",
		strings.Repeat("я", 10): strings.Repeat("я", 10),
	}
	for in, want := range tests {
		if got := oneLine(in, 10); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestNetworkErrorMessages(t *testing.T) {
	const base = "https://openapi.keycrm.app/v1"
	dnsTemp := urlErr(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "server misbehaving", Name: "openapi.keycrm.app", IsTemporary: true}})
	tests := []struct {
		err      error
		attempts int
		want     string
	}{
		{errRefused, 1, "cannot connect to " + base + ": connection refused"},
		{errDNS, 1, "cannot connect to " + base + ": host keycrm.invalid not found"},
		{dnsTemp, 3, "cannot connect to " + base + ": cannot resolve openapi.keycrm.app: server misbehaving; gave up after 3 attempts"},
		{errCert, 1, "cannot connect to " + base + ": certificate rejected: x509: certificate signed by unknown authority"},
		{errTimeout, 6, "GET /offers: no response from " + base + " within 30s; gave up after 6 attempts"},
		{errReset, 2, "GET /offers: connection to " + base + " lost: connection reset by peer; gave up after 2 attempts"},
		{errEOF, 1, "GET /offers: connection to " + base + " lost: server closed the connection"},
		{errOther, 1, "GET /offers: request to " + base + " failed: proxyconnect tcp: something odd"},
	}
	for _, tt := range tests {
		e := &NetworkError{Method: "GET", Path: "/offers", URL: base, Timeout: 30 * time.Second, Attempts: tt.attempts, Err: tt.err}
		if msg := assertErrText(t, e); msg != tt.want {
			t.Errorf("got  %s\nwant %s", msg, tt.want)
		}
		if strings.Contains(e.Error(), "filter") {
			t.Errorf("the query leaked into %q", e.Error())
		}
		if !errors.Is(e, tt.err) {
			t.Errorf("%v does not unwrap to its cause", e)
		}
	}
	if IsUnreachable(&NetworkError{Err: errReset}) || IsUnreachable(errRefused) || !IsUnreachable(fmt.Errorf("x: %w", &NetworkError{Err: errDNS})) {
		t.Error("IsUnreachable misjudges")
	}
}
