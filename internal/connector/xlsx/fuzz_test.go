package xlsx

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

type checkSink struct{ t *testing.T }

func (s checkSink) Item(it *catalog.Item) error {
	if it.SKU == "" || it.Pos.Row < 1 {
		s.t.Fatalf("bad item %+v", it)
	}
	return nil
}

func (s checkSink) Problem(p catalog.Problem) {
	if p.Row < 1 || p.Field == "" || p.Error == "" {
		s.t.Fatalf("problem without a position: %+v", p)
	}
}

func fuzzRead(t *testing.T, data []byte) {
	p := filepath.Join(t.TempDir(), "fuzz.xlsx")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	loc, _ := connector.ParseLocation(p)
	r, err := Format{}.Open(context.Background(), loc, connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_ = r.Read(context.Background(), checkSink{t})
}

// FuzzRead mutates the bytes of small valid workbooks (the seeds in
// testdata/fuzz/FuzzRead): reading must never panic or hang.
func FuzzRead(f *testing.F) {
	f.Add(minimal(f, `<row r="1">`+is("A1", "SKU")+is("B1", "Qty")+`</row><row r="2">`+is("A2", "A")+n("B2", "1")+`</row>`))
	f.Fuzz(fuzzRead)
}

// FuzzSheet fuzzes the sheet XML inside an intact package, where the header
// finder and the cell rules do their work (FuzzRead mostly breaks the ZIP).
func FuzzSheet(f *testing.F) {
	f.Add(`<row r="1">` + is("A1", "Артикул") + is("B1", "Кількість") + `</row><row r="2">` + is("A2", "A") + n("B2", "9.9999999999E-2") + `</row>`)
	f.Add(`<row r="1">` + is("A1", "Код") + is("C1", "Ціна") + `</row><row r="2">` + is("B2", "Київ") + is("C2", "роздрібна") + `</row><row r="9"><c r="A9" t="s"><v>7</v></c><c r="XFD9"><v>1</v></c></row>`)
	f.Fuzz(func(t *testing.T, sheetData string) {
		fuzzRead(t, minimal(t, sheetData))
	})
}
