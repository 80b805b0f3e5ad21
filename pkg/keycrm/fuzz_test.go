package keycrm

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// FuzzDecodePage feeds arbitrary bodies to the page decoders of every list
// endpoint. Decoding may fail but never panics, and whatever decodes survives a
// round trip: re-encoding is stable after one pass.
func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"current_page":1,"data":[],"next_page_url":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		roundTrip[Page[OfferStock]](t, body)
		roundTrip[Page[Offer]](t, body)
		roundTrip[Page[Product]](t, body)
		roundTrip[Page[Category]](t, body)
	})
}

func roundTrip[T any](t *testing.T, body []byte) {
	var v T
	if json.Unmarshal(body, &v) != nil {
		return
	}
	once, err := json.Marshal(v)
	if err != nil {
		return // a value outside what KeyCRM can send, e.g. a year past 9999
	}
	var w T
	if err := json.Unmarshal(once, &w); err != nil {
		t.Fatalf("re-decoding %s: %v", once, err)
	}
	twice, err := json.Marshal(w)
	if err != nil || !bytes.Equal(once, twice) {
		t.Fatalf("round trip is not stable:\n%s\n%s (%v)", once, twice, err)
	}
}

// FuzzErrorBody checks the messages built from any answer: never a panic,
// always one line, never the key.
func FuzzErrorBody(f *testing.F) {
	f.Add(422, "application/json", []byte(`{"message":"The given data was invalid.","errors":{"stocks.0.sku":["bad"]}}`))
	c, err := New(Options{BaseURL: "http://127.0.0.1:1/v1", APIKey: testKey})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		cl := &call{method: http.MethodGet, path: "/offers/stocks", out: new(Page[OfferStock])}
		a := answer{status: status, contentType: contentType, header: http.Header{"Content-Type": {contentType}}, body: body}
		err := c.failure(cl, a)
		if err == nil {
			err = c.decode(cl, a)
		}
		if err == nil {
			return
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\r\n") {
			t.Fatalf("message on several lines: %q", msg)
		}
		for i := 0; i+8 <= len(testKey); i++ {
			if strings.Contains(msg, testKey[i:i+8]) {
				t.Fatalf("message holds %q of the key: %q", testKey[i:i+8], msg)
			}
		}
	})
}
