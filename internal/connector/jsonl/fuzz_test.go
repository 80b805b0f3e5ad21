package jsonl

import (
	"bytes"
	"context"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

type checkSink struct{ t *testing.T }

func (s checkSink) Item(it *catalog.Item) error {
	if it.SKU == "" || it.Pos.Row < 1 || len(it.ImageURLs) > catalog.MaxImages {
		s.t.Fatalf("bad item %+v", it)
	}
	return nil
}

func (s checkSink) Problem(p catalog.Problem) {
	if p.Row < 1 || p.Field == "" || p.Column == "" || p.Error == "" {
		s.t.Fatalf("problem without a position: %+v", p)
	}
}

// FuzzRead feeds arbitrary bytes to the reader: no panics, no hangs.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"sku": "A", "quantity": "1 234,5", "available": true, "image_url": ["x"], "properties": {"a": 1}}` + "\n"))
	f.Add([]byte(`{"sku": 5, "properties": [{"name": "a", "value": "b"}, "c=d"], "price": 1e400}` + "\n{\"sku\":"))
	f.Fuzz(func(t *testing.T, data []byte) {
		loc, _ := connector.ParseLocation("-")
		r, err := Format{}.Open(context.Background(), loc, connector.ReadOptions{Stdin: bytes.NewReader(data)})
		if err != nil {
			t.Fatal(err)
		}
		_ = r.Read(context.Background(), checkSink{t})
	})
}
