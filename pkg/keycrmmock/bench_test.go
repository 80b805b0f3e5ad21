package keycrmmock_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/pkg/keycrmmock"
)

// BenchmarkStocksPage serves full 50-row stock pages from a 100,000-offer
// catalogue, the read a stock sync of a large account spends its requests on.
func BenchmarkStocksPage(b *testing.B) {
	const offers, limit = 100000, 50
	mock := keycrmmock.New(catalogue(offers), keycrmmock.Options{})
	for _, query := range []string{"", "&filter[details]=true"} {
		b.Run("query="+query, func(b *testing.B) {
			reqs := make([]*http.Request, offers/limit)
			for i := range reqs {
				reqs[i] = httptest.NewRequest("GET", fmt.Sprintf("/v1/offers/stocks?limit=%d&page=%d%s", limit, i+1, query), nil)
				reqs[i].Header.Set("Authorization", "Bearer "+testKey)
			}
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				rec := httptest.NewRecorder()
				mock.ServeHTTP(rec, reqs[n%len(reqs)])
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}
