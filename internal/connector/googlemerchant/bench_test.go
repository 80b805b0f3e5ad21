package googlemerchant

import (
	"io"
	"strconv"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
)

const (
	benchHeader = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss xmlns:g=\"http://base.google.com/ns/1.0\" version=\"2.0\">\n<channel>\n<title>Bench</title>\n"
	benchFooter = "</channel>\n</rss>\n"
)

// appendItem writes the i-th generated Shopify-style item, shipping group
// included.
func appendItem(b []byte, i int) []byte {
	b = append(b, "<item><g:id>shopify_UA_"...)
	b = strconv.AppendInt(b, int64(1000+i/4), 10)
	b = append(b, '_')
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, "</g:id><g:title>Кросівки бігові легкі</g:title><g:link>https://shop.example.com/p/"...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, "</g:link><g:image_link>https://img.example.com/"...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, ".jpg</g:image_link><g:availability>in stock</g:availability><g:price>"...)
	b = strconv.AppendInt(b, int64(500+i%3000), 10)
	b = append(b, ".99 UAH</g:price><g:brand>Brand</g:brand><g:mpn>MPN-"...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, "</g:mpn><g:item_group_id>"...)
	b = strconv.AppendInt(b, int64(1000+i/4), 10)
	b = append(b, "</g:item_group_id><g:size>42</g:size><g:shipping><g:country>UA</g:country><g:price>0 UAH</g:price></g:shipping></item>\n"...)
	return b
}

// benchItems is the size of the generated feed the benchmarks read.
const benchItems = 20_000

// BenchmarkRead measures the reader on 20,000 generated items
// (go test -bench Read -cpu 1).
func BenchmarkRead(b *testing.B) {
	kittest.Bench(b, Format{}, connector.ReadOptions{}, kittest.Bytes(benchHeader, benchFooter, benchItems, appendItem), benchItems)
}

// BenchmarkReadBaseline walks the same feed's tokens with encoding/xml and
// with xmlscan alone.
func BenchmarkReadBaseline(b *testing.B) {
	kittest.XMLBaselines(b, "feed.google.xml", kittest.Bytes(benchHeader, benchFooter, benchItems, appendItem))
}

// TestMemoryFlat reads 10,000 and 100,000 generated items: allocation per
// item and the live heap must not grow with the feed.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() || kittest.RaceEnabled {
		t.Skip("reads 100,000 items")
	}
	kittest.MemoryFlat(t, Format{}, connector.ReadOptions{}, 10_000, func(n int) io.Reader {
		return kittest.NewGenerator(benchHeader, benchFooter, n, appendItem)
	})
}
