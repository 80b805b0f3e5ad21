package apispec_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/apispec"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
)

func TestEmbeddedCopyIsTheSharedContract(t *testing.T) {
	shared := filepath.Join(testenv.FixturesDir(t), "..", "keycrm", "openapi.yaml")
	want, err := os.ReadFile(shared)
	if err != nil {
		testenv.Skip(t, "shared contract not present: %v", err)
	}
	if !bytes.Equal(want, apispec.Document) {
		t.Fatal("internal/apispec/openapi.yaml differs from shared/keycrm/openapi.yaml: copy it again")
	}
}

func TestLoadValidates(t *testing.T) {
	doc, err := apispec.Load()
	if err != nil {
		t.Fatal(err)
	}
	if doc.Paths.Find("/offers/stocks") == nil {
		t.Fatal("no /offers/stocks in the contract")
	}
}

func TestRequestChecks(t *testing.T) {
	v, err := apispec.NewValidator("http://127.0.0.1:1/v1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, url, body, wantErr string
	}{
		{"good stock read", "GET", "/v1/offers/stocks?limit=50&page=2&filter[details]=true", "", ""},
		{"unknown filter", "GET", "/v1/offers/stocks?filter[sku]=A", "", "filter[sku]"},
		{"limit above 50", "GET", "/v1/offers?limit=51", "", "limit"},
		{"good stock write", "PUT", "/v1/offers/stocks", `{"warehouse_id":1,"stocks":[{"id":1,"quantity":2.5}]}`, ""},
		{"stock write without quantity", "PUT", "/v1/offers/stocks", `{"warehouse_id":1,"stocks":[{"id":1}]}`, "quantity"},
		{"unknown path", "GET", "/v1/warehouses", "", "no operation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "http://127.0.0.1:1"+tt.url, nil)
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			err := v.Request(req, []byte(tt.body))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestResponseChecks(t *testing.T) {
	v, err := apispec.NewValidator("http://127.0.0.1:1/v1")
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "http://127.0.0.1:1/v1/offers/stocks", nil)
	h := http.Header{"Content-Type": {"application/json"}}
	if err := v.Response(req, 200, h, []byte(`{"current_page":1,"data":[{"id":1,"sku":"A","quantity":1.5,"reserve":0}],"next_page_url":null}`)); err != nil {
		t.Fatalf("good page: %v", err)
	}
	if err := v.Response(req, 200, h, []byte(`{"current_page":"one","data":[]}`)); err == nil {
		t.Fatal("bad page accepted")
	}
	if err := v.Response(req, 418, h, []byte(`{}`)); err == nil {
		t.Fatal("undocumented status accepted")
	}
}
