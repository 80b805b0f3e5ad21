package commerceml

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

// checkSink fails on anything a reader must never produce, whatever the input:
// an item without a SKU or position, a negative quantity, a problem without a
// position, field or error.
type checkSink struct {
	t     *testing.T
	items int
}

func (s *checkSink) Item(it *catalog.Item) error {
	if it.SKU == "" || it.SKU != catalog.NormalizeSKU(it.SKU) || it.Pos.Row < 1 || it.Pos.File == "" ||
		it.Quantity.Known && it.Quantity.V.Sign() < 0 || it.Price.Known && it.Price.V.Sign() < 0 {
		s.t.Fatalf("bad item %+v", it)
	}
	s.items++
	return nil
}

func (s *checkSink) Problem(p catalog.Problem) {
	if p.Row < 1 || p.File == "" || p.Column == "" || p.Field == "" || p.Error == "" {
		s.t.Fatalf("problem without a position: %+v", p)
	}
}

// fuzzKeys are the --key values the fuzzers choose from.
var fuzzKeys = []string{"", keyCode, keyBarcode, keyID}

func fuzzOptions(key uint8) connector.ReadOptions {
	opt := connector.ReadOptions{PerWarehouse: true, Key: fuzzKeys[int(key)%len(fuzzKeys)]}
	if key&4 != 0 {
		opt.PriceTypes = map[string]string{"price": "Роздрібна"}
	}
	return opt
}

func fuzzRead(t *testing.T, loc connector.Location, opt connector.ReadOptions) {
	r, err := Format{}.Open(context.Background(), loc, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_ = r.Read(context.Background(), &checkSink{t: t})
	if info := r.Info(); info.Format != "commerceml" {
		t.Fatalf("info %+v", info)
	}
}

// FuzzRead feeds one document through standard input: reading must never
// panic or hang; errors are fine. Seeds in testdata/fuzz/FuzzRead hold the
// shapes of the real files: namespaces, a byte-order mark, Windows-1251 under
// a UTF-8 declaration, per-warehouse stock, 3.x rests, cut-off and hostile
// documents.
func FuzzRead(f *testing.F) {
	f.Add([]byte(cmlDoc(offersSection(`<ТипыЦен><ТипЦены><Ид>t</Ид><Наименование>Роздрібна</Наименование></ТипЦены></ТипыЦен>`,
		`<Предложение><Ид>p#1</Ид><Артикул>A-1</Артикул><Цены><Цена><ИдТипаЦены>t</ИдТипаЦены><ЦенаЗаЕдиницу>9.5</ЦенаЗаЕдиницу></Цена></Цены><Количество>3</Количество><Склад ИдСклада="w" КоличествоНаСкладе="3"/></Предложение>`))), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, key uint8) {
		opt := fuzzOptions(key)
		opt.Stdin = bytes.NewReader(data)
		loc, _ := connector.ParseLocation("-")
		fuzzRead(t, loc, opt)
	})
}

// FuzzPackage fuzzes a catalogue and an offer file read together as a folder,
// where the join, the sniff and the index do their work.
func FuzzPackage(f *testing.F) {
	imp, off := demoCML(nil).pair()
	f.Add([]byte(imp), []byte(off), uint8(0))
	f.Fuzz(func(t *testing.T, importXML, offersXML []byte, key uint8) {
		dir := t.TempDir()
		for name, b := range map[string][]byte{"import.xml": importXML, "offers.xml": offersXML} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		loc, _ := connector.ParseLocation(dir)
		fuzzRead(t, loc, fuzzOptions(key))
	})
}
