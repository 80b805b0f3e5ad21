package filetarget

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/csv"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/googlemerchant"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/jsonl"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/xlsx"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/yml"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

func dec(s string) decimal.Decimal { return decimal.MustParse(s) }

func price(s string) catalog.Num { return catalog.Known(dec(s)) }

// demoRows are what pull-stock hands a writer: fractional and large stock,
// zero, an unknown price, text with delimiters, quotes and Cyrillic, and text
// a spreadsheet would run as a formula.
var demoRows = []Row{
	{SKU: "SHOE-42", Quantity: dec("7"), Price: price("1299.5"), Currency: "UAH", Name: `Кросівки «Легкість»; 42, "сітка"`, OfferID: 1},
	{SKU: "ROPE-1", Quantity: dec("2.5"), Price: price("35"), Currency: "UAH", Name: "Мотузка, м", OfferID: 2},
	{SKU: "CAP-1", Quantity: dec("0"), Currency: "UAH", Name: "Кепка", OfferID: 3},
	{SKU: "BELT-S", Quantity: dec("1000000"), Price: price("0.01"), Currency: "UAH", Name: "=HYPERLINK(\"http://x\")", OfferID: 4},
	{SKU: "-MINUS", Quantity: dec("1"), Price: price("10"), Currency: "UAH", Name: "@risk +plus", OfferID: 5},
	{SKU: "HAT-1", Quantity: dec("3"), OfferID: 6},
}

// view is what a file keeps of a row, as read back.
type view struct {
	SKU       string
	Quantity  catalog.Num
	Available catalog.Flag
	Price     catalog.Num
	Currency  string
	Name      string
}

// carries says which fields a format keeps; a Google feed states the
// currency only in g:price, so not for a row without a price.
type carries struct{ quantity, available, currency, name, currencyInPrice bool }

func expected(rows []Row, c carries) []view {
	var out []view
	for _, r := range rows {
		v := view{SKU: r.SKU, Price: r.Price}
		if c.quantity {
			v.Quantity = catalog.Known(r.Quantity)
		}
		if c.available {
			v.Available = catalog.FlagNo
			if r.Quantity.Sign() > 0 {
				v.Available = catalog.FlagYes
			}
		}
		if c.currency && (!c.currencyInPrice || r.Price.Known) {
			v.Currency = r.Currency
		}
		if c.name {
			v.Name = r.Name
		}
		out = append(out, v)
	}
	return out
}

type collect struct {
	items    []catalog.Item
	problems []catalog.Problem
}

func (c *collect) Item(it *catalog.Item) error { c.items = append(c.items, *it); return nil }
func (c *collect) Problem(p catalog.Problem)   { c.problems = append(c.problems, p) }

// readBack reads path with a reader of package connector.
func readBack(t *testing.T, path string, f connector.Format, opt connector.ReadOptions) []view {
	t.Helper()
	loc, err := connector.ParseLocation(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.Open(context.Background(), loc, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var c collect
	if err := r.Read(context.Background(), &c); err != nil {
		t.Fatalf("read back %s: %v", path, err)
	}
	if len(c.problems) > 0 {
		t.Fatalf("read back %s: problems %+v", path, c.problems)
	}
	var out []view
	for _, it := range c.items {
		out = append(out, view{SKU: it.SKU, Quantity: it.Quantity, Available: it.Available, Price: it.Price, Currency: it.Currency, Name: it.Name})
	}
	return out
}

var fixedNow = func() time.Time { return time.Date(2026, 12, 7, 3, 40, 0, 0, time.UTC) }

func TestWriteReadsBackIdentically(t *testing.T) {
	tabular := carries{quantity: true, currency: true, name: true}
	cases := []struct {
		name    string
		file    string
		opt     Options
		reader  connector.Format
		read    connector.ReadOptions
		carries carries
	}{
		{"csv", "stock.csv", Options{}, csv.Format{}, connector.ReadOptions{}, tabular},
		{"tsv", "stock.tsv", Options{}, csv.Format{}, connector.ReadOptions{}, tabular},
		{"1c", "stock.csv", Options{Encoding: "windows-1251", Delimiter: ';', DecimalComma: true, Headers: "uk"}, csv.Format{}, connector.ReadOptions{}, tabular},
		{"xlsx", "stock.xlsx", Options{}, xlsx.Format{}, connector.ReadOptions{}, tabular},
		{"xlsx-uk", "stock.xlsx", Options{Headers: "uk"}, xlsx.Format{}, connector.ReadOptions{}, tabular},
		{"jsonl", "stock.jsonl", Options{}, jsonl.Format{}, connector.ReadOptions{}, tabular},
		{"prom", "feed.xml", Options{ShopName: "Магазин & Co"}, yml.Format{}, connector.ReadOptions{}, carries{quantity: true, available: true, currency: true, name: true}},
		{"rozetka", "feed.xml", Options{Dialect: DialectRozetka}, yml.Format{}, connector.ReadOptions{}, carries{quantity: true, available: true, currency: true, name: true}},
		{"epicentr", "feed.xml", Options{Dialect: DialectEpicentr}, yml.Format{}, connector.ReadOptions{}, carries{available: true, name: true}},
		{"google", "google.xml", Options{Format: FormatGoogleMerchant}, googlemerchant.Format{}, connector.ReadOptions{}, carries{available: true, currency: true, currencyInPrice: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.file)
			tc.opt.Now = fixedNow
			if err := Write(context.Background(), path, nil, demoRows, tc.opt); err != nil {
				t.Fatalf("Write: %v", err)
			}
			got := readBack(t, path, tc.reader, tc.read)
			if want := expected(demoRows, tc.carries); !reflect.DeepEqual(got, want) {
				t.Errorf("read back:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestWriteCSVBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "1c.csv")
	rows := []Row{{SKU: "A-1", Quantity: dec("2.5"), Price: price("10"), Name: "Ґудзик"}, {SKU: "=B", Quantity: dec("0")}}
	if err := Write(context.Background(), path, nil, rows, Options{Encoding: "windows-1251", Delimiter: ';', DecimalComma: true}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "sku;quantity;price;name\r\nA-1;2,5;10;\xa5\xf3\xe4\xe7\xe8\xea\r\n'=B;0;;\r\n"
	if string(got) != want {
		t.Errorf("file bytes\n got %q\nwant %q", got, want)
	}
}

func TestWriteStdout(t *testing.T) {
	var out bytes.Buffer
	if err := Write(context.Background(), "-", &out, demoRows[:2], Options{}); err != nil {
		t.Fatal(err)
	}
	want := `{"sku":"SHOE-42","quantity":7,"price":1299.5,"currency":"UAH","name":"Кросівки «Легкість»; 42, \"сітка\""}` + "\n" +
		`{"sku":"ROPE-1","quantity":2.5,"price":35,"currency":"UAH","name":"Мотузка, м"}` + "\n"
	if out.String() != want {
		t.Errorf("stdout\n got %s\nwant %s", out.String(), want)
	}
	out.Reset()
	if err := Write(context.Background(), "-", &out, demoRows[:1], Options{Format: FormatCSV}); err != nil {
		t.Fatal(err)
	}
	if want := "sku,quantity,price,currency,name\nSHOE-42,7,1299.5,UAH,\"Кросівки «Легкість»; 42, \"\"сітка\"\"\"\n"; out.String() != want {
		t.Errorf("stdout csv\n got %q\nwant %q", out.String(), want)
	}
}

func TestWriteYMLShape(t *testing.T) {
	var out bytes.Buffer
	rows := []Row{{SKU: "A&1", Quantity: dec("3"), Price: price("10.5"), Currency: "UAH"}, {SKU: "B", Quantity: dec("0")}}
	if err := Write(context.Background(), "-", &out, rows, Options{Format: FormatYML, Dialect: DialectRozetka, Now: fixedNow}); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<yml_catalog date="2026-12-07 03:40">
  <shop>
    <currencies><currency id="UAH" rate="1"/></currencies>
    <offers>
      <offer id="A&amp;1" available="true">
        <price>10.5</price>
        <currencyId>UAH</currencyId>
        <stock_quantity>3</stock_quantity>
      </offer>
      <offer id="B" available="false">
        <stock_quantity>0</stock_quantity>
      </offer>
    </offers>
  </shop>
</yml_catalog>
`
	if out.String() != want {
		t.Errorf("feed\n%s\nwant\n%s", out.String(), want)
	}
}

func TestWriteRefusesBadRows(t *testing.T) {
	for name, rows := range map[string][]Row{
		"duplicate": {{SKU: "A", OfferID: 1}, {SKU: "B", OfferID: 2}, {SKU: "A", OfferID: 3}},
		"empty SKU": {{SKU: "A", OfferID: 1}, {SKU: "", OfferID: 2}},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "feed.xml")
			writeFile(t, path, "old")
			err := Write(context.Background(), path, nil, rows, Options{})
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("Write = %v, want an error naming the file", err)
			}
			assertIntact(t, path, "old")
		})
	}
}

func TestWriteRefusesUnencodable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "1c.csv")
	writeFile(t, path, "old")
	rows := []Row{{SKU: "A", Name: "ok"}, {SKU: "B", Name: "日本"}}
	err := Write(context.Background(), path, nil, rows, Options{Encoding: "windows-1251"})
	if err == nil || !strings.Contains(err.Error(), `line 3 (SKU "B") column name`) {
		t.Fatalf("Write = %v, want the line and column that cannot be encoded", err)
	}
	assertIntact(t, path, "old")
}

func TestWriteBadOptions(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		dst  string
		opt  Options
		want string
	}{
		{"x.pdf", Options{}, "cannot tell the format"},
		{"x.xls", Options{}, "name it .xlsx"},
		{"x.csv", Options{Format: "parquet"}, `--format "parquet"`},
		{"x.csv", Options{Delimiter: ',', DecimalComma: true}, "decimal comma"},
		{"x.csv", Options{Encoding: "koi8-r"}, "--encoding"},
		{"x.csv", Options{Headers: "fr"}, `headers "fr"`},
		{"x.xml", Options{Dialect: "amazon"}, "--feed-dialect"},
		{"-", Options{Format: FormatXLSX}, "standard output"},
		{".", Options{}, "not a file"},
	} {
		dst := tc.dst
		if dst != "-" {
			dst = filepath.Join(dir, dst)
		}
		err := Write(context.Background(), dst, io.Discard, demoRows, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Write(%s, %+v) = %v, want %q", tc.dst, tc.opt, err, tc.want)
		}
	}
}

func TestWriteFolderErrors(t *testing.T) {
	dir := t.TempDir()
	err := Write(context.Background(), filepath.Join(dir, "missing", "feed.xml"), nil, demoRows, Options{})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing folder: %v", err)
	}
	if os.Geteuid() == 0 {
		return // root writes into read-only folders
	}
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	err = Write(context.Background(), filepath.Join(ro, "feed.xml"), nil, demoRows, Options{})
	if err == nil || !strings.Contains(err.Error(), "no permission") {
		t.Errorf("read-only folder: %v", err)
	}
}

// fullDisk fails with ENOSPC once n bytes were written, as a full disk does.
type fullDisk struct {
	w io.Writer
	n int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) > d.n {
		k, _ := d.w.Write(p[:d.n])
		d.n = 0
		return k, &os.PathError{Op: "write", Path: "tmp", Err: errNoSpace}
	}
	d.n -= len(p)
	return d.w.Write(p)
}

func TestWriteDiskFullKeepsOldFile(t *testing.T) {
	many := make([]Row, 50000)
	for i := range many {
		many[i] = Row{SKU: fmt.Sprintf("SKU-%06d", i), Quantity: dec("5"), Price: price("12.5"), Currency: "UAH"}
	}
	for _, file := range []string{"stock.csv", "stock.xlsx", "feed.xml", "stock.jsonl"} {
		t.Run(file, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, file)
			writeFile(t, path, "old")
			opt := Options{wrap: func(w io.Writer) io.Writer { return &fullDisk{w: w, n: 100 << 10} }}
			err := Write(context.Background(), path, nil, many, opt)
			if err == nil || !strings.Contains(err.Error(), "disk is full") {
				t.Fatalf("Write = %v, want a full disk", err)
			}
			assertIntact(t, path, "old")
		})
	}
}

func TestWriteCancelledKeepsOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stock.csv")
	writeFile(t, path, "old")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Write(ctx, path, nil, demoRows, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write = %v, want context.Canceled", err)
	}
	assertIntact(t, path, "old")
}

func TestWriteKeepsMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feed.xml")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := Write(context.Background(), path, nil, demoRows, Options{}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the old file's 0640", fi.Mode().Perm())
	}
	fresh := filepath.Join(dir, "new.csv")
	if err := Write(context.Background(), fresh, nil, demoRows, Options{}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != newFileMode {
		t.Errorf("new file mode %v (%v), want %v", fi.Mode().Perm(), err, os.FileMode(newFileMode))
	}
	assertNoTemp(t, dir)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// assertIntact checks that path still holds content and that no temporary
// file was left beside it.
func assertIntact(t *testing.T, path, content string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || string(got) != content {
		t.Errorf("%s now holds %q (%v), want the old %q", path, got, err, content)
	}
	assertNoTemp(t, filepath.Dir(path))
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

var errNoSpace = syscall.ENOSPC

func TestWriteThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "feeds", "prom.xml")
	if err := os.Mkdir(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, target, "old")
	link := filepath.Join(dir, "prom.xml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := Write(context.Background(), link, nil, demoRows, Options{Now: fixedNow}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if got, err := os.ReadFile(target); err != nil || !strings.HasPrefix(string(got), "<?xml") {
		t.Errorf("the linked file holds %q (%v), want the feed", got, err)
	}
	assertNoTemp(t, filepath.Dir(target))
}

func TestWriteErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&os.PathError{Op: "open", Path: "/srv/.feed.xml.tmp-1", Err: syscall.EACCES}, "write /srv/feed.xml: no permission to create files in the folder /srv"},
		{&os.PathError{Op: "write", Path: "/srv/.feed.xml.tmp-1", Err: syscall.ENOSPC}, "write /srv/feed.xml: the disk is full; the old file is unchanged"},
		{syscall.EIO, "write /srv/feed.xml: input/output error; the old file is unchanged"},
	} {
		if got := writeError("/srv/feed.xml", "/srv", tc.err).Error(); got != tc.want {
			t.Errorf("writeError(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	dir := t.TempDir()
	notFolder := filepath.Join(dir, "file")
	writeFile(t, notFolder, "x")
	if err := Write(context.Background(), filepath.Join(notFolder, "feed.xml"), nil, demoRows, Options{}); err == nil || !strings.Contains(err.Error(), "is not a folder") {
		t.Errorf("a file as the folder: %v", err)
	}
}

func TestRestore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feed.xml")
	writeFile(t, path, "new")
	if err := Restore(context.Background(), path, strings.NewReader("previous"), Options{}); err != nil {
		t.Fatal(err)
	}
	assertIntact(t, path, "previous")
	opt := Options{wrap: func(w io.Writer) io.Writer { return &fullDisk{w: w, n: 3} }}
	if err := Restore(context.Background(), path, strings.NewReader("longer content"), opt); err == nil {
		t.Fatal("Restore on a full disk succeeded")
	}
	assertIntact(t, path, "previous")
}
