package yml

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
)

// FuzzRead feeds arbitrary bytes to the reader under each kind of key: it
// must never panic, hang or yield an item or problem without its position;
// errors are fine. The committed corpus (testdata/fuzz/FuzzRead) holds the
// dialects and the hostile shapes of the tests.
func FuzzRead(f *testing.F) {
	f.Add([]byte(feed(`<offer id="A" available="true" group_id="G"><stock_quantity>1,5</stock_quantity><price>10</price><param name="Артикул">P</param><picture>u1; u2</picture></offer>`)), uint8(0))
	f.Add([]byte("<yml_catalog><offers><offer id=\"1\"><name lang=\"ua\">x</name><vendorCode>V</vendorCode><quantity>-1</quantity></offer></offers></yml_catalog>"), uint8(1))
	// Plain numbers and their neighbours (read without numparse or not), a
	// param value past the interned length, a nested value copied whole.
	f.Add([]byte(feed(`<offer id="A"><price>0.5</price><quantity>007</quantity><purchase_price>1.250</purchase_price><param name="Опис" unit="шт">`+strings.Repeat("д", 40)+`</param><description>a<b>b</b></description></offer>`)), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, key uint8) {
		keys := []string{"", "vendorCode", "param:Артикул", "article"}
		loc, _ := connector.ParseLocation("-")
		r, err := Format{}.Open(context.Background(), loc, connector.ReadOptions{Stdin: bytes.NewReader(data), Key: keys[int(key)%len(keys)]})
		if err != nil {
			t.Fatal(err)
		}
		_ = r.Read(context.Background(), kittest.Check{T: t})
		if info := r.Info(); info.Format != "yml" || len(info.SHA256) != 64 {
			t.Fatalf("info %+v", info)
		}
	})
}
