package keycrmmock_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/apispec"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrmmock"
)

// writeOps are the write operations whose body decoding FuzzWrite exercises,
// with every status the contract lets them answer to an authenticated client.
var writeOps = []struct {
	method, path string
	statuses     []int
}{
	{"PUT", "/v1/offers/stocks", []int{202, 422}},
	{"PUT", "/v1/offers", []int{202, 422}},
	{"POST", "/v1/products", []int{201, 422}},
	{"POST", "/v1/products/import", []int{201, 422}},
	{"PUT", "/v1/products/1", []int{202, 422}},
	{"PUT", "/v1/products/2", []int{202, 422}},
	{"POST", "/v1/products/1/offers", []int{201, 422}},
	{"POST", "/v1/products/4/offers", []int{201, 422}},
	{"POST", "/v1/products/categories", []int{201, 422}},
}

// FuzzWrite feeds arbitrary bodies to the write endpoints: the answer must be
// a documented status with a body valid against the contract (never a 500 or a
// panic), and a 422 must leave the state untouched.
func FuzzWrite(f *testing.F) {
	seeds := []string{
		`{"warehouse_id": 1, "stocks": [{"sku": "SHOE-42", "quantity": 0.1}, {"id": 20, "quantity": 20.25}]}`,
		`{"warehouse_id": 1, "stocks": [{"sku": "NOPE", "quantity": -1}, {"id": "x"}, 5]}`,
		`{"offers": [{"id": 10, "price": 1899.99}, {"sku": "LACE", "purchased_price": 1e2, "image_url": "x"}]}`,
		`{"name": "Рюкзак", "sku": "LACE", "price": 1, "pictures": ["a"], "category_id": 1, "custom_fields": [{"uuid": "CT_1", "value": ["a"]}]}`,
		`{"products": [{"name": "A"}, {"name": "B", "sku": "B", "currency_code": "USD"}]}`,
		`{"offers": [{"sku": "V", "properties": [{"name": "Size", "value": "M"}, {"name": "", "value": 1}]}]}`,
		`{"name": "Cat", "parent_id": 2}`,
		`{"stocks": null, "offers": {}, "products": "x", "name": null}`,
		`[1, 2]`,
		`{"a":`,
		``,
	}
	for op := range writeOps {
		for _, body := range seeds {
			f.Add(uint8(op), []byte(body))
		}
	}
	st, err := keycrmmock.LoadSeed("testdata/seed.json")
	if err != nil {
		f.Fatal(err)
	}
	v, err := apispec.NewValidator("http://127.0.0.1:1/v1")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		w := writeOps[int(op)%len(writeOps)]
		mock := keycrmmock.New(st, keycrmmock.Options{})
		before := stateJSON(t, mock.State())
		req := httptest.NewRequest(w.method, "http://127.0.0.1:1"+w.path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		mock.ServeHTTP(rec, req)
		if !slices.Contains(w.statuses, rec.Code) {
			t.Fatalf("%s %s %q: status %d, want one of %v; body %s", w.method, w.path, body, rec.Code, w.statuses, rec.Body)
		}
		if err := v.Response(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		if rec.Code == http.StatusUnprocessableEntity && stateJSON(t, mock.State()) != before {
			t.Fatalf("%s %s %q: rejected but the state changed", w.method, w.path, body)
		}
	})
}
