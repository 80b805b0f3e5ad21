package csv

import (
	"bytes"
	"context"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

// checkSink fails on anything a reader must never produce, whatever the input.
type checkSink struct {
	t     *testing.T
	items int
}

func (s *checkSink) Item(it *catalog.Item) error {
	if it.SKU == "" || it.SKU != catalog.NormalizeSKU(it.SKU) || it.Pos.Row < 1 || it.Quantity.Known && it.Quantity.V.Sign() < 0 {
		s.t.Fatalf("bad item %+v", it)
	}
	s.items++
	return nil
}

func (s *checkSink) Problem(p catalog.Problem) {
	if p.Row < 1 || p.Field == "" || p.Error == "" || p.File != "-" {
		s.t.Fatalf("problem without a position: %+v", p)
	}
}

// FuzzRead feeds arbitrary bytes to the reader: it must never panic or hang;
// errors are fine. noHeader switches to numbered columns.
func FuzzRead(f *testing.F) {
	f.Add([]byte("Артикул;Кількість;Ціна\r\nA-1;5;1 234,50\r\n\"B;2\";\"1\"\"\";x\r\n"), false)
	f.Add([]byte("sku,qty\n\"A\nB\",1\n'-5,'=2\n"), false)
	f.Add([]byte("CHRYSLER;68377850AA;16400;1;Радіатор\r\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, noHeader bool) {
		opt := connector.ReadOptions{Stdin: bytes.NewReader(data)}
		if noHeader {
			opt.NoHeader = true
			opt.Mapping = map[string]string{"sku": "2", "price": "3", "quantity": "4", "name": "5"}
		}
		loc, _ := connector.ParseLocation("-")
		r, err := Format{}.Open(context.Background(), loc, opt)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		_ = r.Read(context.Background(), &checkSink{t: t})
		if info := r.Info(); info.Format != "csv" || len(info.SHA256) != 64 {
			t.Fatalf("info %+v", info)
		}
	})
}
