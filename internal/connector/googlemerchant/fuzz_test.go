package googlemerchant

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
)

// FuzzRead feeds arbitrary bytes to the reader under each key: it must never
// panic, hang or yield an item or problem without its position; errors are
// fine. The committed corpus (testdata/fuzz/FuzzRead) holds RSS, Atom and
// hostile shapes.
func FuzzRead(f *testing.F) {
	f.Add([]byte(rss(`<item><g:id>A</g:id><g:price>14.99 USD</g:price><g:availability>in_stock</g:availability><g:shipping><g:price>1 USD</g:price></g:shipping></item>`)), uint8(0))
	f.Add([]byte(`<feed xmlns:g="http://base.google.com/ns/1.0"><entry><g:id>A</g:id><g:mpn>M</g:mpn><g:quantity>-1</g:quantity><g:product_detail><g:attribute_name>a</g:attribute_name></g:product_detail></entry></feed>`), uint8(1))
	// A code after a no-break space (split as bytes.Fields splits), a lower-case
	// code, a nested value, a product detail's long value.
	f.Add([]byte(rss("<item><g:id>B</g:id><g:price>14.99\u00a0usd</g:price><g:cost_of_goods_sold>usd 5</g:cost_of_goods_sold><g:quantity><b>3</b></g:quantity><g:product_detail><g:attribute_name>n</g:attribute_name><g:attribute_value>"+strings.Repeat("v", 80)+"</g:attribute_value></g:product_detail></item>")), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, key uint8) {
		keys := []string{"", "mpn", "gtin"}
		loc, _ := connector.ParseLocation("-")
		r, err := Format{}.Open(context.Background(), loc, connector.ReadOptions{Stdin: bytes.NewReader(data), Key: keys[int(key)%len(keys)]})
		if err != nil {
			t.Fatal(err)
		}
		_ = r.Read(context.Background(), kittest.Check{T: t})
		if info := r.Info(); info.Format != "google-merchant" || len(info.SHA256) != 64 {
			t.Fatalf("info %+v", info)
		}
	})
}
