// Package conformance is the test suite every source format runs: the same
// small demo catalogue, written in the format by the format's own test, must
// read back as the same items and problems — unknown fields unknown, problems
// with their row and column, every row yielded (duplicates are the planner's
// business) — and every reader must stop on cancellation and on a sink error,
// and describe the source completely once Read returns.
package conformance

import (
	"cmp"
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

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Row is one row of the demo catalogue: canonical field → value in canonical
// text. Numbers are plain decimals, available is "yes" or "no", image_url
// lists URLs separated by spaces and properties is "Name=Value; Name=Value".
// A writer renders them as its format does ("1299,5", "+", a JSON array).
type Row map[string]string

// Images returns the row's image URLs.
func (r Row) Images() []string {
	if strings.TrimSpace(r[catalog.FieldImageURL]) == "" {
		return nil
	}
	return strings.Fields(r[catalog.FieldImageURL])
}

// Properties returns the row's properties in order.
func (r Row) Properties() []catalog.Property {
	var props []catalog.Property
	for _, p := range strings.Split(r[catalog.FieldProperties], ";") {
		if name, value, ok := strings.Cut(strings.TrimSpace(p), "="); ok {
			props = append(props, catalog.Property{Name: name, Value: value})
		}
	}
	return props
}

// Columns lists the fields the rows use, in catalog order: a writer writes one
// column (or key) for each.
func Columns(rows []Row) []string {
	var cols []string
	for _, f := range catalog.Fields {
		for _, r := range rows {
			if _, ok := r[f]; ok {
				cols = append(cols, f)
				break
			}
		}
	}
	return cols
}

// Demo is the catalogue every format writes. It has every field, fractional
// and large quantities, text with delimiters and quotes, a SKU with spaces to
// trim, a row with nothing but its SKU, a duplicate, and three problem rows.
var Demo = []Row{
	{"sku": "SHOE-42", "quantity": "7", "warehouse": "Київ", "available": "yes", "price": "1299.5", "purchased_price": "800",
		"currency": "UAH", "name": "Кросівки «Легкість», 42", "description": `Легкі; дихаючі, "сітка" | ремінці`,
		"category": "Взуття", "barcode": "4820000000421", "weight": "0.85", "length": "30", "width": "20", "height": "12",
		"image_url":  "https://img.example.com/shoe-42a.jpg https://img.example.com/shoe-42b.jpg",
		"parent_sku": "SHOE", "properties": "Розмір=42; Колір=синій"},
	{"sku": "SHOE-43", "quantity": "2.5", "warehouse": "Київ", "available": "no", "price": "1299.5", "currency": "UAH",
		"name": "Кросівки «Легкість», 43", "parent_sku": "SHOE", "properties": "Розмір=43"},
	{"sku": " CAP-1 ", "quantity": "0", "warehouse": "Львів", "price": "", "name": "Кепка"},
	{"sku": "BELT-S", "quantity": "1000000", "price": "0.01", "name": "Ремінь"},
	{"sku": "HAT-1"},
	{"sku": "CAP-1", "quantity": "3", "warehouse": "Львів", "name": "Кепка"},
	{"sku": "BAD-1", "quantity": "abc", "name": "Поганий рядок"},
	{"sku": "NEG-1", "quantity": "-3"},
	{"sku": "", "quantity": "5", "name": "Без артикула"},
	{"sku": "LAST-1", "quantity": "1", "price": "10"},
}

// Case describes a format under test.
type Case struct {
	// Format is the format under test.
	Format connector.Format
	// Fields are the canonical fields the format can carry; nil means all.
	// Demo values of other fields are neither written nor expected.
	Fields []string
	// Write writes rows in the format into dir, with one column (or key) for
	// each of cols (canonical fields, in catalog order; a row lacking one has
	// it empty), and returns the location to read.
	Write func(t testing.TB, dir string, cols []string, rows []Row) string
	// Row is the row (or line) the i-th written row is read from.
	Row func(i int) int
	// Column is the column (header, key) a problem in field names.
	Column func(field string) string
	// Options are passed to Open.
	Options connector.ReadOptions
}

// problemRows are the Demo rows that are problems, with the problem expected.
var problemRows = map[int]catalog.Problem{
	6: {Field: "quantity", SKU: "BAD-1", Value: "abc", Error: "not a number"},
	7: {Field: "quantity", SKU: "NEG-1", Value: "-3", Error: "negative quantity"},
	8: {Field: "sku", SKU: "", Value: "", Error: "empty SKU"},
}

// Run runs the suite.
func Run(t *testing.T, c Case) {
	demo := c.demo(Demo)
	cols := Columns(demo)
	t.Run("Demo", func(t *testing.T) {
		loc := c.Write(t, t.TempDir(), cols, demo)
		items, problems, r, err := c.read(t, context.Background(), loc, nil)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		want, wantProblems := c.expect(loc, demo)
		if len(items) != len(want) {
			t.Errorf("read %d items, want %d (every valid row, duplicates included)", len(items), len(want))
		}
		for i := range min(len(items), len(want)) {
			// Where the warehouse was read is each format's own name for it;
			// the suite asks only that it be said.
			if items[i].Warehouse != "" && items[i].WarehouseColumn == "" {
				t.Errorf("item %d: warehouse %q without the column it was read from", i, items[i].Warehouse)
			}
			items[i].WarehouseColumn = ""
			if !reflect.DeepEqual(items[i], want[i]) {
				t.Errorf("item %d:\n got %s\nwant %s", i, show(items[i]), show(want[i]))
			}
		}
		slices.SortFunc(problems, func(a, b catalog.Problem) int { return cmp.Compare(a.Row, b.Row) })
		if !reflect.DeepEqual(problems, wantProblems) {
			t.Errorf("problems:\n got %+v\nwant %+v", problems, wantProblems)
		}
		info := r.Info()
		if info.Format != c.Format.Name() {
			t.Errorf("Info().Format = %q, want %q", info.Format, c.Format.Name())
		}
		if want := fileDigest(t, loc); want != "" && info.SHA256 != want {
			t.Errorf("Info().SHA256 = %q, want the digest of the file %q", info.SHA256, want)
		}
		if !reflect.DeepEqual(info.Fields, cols) {
			t.Errorf("Info().Fields = %q, want %q", info.Fields, cols)
		}
	})
	t.Run("UnknownStaysUnknown", func(t *testing.T) {
		loc := c.Write(t, t.TempDir(), cols, []Row{{"sku": "ONLY-SKU"}})
		items, problems, _, err := c.read(t, context.Background(), loc, nil)
		if err != nil || len(items) != 1 || len(problems) > 0 {
			t.Fatalf("items %v, problems %v, err %v", items, problems, err)
		}
		want := catalog.Item{SKU: "ONLY-SKU", Pos: catalog.Position{File: loc, Row: c.Row(0)}}
		if !reflect.DeepEqual(items[0], want) {
			t.Errorf("a row with only a SKU read as %s", show(items[0]))
		}
	})
	t.Run("NoRows", func(t *testing.T) {
		loc := c.Write(t, t.TempDir(), cols, nil)
		items, problems, _, err := c.read(t, context.Background(), loc, nil)
		if err != nil || len(items) > 0 || len(problems) > 0 {
			t.Errorf("a source without rows read as %d items, %d problems, err %v; want nothing and no error", len(items), len(problems), err)
		}
	})
	t.Run("Cancel", func(t *testing.T) {
		rows := many(demo[0], 20000)
		loc := c.Write(t, t.TempDir(), cols, rows)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		items, _, _, err := c.read(t, ctx, loc, func(catalog.Item) error { cancel(); return nil })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Read after cancel returned %v, want context.Canceled", err)
		}
		if len(items) > len(rows)/2 {
			t.Errorf("Read delivered %d of %d items after the context was cancelled", len(items), len(rows))
		}
	})
	t.Run("SinkError", func(t *testing.T) {
		loc := c.Write(t, t.TempDir(), cols, many(demo[0], 100))
		stop := errors.New("enough")
		n := 0
		items, _, _, err := c.read(t, context.Background(), loc, func(catalog.Item) error {
			if n++; n == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || len(items) != 3 {
			t.Errorf("Read returned %v after %d items, want the sink's error after 3", err, len(items))
		}
	})
	t.Run("MissingFile", func(t *testing.T) {
		loc := filepath.Join(t.TempDir(), "missing")
		if ext := filepath.Ext(c.Write(t, t.TempDir(), cols, demo[:1])); ext != "" {
			loc += ext
		}
		_, _, _, err := c.read(t, context.Background(), loc, nil)
		if err == nil || !strings.Contains(err.Error(), loc) {
			t.Errorf("reading a missing file: %v, want an error naming it", err)
		}
	})
}

// demo drops the fields the format cannot carry.
func (c Case) demo(rows []Row) []Row {
	if c.Fields == nil {
		return rows
	}
	out := make([]Row, len(rows))
	for i, r := range rows {
		out[i] = Row{}
		for f, v := range r {
			if f == catalog.FieldSKU || slices.Contains(c.Fields, f) {
				out[i][f] = v
			}
		}
	}
	return out
}

func many(r Row, n int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{}
		for f, v := range r {
			rows[i][f] = v
		}
		rows[i]["sku"] = fmt.Sprintf("ITEM-%06d", i)
	}
	return rows
}

type sink struct {
	items    []catalog.Item
	problems []catalog.Problem
	onItem   func(catalog.Item) error
}

func (s *sink) Item(it *catalog.Item) error {
	s.items = append(s.items, *it)
	if s.onItem != nil {
		return s.onItem(*it)
	}
	return nil
}

func (s *sink) Problem(p catalog.Problem) { s.problems = append(s.problems, p) }

func (c Case) read(t testing.TB, ctx context.Context, location string, onItem func(catalog.Item) error) ([]catalog.Item, []catalog.Problem, connector.Reader, error) {
	t.Helper()
	loc, err := connector.ParseLocation(location)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Format.Open(ctx, loc, c.Options)
	if err != nil {
		return nil, nil, nil, err
	}
	defer r.Close()
	s := &sink{onItem: onItem}
	err = r.Read(ctx, s)
	return s.items, s.problems, r, err
}

// expect builds the items and problems the rows must read as.
func (c Case) expect(loc string, rows []Row) ([]catalog.Item, []catalog.Problem) {
	var items []catalog.Item
	var problems []catalog.Problem
	for i, r := range rows {
		if p, bad := problemRows[i]; bad {
			p.File, p.Row, p.Column = loc, c.Row(i), c.Column(p.Field)
			problems = append(problems, p)
			continue
		}
		it := catalog.Item{
			SKU: strings.TrimSpace(r["sku"]), Warehouse: r["warehouse"], Currency: r["currency"], Name: r["name"],
			Description: r["description"], Category: r["category"], Barcode: r["barcode"], ParentSKU: r["parent_sku"],
			Quantity: num(r["quantity"]), Price: num(r["price"]), PurchasedPrice: num(r["purchased_price"]),
			Weight: num(r["weight"]), Length: num(r["length"]), Width: num(r["width"]), Height: num(r["height"]),
			ImageURLs: r.Images(), Properties: r.Properties(), Pos: catalog.Position{File: loc, Row: c.Row(i)},
		}
		switch r["available"] {
		case "yes":
			it.Available = catalog.FlagYes
		case "no":
			it.Available = catalog.FlagNo
		}
		items = append(items, it)
	}
	return items, problems
}

func num(s string) catalog.Num {
	if s == "" {
		return catalog.Num{}
	}
	return catalog.Known(decimal.MustParse(s))
}

func fileDigest(t testing.TB, loc string) string {
	b, err := os.ReadFile(loc)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func show(it catalog.Item) string { return fmt.Sprintf("%+v", it) }
