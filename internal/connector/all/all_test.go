package all

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

type count struct{ items int }

func (c *count) Item(*catalog.Item) error { c.items++; return nil }
func (c *count) Problem(catalog.Problem)  {}

func TestRegistry(t *testing.T) {
	r := Registry()
	if got := r.Names(); !reflect.DeepEqual(got, []string{"csv", "xlsx", "jsonl", "commerceml", "yml", "google-merchant", "moysklad", "woocommerce", "opencart", "prestashop", "sql"}) {
		t.Errorf("Names() = %q", got)
	}
	dir := t.TempDir()
	files := map[string]string{
		"stock.csv":    "sku;qty\nA;1\n",
		"stock.TSV":    "sku\tqty\nA\t1\n",
		"stock.txt":    "sku|qty\nA|1\n",
		"stock.jsonl":  `{"sku": "A", "quantity": 1}` + "\n",
		"stock.ndjson": `{"sku": "A", "quantity": 1}` + "\n",
		"stock.dat":    "sku,qty\nA,1\n",
		"feed.xml":     `<?xml version="1.0" encoding="UTF-8"?><yml_catalog><shop><offers><offer id="A" available="true"><stock_quantity>1</stock_quantity></offer></offers></shop></yml_catalog>`,
		"google.xml":   `<?xml version="1.0"?><rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>A</g:id><g:availability>in stock</g:availability></item></channel></rss>`,
		"report.json":  `{"rows": [{"meta": {"type": "product"}, "article": "A", "code": "1", "stock": 1}]}`,
		"offers.xml":   "\ufeff<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<КоммерческаяИнформация ВерсияСхемы=\"2.07\"><ПакетПредложений><Предложения><Предложение><Ид>1</Ид><Артикул>A</Артикул><Количество>1</Количество></Предложение></Предложения></ПакетПредложений></КоммерческаяИнформация>",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{"stock.csv": "csv", "stock.TSV": "csv", "stock.txt": "csv", "stock.jsonl": "jsonl", "stock.ndjson": "jsonl",
		"feed.xml": "yml", "google.xml": "google-merchant", "report.json": "moysklad", "offers.xml": "commerceml"} {
		rd, err := r.Open(context.Background(), filepath.Join(dir, name), connector.ReadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c := &count{}
		if err := rd.Read(context.Background(), c); err != nil || c.items != 1 || rd.Info().Format != want {
			t.Errorf("%s: %d items, format %q, err %v", name, c.items, rd.Info().Format, err)
		}
		rd.Close()
	}

	// --format overrides detection, also for standard input.
	rd, err := r.Open(context.Background(), filepath.Join(dir, "stock.dat"), connector.ReadOptions{Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	rd.Close()
	rd, err = r.Open(context.Background(), "-", connector.ReadOptions{Format: "csv", Stdin: strings.NewReader("sku\nA\n")})
	if err != nil || rd.Info().Format != "csv" {
		t.Fatalf("stdin as csv: %v", err)
	}
	rd.Close()
	rd, err = r.Open(context.Background(), "-", connector.ReadOptions{Stdin: strings.NewReader(`{"sku":"A"}`)})
	if err != nil || rd.Info().Format != "jsonl" {
		t.Fatalf("stdin: %v", err)
	}
	rd.Close()

	// A folder of CSV files is no package any format reads.
	plain := filepath.Join(dir, "plain")
	if err := os.Mkdir(plain, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(plain, "a.csv"), []byte("sku\nA\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	otherXML := filepath.Join(dir, "catalog.xml")
	if err := os.WriteFile(otherXML, []byte("<?xml version=\"1.0\"?>\n<catalog><item/></catalog>\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noExt := filepath.Join(dir, "stock")
	if err := os.WriteFile(noExt, []byte("sku\nA\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	errs := map[string]struct {
		loc  string
		opt  connector.ReadOptions
		want error
		msg  string
	}{
		"xls":            {"stock.xls", connector.ReadOptions{}, connector.ErrUnsupported, "save it as .xlsx"},
		"ods":            {"stock.ODS", connector.ReadOptions{}, connector.ErrUnsupported, "save it as .xlsx"},
		"unknown ext":    {filepath.Join(dir, "stock.dat"), connector.ReadOptions{}, connector.ErrUnknownFormat, `no format reads ".dat" files (known formats: csv, xlsx, jsonl, commerceml, yml, google-merchant, moysklad, woocommerce, opencart, prestashop, sql; choose one with --format)`},
		"unknown XML":    {otherXML, connector.ReadOptions{}, connector.ErrUnknownFormat, "no format reads an XML document whose root element is <catalog>"},
		"no ext":         {noExt, connector.ReadOptions{}, connector.ErrUnknownFormat, "files without an extension"},
		"directory":      {plain, connector.ReadOptions{}, connector.ErrUnknownFormat, "no format reads a directory"},
		"unknown format": {"stock.csv", connector.ReadOptions{Format: "dbf"}, connector.ErrUnknownFormat, `--format "dbf": unknown format (known formats: csv, xlsx, jsonl, commerceml, yml, google-merchant, moysklad, woocommerce, opencart, prestashop, sql)`},
	}
	for name, tt := range errs {
		_, err := r.Open(context.Background(), tt.loc, tt.opt)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: err = %v, want %v with %q", name, err, tt.want, tt.msg)
		}
	}
	// A shop database is detected by its scheme and connected to; the
	// failure names the location with its password masked.
	_, err = r.Open(context.Background(), "woocommerce://shop:s3cret@127.0.0.1:1/wp?prefix=wp_", connector.ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "connect to woocommerce://shop:****@127.0.0.1:1/wp?prefix=wp_") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("database: err = %v", err)
	}
}

// TestDeclaredSchemes checks that every database scheme a location may have is
// declared by exactly one format, so the registry finds it by scheme alone.
func TestDeclaredSchemes(t *testing.T) {
	want := map[string]string{"woocommerce": "woocommerce", "opencart": "opencart", "prestashop": "prestashop",
		"mysql": "sql", "postgres": "sql", "postgresql": "sql"}
	got := map[string]string{}
	for _, f := range Registry().Formats() {
		sf, ok := f.(connector.SchemeFormat)
		if !ok {
			continue
		}
		for _, s := range sf.Schemes() {
			if prev, dup := got[s]; dup {
				t.Errorf("scheme %s declared by %s and %s", s, prev, f.Name())
			}
			got[s] = f.Name()
			loc, err := connector.ParseLocation(s + "://user@127.0.0.1/db")
			if err != nil {
				t.Errorf("%s: %v", s, err)
			} else if f.Detect(loc, nil) {
				t.Errorf("%s detects %s:// by itself; the registry finds it by its declared scheme", f.Name(), s)
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("declared schemes = %v, want %v", got, want)
	}
}
