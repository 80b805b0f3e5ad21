package yml

import (
	"io"
	"strconv"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
)

const (
	benchHeader = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE yml_catalog SYSTEM \"shops.dtd\">\n<yml_catalog date=\"2024-05-01 10:00\">\n<shop>\n<name>Bench</name>\n<currencies><currency id=\"UAH\" rate=\"1\"/></currencies>\n<categories><category id=\"1\">Взуття</category></categories>\n<offers>\n"
	benchFooter = "</offers>\n</shop>\n</yml_catalog>\n"
)

// appendOffer writes the i-th generated Rozetka-style offer: a SKU, a
// Cyrillic name, a stock, a price, a picture and two params.
func appendOffer(b []byte, i int) []byte {
	b = append(b, `<offer id="SHOE-`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `" available="true" group_id="SHOE"><price>`...)
	b = strconv.AppendInt(b, int64(500+i%3000), 10)
	b = append(b, `.50</price><currencyId>UAH</currencyId><categoryId>1</categoryId><picture>https://img.example.com/shoe-`...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, `.jpg</picture><name>Кросівки бігові легкі, розмір `...)
	b = strconv.AppendInt(b, int64(36+i%12), 10)
	b = append(b, `</name><stock_quantity>`...)
	b = strconv.AppendInt(b, int64(i%97), 10)
	b = append(b, `</stock_quantity><param name="Розмір">`...)
	b = strconv.AppendInt(b, int64(36+i%12), 10)
	b = append(b, `</param><param name="Колір">синій</param></offer>`+"\n"...)
	return b
}

// benchOffers is the size of the generated feed the benchmarks read (about
// 8 MB).
const benchOffers = 20_000

// BenchmarkRead measures the reader on 20,000 generated offers
// (go test -bench Read -cpu 1).
func BenchmarkRead(b *testing.B) {
	kittest.Bench(b, Format{}, connector.ReadOptions{}, kittest.Bytes(benchHeader, benchFooter, benchOffers, appendOffer), benchOffers)
}

// BenchmarkReadBaseline walks the same feed's tokens with encoding/xml and
// with xmlscan alone.
func BenchmarkReadBaseline(b *testing.B) {
	kittest.XMLBaselines(b, "feed.yml.xml", kittest.Bytes(benchHeader, benchFooter, benchOffers, appendOffer))
}

// TestMemoryFlat reads 10,000 and 100,000 generated offers: allocation
// per offer and the live heap must not grow with the feed.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() || kittest.RaceEnabled {
		t.Skip("reads 100,000 offers")
	}
	kittest.MemoryFlat(t, Format{}, connector.ReadOptions{}, 10_000, func(n int) io.Reader {
		return kittest.NewGenerator(benchHeader, benchFooter, n, appendOffer)
	})
}
