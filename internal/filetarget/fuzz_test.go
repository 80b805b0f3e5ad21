package filetarget

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

var fuzzValues = values("A", "5", "B", "2.5", "Ж", "0")

// FuzzUpdateCSV feeds Update arbitrary delimited text (see checkUpdate).
func FuzzUpdateCSV(f *testing.F) {
	for _, seed := range []string{
		"sku,quantity\nA,1\nB,2\n",
		"\ufeffID,SKU,Stock\n1,A,'-5\n2,\"B\",\"3\"\n3,Ж,\n",
		"Артикул;Залишок\r\nA;1,5\r\nB\r\n",
		"sku\tqty\n\"A\nB\"\t1\nA\t\n",
		"title\n\nsku,qty,x\nA,1,\"unterminated\n",
		"sku,qty\nA,1\nA,2\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkUpdate(t, "f.csv", data, fuzzValues) })
}

// FuzzUpdateYML feeds Update arbitrary XML (see checkUpdate).
func FuzzUpdateYML(f *testing.F) {
	f.Add([]byte(promFeed))
	f.Add([]byte(`<yml_catalog><offers><offer id="A" available="true"><stock_quantity/></offer><offer id="B"></offer></offers></yml_catalog>`))
	f.Add([]byte("\ufeff<yml_catalog><shop><offers>\n  <offer id='Ж' available='false'>\n    <quantity>1</quantity>\n  </offer>\n</offers></shop></yml_catalog>"))
	f.Fuzz(func(t *testing.T, data []byte) { checkUpdate(t, "f.xml", data, fuzzValues) })
}

// checkUpdate runs Update on data: it must never panic, must leave a file it
// refuses or need not change as it was, and what it writes must hold the new
// values, so that a second run changes nothing.
func checkUpdate(t *testing.T, name string, data []byte, vals map[string]decimal.Decimal) {
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Update(context.Background(), path, vals, Options{})
	if err != nil || len(res.Changed) == 0 {
		if got, rerr := os.ReadFile(path); rerr != nil || string(got) != string(data) {
			t.Fatalf("the file changed although nothing was written (err %v)", err)
		}
		return
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(data) && utf8.Valid(after) {
		// The rewritten cell held the file's only non-UTF-8 bytes: the next
		// run rightly reads the file as UTF-8, and other SKUs decode
		// differently.
		return
	}
	again, err := Update(context.Background(), path, vals, Options{DryRun: true})
	if err != nil {
		t.Fatalf("the updated file cannot be updated again: %v", err)
	}
	if len(again.Changed) > 0 {
		t.Fatalf("a second run would change %+v", again.Changed)
	}
}
