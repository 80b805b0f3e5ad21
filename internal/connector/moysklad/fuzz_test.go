package moysklad

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
)

// FuzzRead feeds arbitrary bytes to the reader of one file, by article or by
// code: it must never panic, hang or yield an item or problem without its
// position; errors are fine.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"meta":{"href":"https://api.moysklad.ru/api/remap/1.2/report/stock/all?filter=quantityMode=all","size":2,"nextHref":"x"},"rows":[`+"\n"+`{"meta":{"type":"variant"},"article":"A","code":"1","stock":-1.5,"salePrice":100,"product":{"meta":{"href":"p/1"}}},{"meta":{"type":"bundle"},"code":"2"}]}`), false)
	f.Add([]byte(`[{"assortmentId":"x","stock":1},{"storeId":null}]`), true)
	f.Add([]byte(`{"rows":[{"id":"1","article":"A","salePrices":[{"value":"12,5","currency":{"isoCode":"UAH"},"priceType":{"name":"x"}}],"barcodes":[{"ean13":"1"}],"characteristics":[{"name":"a","value":"b"}]}]}`), true)
	f.Fuzz(func(t *testing.T, data []byte, code bool) {
		opt := connector.ReadOptions{Stdin: bytes.NewReader(data), PriceTypes: map[string]string{"purchased_price": "x"}}
		if code {
			opt.Key = "code"
		}
		loc, _ := connector.ParseLocation("-")
		r, err := Format{}.Open(context.Background(), loc, opt)
		if err != nil {
			t.Fatal(err)
		}
		_ = r.Read(context.Background(), kittest.Check{T: t})
		if info := r.Info(); info.Format != "moysklad" || len(info.SHA256) != 64 {
			t.Fatalf("info %+v", info)
		}
	})
}

// FuzzFolder reads a folder of two arbitrary files, as an assortment and a
// report would be: the lookups and the joins must hold up too.
func FuzzFolder(f *testing.F) {
	f.Add([]byte(currentAssortment), []byte(`[{"assortmentId":"12345678-5838-aaeb-0a80-003a003ef439","storeId":"s","stock":4}]`))
	f.Add([]byte(stores), []byte(`{"rows":[{"meta":{"href":"x/12345678-5838-aaeb-0a80-003a003ef439"},"stockByStore":[{"meta":{"href":"s/1"},"name":"Київ","stock":"2"}]}]}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		// os.MkdirTemp rather than t.TempDir, which stalls the fuzzing
		// engine's workers.
		dir, err := os.MkdirTemp("", "moysklad-fuzz")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		kittest.Write(t, dir, "a.json", a)
		kittest.Write(t, dir, "b.json", b)
		loc, _ := connector.ParseLocation(dir)
		r, err := Format{}.Open(context.Background(), loc, connector.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_ = r.Read(context.Background(), kittest.Check{T: t})
		if info := r.Info(); info.Format != "moysklad" {
			t.Fatalf("info %+v", info)
		}
	})
}
