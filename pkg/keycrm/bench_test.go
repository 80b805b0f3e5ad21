package keycrm

import (
	"encoding/json"
	"os"
	"testing"
)

// BenchmarkDecodeStocksPage decodes one realistic GET /offers/stocks page: 50
// rows with the per-warehouse breakdown, the read a full stock sync repeats
// ceil(N/50) times.
func BenchmarkDecodeStocksPage(b *testing.B) {
	body, err := os.ReadFile("testdata/stocks_page.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var p Page[OfferStock]
		if err := json.Unmarshal(body, &p); err != nil {
			b.Fatal(err)
		}
		if len(p.Data) != PageSize || p.Total != 5399 {
			b.Fatalf("%d rows, total %d", len(p.Data), p.Total)
		}
	}
}
