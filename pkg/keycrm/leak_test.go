package keycrm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// leakKey holds "/" and "+", which JSON, URLs and HTML each escape their own way.
const leakKey = "SeCrEtKeY/Ab+Cd=Ef7Q2w/Zx+Lm9Pq"

// leaks lists the forms of leakKey fragments found in text. It is written apart
// from the redactor on purpose: every 8-byte window of the key, raw and escaped
// the ways an echoing server writes it.
func leaks(text string) []string {
	var found []string
	for i := 0; i+8 <= len(leakKey); i++ {
		g := leakKey[i : i+8]
		forms := []string{g, strings.ReplaceAll(g, "/", `\/`), strings.ReplaceAll(g, "/", `\u002f`),
			url.QueryEscape(g), url.PathEscape(g), strings.ReplaceAll(url.QueryEscape(g), "%", "%25")}
		for _, f := range forms {
			if strings.Contains(text, f) {
				found = append(found, f)
			}
		}
	}
	return found
}

// echoServer reflects the request's headers back the way a misconfigured proxy
// or debug page does, one way per path.
func echoServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		hdr, err := json.Marshal(r.Header)
		if err != nil {
			t.Error(err)
		}
		php := strings.ReplaceAll(string(hdr), "/", `\/`) // PHP's json_encode escapes slashes
		page := r.URL.Query().Get("page")
		w.Header().Set("Content-Type", "application/json")
		switch page {
		case "1": // the key straddles the point where a message is cut
			pad := strings.Repeat("x", 300-len("upstream refused: Authorization: Bearer SeCrEtKeY/Ab+C"))
			writeJSONBody(t, w, 400, map[string]any{"message": "upstream refused: " + pad + " Authorization: " + auth})
		case "2": // the headers as PHP writes them, inside the message
			writeJSONBody(t, w, 500, map[string]any{"message": "upstream said " + php})
		case "3": // a 422 whose field names and messages quote the header, URL-encoded
			writeJSONBody(t, w, 422, map[string]any{"message": "invalid", "errors": map[string]any{
				"header." + url.QueryEscape(auth): []string{"bad token " + url.QueryEscape(strings.TrimPrefix(auth, "Bearer "))}}})
		case "4": // a 200 HTML debug page listing the headers
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(200)
			fmt.Fprintf(w, "<html><pre>Authorization: %s\n%s</pre></html>", strings.ReplaceAll(auth, "/", "&#47;"), hdr)
		case "5": // a 502 HTML page
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprintf(w, "<html><body>%s</body></html>", hdr)
		case "6": // JSON cut short right after echoing the key
			w.WriteHeader(200)
			fmt.Fprintf(w, `{"data":[{"id":1,"sku":"%s`, auth)
		case "7": // not HTTP at all: a status line quoting the header
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			fmt.Fprintf(conn, "HTTP/1.1 %s\r\n\r\n", auth)
			_ = conn.Close()
		default: // a 401 naming the token it refused
			writeJSONBody(t, w, 401, map[string]any{"message": "token " + strings.TrimPrefix(auth, "Bearer ") + " is not valid"})
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func writeJSONBody(t *testing.T, w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		t.Error(err)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// TestEchoedKeyNeverLeaks reads each echoing page and checks the error text (what
// the CLI prints and the journal keeps) and every -v report for any part of the
// key, raw or escaped.
func TestEchoedKeyNeverLeaks(t *testing.T) {
	srv := echoServer(t)
	for page := 1; page <= 8; page++ {
		t.Run(fmt.Sprint("page ", page), func(t *testing.T) {
			opt, _, rec := testOptions(t, srv.URL+"/v1")
			opt.APIKey = leakKey
			opt.Retries = new(0)
			c := newTestClient(t, opt)
			_, err := c.StocksPage(context.Background(), StockQuery{}, page)
			if err == nil {
				t.Fatal("want an error")
			}
			texts := []string{err.Error(), fmt.Sprintf("%+v %#v", err, err)}
			var ae *APIError
			if errors.As(err, &ae) {
				texts = append(texts, fmt.Sprint(ae.Fields))
			}
			for _, info := range rec.all() {
				texts = append(texts, fmt.Sprintf("%+v %v", info, info.Err))
			}
			for _, text := range texts {
				if found := leaks(text); len(found) > 0 {
					t.Errorf("key fragments %q in %s", found, text)
				}
			}
		})
	}
}

// TestOnlyTheMessageIsKept checks that a server's own words reach the error only
// through the message and field errors, never as a quoted body.
func TestOnlyTheMessageIsKept(t *testing.T) {
	srv := serve(t, reply{status: 400, body: `{"message":"Bad input.","trace":"SECRET-TRACE at Handler.php:12"}`})
	opt, _, _ := testOptions(t, srv.URL+"/v1")
	opt.Retries = new(0)
	c := newTestClient(t, opt)
	err := c.PutStocks(context.Background(), 1, []StockTarget{{SKU: "A", Quantity: decimal.FromInt(1)}})
	msg := assertErrText(t, err)
	if want := "PUT /offers/stocks: 400 Bad input."; msg != want {
		t.Errorf("error %q, want %q", msg, want)
	}
	if !errors.As(err, new(*APIError)) {
		t.Errorf("error is %T", err)
	}
}
