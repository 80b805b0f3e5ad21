package csv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/conformance"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// dialect is one way of writing the demo catalogue as delimited text.
type dialect struct {
	name    string
	ext     string
	comma   string
	crlf    bool
	bom     bool
	cp1251  bool
	headers map[string]string
	render  func(field, v string) string
}

var ukHeaders = map[string]string{
	"sku": "Артикул", "quantity": "Кількість", "warehouse": "Склад", "available": "Наявність", "price": "Ціна, грн",
	"purchased_price": "Закупівельна ціна", "currency": "Валюта", "name": "Назва", "description": "Опис",
	"category": "Категорія", "barcode": "Штрихкод", "weight": "Вага,кг", "length": "Довжина", "width": "Ширина",
	"height": "Висота", "image_url": "Фото", "parent_sku": "Батьківський артикул", "properties": "Характеристики",
}

var enHeaders = map[string]string{
	"sku": "SKU", "quantity": "Stock", "warehouse": "Warehouse", "available": "In stock?", "price": "Regular price",
	"purchased_price": "Purchase price", "currency": "Currency", "name": "Name", "description": "Description",
	"category": "Categories", "barcode": "GTIN, UPC, EAN, or ISBN", "weight": "Weight (kg)", "length": "Length (cm)",
	"width": "Width (cm)", "height": "Height (cm)", "image_url": "Images", "parent_sku": "Parent", "properties": "Properties",
}

// ukRender writes as a Ukrainian Excel or 1C does: decimal comma, no-break
// space between thousands, + and - for availability.
func ukRender(field, v string) string {
	switch field {
	case "quantity", "price", "purchased_price", "weight", "length", "width", "height":
		if v == "1000000" {
			return "1\u00a0000\u00a0000"
		}
		return strings.Replace(v, ".", ",", 1)
	case "available":
		return map[string]string{"yes": "+", "no": "-"}[v]
	case "image_url":
		return strings.Join(strings.Fields(v), ", ")
	}
	return v
}

// wooRender writes as WooCommerce's exporter does: 1 and 0, and a leading
// apostrophe before values that start like a formula.
func wooRender(field, v string) string {
	switch field {
	case "available":
		return map[string]string{"yes": "1", "no": "0"}[v]
	case "image_url":
		return strings.Join(strings.Fields(v), ", ")
	}
	if strings.HasPrefix(v, "-") {
		return "'" + v
	}
	return v
}

var dialects = []dialect{
	{name: "1C windows-1251 semicolon", ext: "csv", comma: ";", crlf: true, cp1251: true, headers: ukHeaders, render: ukRender},
	{name: "WooCommerce utf-8 BOM comma", ext: "csv", comma: ",", bom: true, headers: enHeaders, render: wooRender},
	{name: "TSV", ext: "tsv", comma: "\t", headers: ukHeaders, render: ukRender},
	{name: "pipe", ext: "txt", comma: "|", crlf: true, headers: enHeaders, render: wooRender},
}

func (d dialect) encode(t testing.TB, cols []string, rows []conformance.Row) []byte {
	var b strings.Builder
	nl := "\n"
	if d.crlf {
		nl = "\r\n"
	}
	line := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				b.WriteString(d.comma)
			}
			if strings.ContainsAny(c, d.comma+"\"\r\n") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			b.WriteString(c)
		}
		b.WriteString(nl)
	}
	heads := make([]string, len(cols))
	for i, c := range cols {
		heads[i] = d.headers[c]
	}
	line(heads)
	for _, r := range rows {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = d.render(c, r[c])
		}
		line(cells)
	}
	out := []byte(b.String())
	if d.cp1251 {
		var err error
		if out, err = charmap.Windows1251.NewEncoder().Bytes(out); err != nil {
			t.Fatal(err)
		}
	}
	if d.bom {
		out = append([]byte{0xEF, 0xBB, 0xBF}, out...)
	}
	return out
}

func TestConformance(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			conformance.Run(t, conformance.Case{
				Format: Format{},
				Write: func(t testing.TB, dir string, cols []string, rows []conformance.Row) string {
					p := filepath.Join(dir, "stock."+d.ext)
					if err := os.WriteFile(p, d.encode(t, cols, rows), 0o600); err != nil {
						t.Fatal(err)
					}
					return p
				},
				Row:    func(i int) int { return i + 2 },
				Column: func(f string) string { return d.headers[f] },
			})
		})
	}
}

type collect struct {
	items    []catalog.Item
	problems []catalog.Problem
}

func (c *collect) Item(it *catalog.Item) error { c.items = append(c.items, *it); return nil }
func (c *collect) Problem(p catalog.Problem)   { c.problems = append(c.problems, p) }
func (c *collect) sku(s string) *catalog.Item  { return find(c.items, s) }
func find(items []catalog.Item, s string) *catalog.Item {
	for i := range items {
		if items[i].SKU == s {
			return &items[i]
		}
	}
	return nil
}

// readFile reads a path with the csv format.
func readFile(t *testing.T, path string, opt connector.ReadOptions) (*collect, connector.SourceInfo, error) {
	t.Helper()
	loc, err := connector.ParseLocation(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Format{}.Open(context.Background(), loc, opt)
	if err != nil {
		return nil, connector.SourceInfo{}, err
	}
	defer r.Close()
	c := &collect{}
	err = r.Read(context.Background(), c)
	return c, r.Info(), err
}

// readText reads text given as a string (written to a file, so positions name
// it).
func readText(t *testing.T, text string, opt connector.ReadOptions) (*collect, connector.SourceInfo, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "stock.csv")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return readFile(t, p, opt)
}

func dec(s string) catalog.Num { return catalog.Known(decimal.MustParse(s)) }

func TestSupplierPriceList(t *testing.T) {
	path := testenv.Fixture(t, "csv/avtopro_pricelist_noheader.csv")
	opt := connector.ReadOptions{NoHeader: true, Mapping: map[string]string{"sku": "2", "price": "3", "quantity": "4", "name": "5"}}
	c, info, err := readFile(t, path, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.items) != 209 || len(c.problems) != 0 {
		t.Fatalf("%d items, %d problems; want 209 and 0", len(c.items), len(c.problems))
	}
	first := c.items[0]
	if first.SKU != "68377850AA" || first.Price != dec("16400") || first.Quantity != dec("1") || first.Pos.Row != 1 || first.Pos.File != path {
		t.Errorf("first item %+v", first)
	}
	if !strings.HasPrefix(first.Name, "Радиатор кондиционера") {
		t.Errorf("name %q", first.Name)
	}
	if last := c.items[208]; last.SKU != "171498" || last.Price != dec("3200") || last.Quantity != dec("2") || last.Pos.Row != 209 {
		t.Errorf("last item %+v", last)
	}
	unpriced := 0
	for _, it := range c.items {
		if !it.Price.Known {
			unpriced++
		}
	}
	if unpriced != 2 || c.sku("68084185AA").Price.Known {
		t.Errorf("%d items without a price, want 2 (68084185AA, 6PK2080)", unpriced)
	}
	if info.Encoding != textenc.UTF8 || !reflect.DeepEqual(info.Fields, []string{"sku", "quantity", "price", "name"}) {
		t.Errorf("info %+v", info)
	}

	// The same list saved by Excel in a Ukrainian locale: Windows-1251, no BOM.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := charmap.Windows1251.NewEncoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "pricelist-1251.csv")
	if err := os.WriteFile(p, cp, 0o600); err != nil {
		t.Fatal(err)
	}
	c2, info2, err := readFile(t, p, opt)
	if err != nil {
		t.Fatal(err)
	}
	if info2.Encoding != textenc.Windows1251 || len(info2.Notes) == 0 || !strings.Contains(info2.Notes[0], "windows-1251") {
		t.Errorf("windows-1251 not reported: %+v", info2)
	}
	if len(c2.items) != 209 || c2.items[0].Name != first.Name {
		t.Errorf("windows-1251 copy read %d items, first name %q", len(c2.items), c2.items[0].Name)
	}

	// Without --no-header the first row is no header: the error lists it.
	_, _, err = readFile(t, path, connector.ReadOptions{})
	var nse *fieldmap.NoSKUError
	if !errors.As(err, &nse) || !strings.Contains(err.Error(), `"CHRYSLER", "68377850AA", "16400"`) || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v", err)
	}
}

func TestWooCommerceExport(t *testing.T) {
	path := testenv.Fixture(t, "woocommerce/sample_products.csv")
	c, info, err := readFile(t, path, connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.items) != 25 || len(c.problems) != 0 {
		t.Fatalf("%d items, %d problems; want 25 and 0", len(c.items), len(c.problems))
	}
	for _, it := range c.items {
		if it.Quantity.Known {
			t.Errorf("%s: Stock is empty in the export, read as %v", it.SKU, it.Quantity)
		}
		if it.Available != catalog.FlagYes {
			t.Errorf("%s: In stock? = 1, read as %v", it.SKU, it.Available)
		}
	}
	if it := c.sku("woo-hoodie-with-logo"); it == nil || it.Price != dec("45") || it.Weight != dec("2") || it.Name != "Hoodie with Logo" || it.Pos.Row != 4 {
		t.Errorf("woo-hoodie-with-logo: %+v", it)
	}
	if it := c.sku("woo-vneck-tee"); it == nil || it.Price.Known || it.Weight != dec("0.5") || it.ParentSKU != "" {
		t.Errorf("woo-vneck-tee: %+v", it)
	}
	red := c.sku("woo-vneck-tee-red")
	if red == nil || red.ParentSKU != "woo-vneck-tee" || red.Price != dec("20") ||
		!reflect.DeepEqual(red.Properties, []catalog.Property{{Name: "Color", Value: "Red"}}) {
		t.Errorf("woo-vneck-tee-red: %+v", red)
	}
	if it := c.sku("Woo-tshirt-logo"); it == nil || c.sku("woo-tshirt-logo") != nil {
		t.Error("SKU case not kept")
	}
	if it := c.sku("woo-hoodie"); it == nil || len(it.ImageURLs) != 4 || !strings.HasPrefix(it.ImageURLs[0], "https://") {
		t.Errorf("woo-hoodie images %q", it.ImageURLs)
	}
	want := []string{"sku", "quantity", "available", "price", "name", "description", "category", "weight", "length", "width", "height", "image_url", "parent_sku", "properties"}
	if !reflect.DeepEqual(info.Fields, want) {
		t.Errorf("Fields = %q", info.Fields)
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name string
		text string
		opt  connector.ReadOptions
		// want lists "SKU quantity row" per item; problems "row field error".
		want     []string
		problems []string
	}{
		{name: "quoted fields, escaped quotes, CRLF",
			text: "Артикул;Назва;Кількість\r\n\"A;1\";\"Кабель \"\"USB\"\"\";5\r\nB;x;6\r\n",
			want: []string{"A;1 5 2", "B 6 3"}},
		{name: "embedded new lines move the row numbers",
			text: "sku,name,qty\nA,\"two\nlines\",1\nB,x,2\n",
			want: []string{"A 1 2", "B 2 4"}},
		{name: "more values than the header: an unquoted decimal comma",
			text:     "sku,qty\nA,5,5\nB,3,\n",
			want:     []string{"B 3 3"},
			problems: []string{"2 quantity the row has 3 values, the header 2 columns (a decimal comma in an unquoted number?)"}},
		{name: "CR-only line ends",
			text: "sku;qty\rA;1\rB;2\r",
			want: []string{"A 1 2", "B 2 3"}},
		{name: "last line without a terminator",
			text: "sku;qty\nA;1\nB;2",
			want: []string{"A 1 2", "B 2 3"}},
		{name: "title block and blank lines",
			text: "Залишки товарів на 01.02.2025\n\nТОВ «Ромашка»\nКод товару;Залишок\nA;1\n\n;;\nB;2\n",
			want: []string{"A 1 5", "B 2 8"}},
		{name: "decimal comma and grouping",
			text: "sku;qty;price\nA;1,5;1 234,50\nB;2;\"1,234.50\"\n",
			want: []string{"A 1.5 2", "B 2 3"}},
		{name: "stray text after a quoted field",
			text: "sku,qty\n\"A\"x,1\n",
			want: []string{"Ax 1 2"}},
		{name: "WooCommerce formula escape undone",
			text: "SKU,Stock\n'-5A,'+7\nB,'-5\n",
			want: []string{"-5A 7 2"}, problems: []string{"3 quantity negative quantity"}},
		{name: "formula escape before a tab undone",
			text: "SKU,Stock\n'\tT,1\n",
			want: []string{"T 1 2"}},
		{name: "problems keep the SKU",
			text:     "sku;qty\nA;abc\n;5\n",
			problems: []string{"2 quantity not a number", "3 sku empty SKU"}},
		{name: "a repeated header row is skipped",
			text: "sku;qty\nA;1\nsku;qty\nB;2\n",
			want: []string{"A 1 2", "B 2 4"}},
		{name: "map by header",
			text: "Код постачальника;Кількість;Артикул\nS1;4;X\n",
			opt:  connector.ReadOptions{Mapping: map[string]string{"sku": "Код постачальника"}},
			want: []string{"S1 4 2"}},
		{name: "map second of two columns by number",
			text: "SKU;Qty;Qty\nA;1;2\n",
			opt:  connector.ReadOptions{Mapping: map[string]string{"quantity": "3"}},
			want: []string{"A 2 2"}},
		{name: "forced encoding",
			text: "sku;qty\nA;1\n", opt: connector.ReadOptions{Encoding: "cp1251"},
			want: []string{"A 1 2"}},
		{name: "header only",
			text: "sku;qty\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := readText(t, tt.text, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			var got, probs []string
			for _, it := range c.items {
				got = append(got, strings.Join([]string{it.SKU, it.Quantity.String(), itoa(it.Pos.Row)}, " "))
			}
			for _, p := range c.problems {
				probs = append(probs, strings.Join([]string{itoa(p.Row), p.Field, p.Error}, " "))
			}
			if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(probs, tt.problems) {
				t.Errorf("items %q problems %q\nwant  %q problems %q", got, probs, tt.want, tt.problems)
			}
		})
	}
}

func itoa(n int) string { return decimal.FromInt(int64(n)).String() }

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		text string
		opt  connector.ReadOptions
		want error
		msg  string
	}{
		{name: "no SKU column", text: "Назва;Ціна\nA;1\n", msg: `the headers found (row 1) are "Назва", "Ціна"`},
		{name: "cut inside a quoted field", text: "sku,name\nA,\"unfinished", want: connector.ErrTruncated, msg: "line 2"},
		{name: "cut mid-row", text: "sku;qty;price;name\nA;1;2;x\nB;1", want: connector.ErrTruncated, msg: "line 3"},
		{name: "cut in the first data row", text: "sku;qty;price\nA;1", want: connector.ErrTruncated, msg: "line 2"},
		{name: "NUL bytes", text: "sku;qty\nA;\x00\x00\x01", want: textenc.ErrBinary, msg: "line 2"},
		{name: "an xlsx named .csv", text: "PK\x03\x04\x14\x00\x06\x00", want: connector.ErrNotText, msg: "--format xlsx"},
		{name: "an xls named .csv", text: "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00", want: connector.ErrNotText, msg: "save it as .xlsx"},
		{name: "too many columns", text: "sku" + strings.Repeat(";x", 20000) + "\n", want: connector.ErrTooLarge, msg: "1024 columns"},
		{name: "too many quoted columns", text: "sku" + strings.Repeat(";\"x\"", 2000) + "\n", want: connector.ErrTooLarge, msg: "1024 columns"},
		{name: "a 3 MiB line", text: "sku;name\nA;" + strings.Repeat("x", 3<<20) + "\n", want: connector.ErrTooLarge, msg: "line 2"},
		{name: "invalid utf-8 when forced", text: "sku;name\nA;\xe0\xe1\n", opt: connector.ReadOptions{Encoding: "utf-8"}, want: textenc.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readText(t, tt.text, tt.opt)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "stock.csv") {
				t.Errorf("err = %v; want %v mentioning %q and the file", err, tt.want, tt.msg)
			}
		})
	}
}

// Blank lines read as a source without items, which the empty-source guard
// refuses (exit 3) as it does empty standard input, rather than as an error.
func TestBlankLinesOnly(t *testing.T) {
	c, info, err := readText(t, "\n\r\n\n", connector.ReadOptions{})
	if err != nil || len(c.items) != 0 || len(c.problems) != 0 {
		t.Fatalf("err %v, %d items, %d problems; want none", err, len(c.items), len(c.problems))
	}
	if !slices.Contains(info.Notes, fieldmap.ErrEmpty.Error()) {
		t.Errorf("notes %q do not say the file is empty", info.Notes)
	}
}

func TestOpenErrors(t *testing.T) {
	loc, _ := connector.ParseLocation("stock.csv")
	for _, opt := range []connector.ReadOptions{
		{Sheet: "Price"}, {Key: "code"}, {Encoding: "klingon"},
		{Mapping: map[string]string{"stock": "Залишок"}},
		{NoHeader: true, Mapping: map[string]string{"price": "3"}},
	} {
		if _, err := (Format{}).Open(context.Background(), loc, opt); err == nil {
			t.Errorf("Open accepted %+v", opt)
		}
	}
	loc, _ = connector.ParseLocation(filepath.Join(t.TempDir(), "missing.csv"))
	if _, err := (Format{}).Open(context.Background(), loc, connector.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: %v", err)
	}
}

func TestStdin(t *testing.T) {
	loc, _ := connector.ParseLocation("-")
	var progress []int64
	r, err := Format{}.Open(context.Background(), loc, connector.ReadOptions{
		Stdin:    bytes.NewReader([]byte("sku,qty\nA,1\n")),
		Progress: func(done, total int64) { progress = append(progress, done, total) },
	})
	if err != nil {
		t.Fatal(err)
	}
	c := &collect{}
	if err := r.Read(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if len(c.items) != 1 || c.items[0].Pos.File != "-" {
		t.Errorf("items %+v", c.items)
	}
	if len(progress) < 2 || progress[len(progress)-2] != 12 || progress[len(progress)-1] != -1 {
		t.Errorf("progress %v", progress)
	}
	if sum := sha256.Sum256([]byte("sku,qty\nA,1\n")); r.Info().SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("sha256 %q", r.Info().SHA256)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		sample string
		want   byte
	}{
		{"sku,qty\nA,1\n", ','},
		{"sku;qty;price\nA;1;2,5\nB;3;4,5\n", ';'},
		{"sku;price;qty\nA;2,5;1,5\n", ';'},
		{"A;2,5;1,5\nB;3,5;2,5\n", ';'},
		{"sku\tname\nA\tx, y\n", '\t'},
		{"sku|name\nA|x, y; z\n", '|'},
		{"Title, with a comma\n\nsku;qty\nA;1\nB;2\n", ';'},
		{"sku,name\nA,\"x;y;z\"\n", ','},
		{"sku\nA\n", ','},
	}
	for _, tt := range tests {
		if got, _ := sniff([]byte(tt.sample), true, 0); got != tt.want {
			t.Errorf("sniff(%q) = %q, want %q", tt.sample, got, tt.want)
		}
	}
}

// "1,250" is 1250 or 1.25 depending on how its column writes decimals: the
// column's unambiguous values decide, wherever they stand, and a value the
// column's mark leaves ambiguous is a problem naming the column, never a guess.
func TestAmbiguousThousands(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // "SKU quantity" of the items
		problems   []string // "row column value: error"
	}{
		{name: "dot column", text: "sku;Ціна;Залишок\nA;1,5;12.5\nB;7;1,250\nC;3,5;1.250\n",
			want:     []string{"A 12.5", "C 1.25"},
			problems: []string{`3 Залишок 1,250: ambiguous number: 1250 or 1.25? (the column writes decimals with ".")`}},
		{name: "comma column, mark shown after the ambiguous rows", text: "sku;Залишок\nA;1.250\nB;1,250\nC;12,5\n",
			want:     []string{"B 1.25", "C 12.5"},
			problems: []string{`2 Залишок 1.250: ambiguous number: 1250 or 1.25? (the column writes decimals with ",")`}},
		{name: "thousands shown by a grouped value", text: "sku;Залишок\nA;1,250\nB;1,250,000\n",
			problems: []string{`2 Залишок 1,250: ambiguous number: 1250 or 1.25? (the column writes decimals with ".")`},
			want:     []string{"B 1250000"}},
		{name: "the file's other column decides", text: "sku;Залишок;Ціна\nA;1,250;1 299,50\n",
			want: []string{"A 1.25"}},
		{name: "nothing shows a mark: a lone mark is the decimal mark", text: "sku;Залишок\nA;1,250\nB;5\nC;6.000\n",
			want: []string{"A 1.25", "B 5", "C 6"}},
		{name: "the file's other column shows the other mark", text: "sku;Ціна;Залишок\nA;12.50;1,250\n",
			problems: []string{`2 Залишок 1,250: ambiguous number: 1250 or 1.25? (the file writes decimals with ".")`}},
		{name: "a held row with another problem", text: "sku;Залишок;Ціна\nA;1,250;abc\nB;12.5;1\n",
			want:     []string{"B 12.5"},
			problems: []string{"2 Ціна abc: not a number"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := readText(t, tt.text, connector.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got, probs []string
			for _, it := range c.items {
				got = append(got, it.SKU+" "+it.Quantity.String())
			}
			for _, p := range c.problems {
				probs = append(probs, fmt.Sprintf("%d %s %s: %s", p.Row, p.Column, p.Value, p.Error))
			}
			slices.Sort(got)
			if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(probs, tt.problems) {
				t.Errorf("items %q problems %q\nwant  %q problems %q", got, probs, tt.want, tt.problems)
			}
		})
	}
}
