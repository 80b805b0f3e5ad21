package jsonl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/conformance"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// encode writes rows as a pipeline would: JSON numbers and booleans, arrays
// of image URLs, an object of properties, null for an empty value.
func encode(t testing.TB, cols []string, rows []conformance.Row) []byte {
	var b bytes.Buffer
	for _, r := range rows {
		b.WriteByte('{')
		for i, c := range cols {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(c)
			b.Write(k)
			b.WriteByte(':')
			v := r[c]
			switch {
			case v == "" && c != "sku":
				b.WriteString("null")
			case c == "available":
				b.WriteString(map[string]string{"yes": "true", "no": "false"}[v])
			case c == "image_url":
				j, _ := json.Marshal(r.Images())
				b.Write(j)
			case c == "properties":
				b.WriteByte('{')
				for i, p := range r.Properties() {
					if i > 0 {
						b.WriteByte(',')
					}
					n, _ := json.Marshal(p.Name)
					v, _ := json.Marshal(p.Value)
					b.Write(n)
					b.WriteByte(':')
					b.Write(v)
				}
				b.WriteByte('}')
			case isNumber(c) && json.Valid([]byte(v)):
				b.WriteString(v)
			default:
				j, _ := json.Marshal(v)
				b.Write(j)
			}
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

func isNumber(field string) bool {
	switch field {
	case "quantity", "price", "purchased_price", "weight", "length", "width", "height":
		return true
	}
	return false
}

func write(t testing.TB, dir, name string, data []byte) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Case{
		Format: Format{},
		Write: func(t testing.TB, dir string, cols []string, rows []conformance.Row) string {
			return write(t, dir, "stock.jsonl", encode(t, cols, rows))
		},
		Row:    func(i int) int { return i + 1 },
		Column: func(f string) string { return f },
	})
}

type collect struct {
	items    []catalog.Item
	problems []catalog.Problem
}

func (c *collect) Item(it *catalog.Item) error { c.items = append(c.items, *it); return nil }
func (c *collect) Problem(p catalog.Problem)   { c.problems = append(c.problems, p) }

func read(t *testing.T, location string, opt connector.ReadOptions) (*collect, connector.SourceInfo, error) {
	t.Helper()
	loc, err := connector.ParseLocation(location)
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

func stdin(t *testing.T, text string, opt connector.ReadOptions) (*collect, connector.SourceInfo, error) {
	t.Helper()
	opt.Stdin = strings.NewReader(text)
	return read(t, "-", opt)
}

func dec(s string) catalog.Num { return catalog.Known(decimal.MustParse(s)) }

func TestValues(t *testing.T) {
	text := "\ufeff" + `{"sku": "A", "quantity": "1 234,5", "price": 1e3, "available": "так", "image_url": "https://x/1.jpg, https://x/2.jpg", "properties": [{"name": "Розмір", "value": "42"}, "Колір=синій"], "foo": 1}` + "\n" +
		"\n" +
		`{"sku": 12345, "quantity": null, "available": 0, "properties": "Розмір=43", "bar": true}` + "\r\n" +
		`{"sku": "C", "properties": {"b": "2", "a": 1}, "warehouse": 7}`
	c, info, err := stdin(t, text, connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.items) != 3 || len(c.problems) != 0 {
		t.Fatalf("items %+v problems %+v", c.items, c.problems)
	}
	a := c.items[0]
	if a.Quantity != dec("1234.5") || a.Price != dec("1000") || a.Available != catalog.FlagYes || len(a.ImageURLs) != 2 ||
		!reflect.DeepEqual(a.Properties, []catalog.Property{{Name: "Розмір", Value: "42"}, {Name: "Колір", Value: "синій"}}) || a.Pos.Row != 1 || a.Pos.File != "-" {
		t.Errorf("line 1: %+v", a)
	}
	if b := c.items[1]; b.SKU != "12345" || b.Quantity.Known || b.Available != catalog.FlagNo || b.Pos.Row != 3 || len(b.Properties) != 1 {
		t.Errorf("line 3: %+v", b)
	}
	if cc := c.items[2]; !reflect.DeepEqual(cc.Properties, []catalog.Property{{Name: "b", Value: "2"}, {Name: "a", Value: "1"}}) || cc.Warehouse != "7" || cc.Pos.Row != 4 {
		t.Errorf("line 4: %+v", cc)
	}
	want := []string{"sku", "quantity", "warehouse", "available", "price", "image_url", "properties"}
	if !reflect.DeepEqual(info.Fields, want) || !strings.Contains(strings.Join(info.Notes, "\n"), `"bar", "foo"`) {
		t.Errorf("info %+v", info)
	}
}

func TestProblems(t *testing.T) {
	text := `{"sku": " A ", "quantity": true}` + "\n" +
		`{"sku": "B", "quantity": -2, "available": "maybe"}` + "\n" +
		`{"quantity": 5}` + "\n" +
		`{"sku": ["x"], "image_url": 5}` + "\n" +
		`{"article": "D", "stock": "abc"}` + "\n"
	c, _, err := stdin(t, text, connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.problems {
		got = append(got, strings.Join([]string{p.SKU, p.Column, p.Value, p.Error}, "|"))
	}
	want := []string{
		"A|quantity|true|not a number",
		"B|quantity|-2|negative quantity",
		"B|available|maybe|not a yes/no value",
		"|sku||empty SKU",
		`|sku|["x"]|not a text value`,
		"|image_url|5|not a string or an array of strings",
		"|sku||empty SKU",
		"|sku||empty SKU",
	}
	if !reflect.DeepEqual(got, want) || len(c.items) != 0 {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// --map reads other keys.
	c, info, err := stdin(t, `{"article": "D", "stock": "7"}`+"\n", connector.ReadOptions{Mapping: map[string]string{"sku": "article", "quantity": "stock"}})
	if err != nil || len(c.items) != 1 || c.items[0].SKU != "D" || c.items[0].Quantity != dec("7") || !reflect.DeepEqual(info.Fields, []string{"sku", "quantity"}) {
		t.Errorf("mapped: %+v %+v %v", c.items, info, err)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name, text string
		want       error
		msg        string
	}{
		{"invalid JSON", "{\"sku\": \"A\"}\n{\"sku\": }\n", nil, "line 2: invalid JSON"},
		{"not an object", "[1, 2]\n", nil, "line 1: not a JSON object"},
		{"two values", "{\"sku\": \"A\"} {\"sku\": \"B\"}\n", nil, "more than one value"},
		{"a key twice among many", "{" + manyKeys(40) + `, "k7": 2}` + "\n", nil, `key "k7" appears twice`},
		{"a key twice", "{\"sku\": \"A\", \"quantity\": 5, \"sku\": \"B\"}\n", nil, `line 1: invalid JSON: key "sku" appears twice in the object`},
		{"cut off", "{\"sku\": \"A\"}\n{\"sku\": \"B\", \"qua", connector.ErrTruncated, "line 2"},
		{"binary", "{\"sku\": \"\x00\"}\n", textenc.ErrBinary, ""},
		{"windows-1251", "{\"sku\": \"\xc0\"}\n", textenc.ErrInvalid, "line 1"},
		{"huge line", "{\"sku\": \"" + strings.Repeat("x", 2<<20) + "\"}\n", connector.ErrTooLarge, "line 1"},
		{"zip", "PK\x03\x04", connector.ErrNotText, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write(t, t.TempDir(), "stock.jsonl", []byte(tt.text))
			_, _, err := read(t, p, connector.ReadOptions{})
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "stock.jsonl") {
				t.Errorf("err = %v; want %v mentioning %q and the file", err, tt.want, tt.msg)
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	for _, text := range []string{"", "\n\n  \n"} {
		c, info, err := stdin(t, text, connector.ReadOptions{})
		if err != nil || len(c.items) != 0 || !reflect.DeepEqual(info.Notes, []string{"no objects in the input"}) {
			t.Errorf("%q: items %v notes %q err %v", text, c.items, info.Notes, err)
		}
	}
}

func TestOpen(t *testing.T) {
	loc, _ := connector.ParseLocation("-")
	for _, opt := range []connector.ReadOptions{{Sheet: "x"}, {NoHeader: true}, {Mapping: map[string]string{"stock": "x"}}, {Encoding: "x"}} {
		if _, err := (Format{}).Open(context.Background(), loc, opt); err == nil {
			t.Errorf("Open accepted %+v", opt)
		}
	}
	if _, err := (Format{}).Open(context.Background(), loc, connector.ReadOptions{}); err == nil {
		t.Error("Open of - without standard input succeeded")
	}
	if !(Format{}).Detect(loc, nil) {
		t.Error("standard input is not JSON lines by default")
	}
}

// manyKeys writes n members "k0": 0, "k1": 1, ...
func manyKeys(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`"k%d": %d`, i, i)
	}
	return strings.Join(parts, ", ")
}

// A number in a string is written by a person: "1,250" is read by the decimal
// mark the key's other strings show, and is a problem where that mark leaves it
// ambiguous. A JSON number is never ambiguous and shows nothing about strings.
func TestAmbiguousThousands(t *testing.T) {
	text := `{"sku": "A", "qty": "1,250", "price": "1.250"}` + "\n" +
		`{"sku": "B", "qty": "12,5", "price": 1.250}` + "\n" +
		`{"sku": "C", "qty": "", "price": "7,5"}` + "\n"
	c, _, err := stdin(t, text, connector.ReadOptions{Mapping: map[string]string{"quantity": "qty"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.items) != 2 || len(c.problems) != 1 {
		t.Fatalf("items %+v problems %+v", c.items, c.problems)
	}
	for _, it := range c.items {
		if it.SKU == "B" && (it.Quantity != dec("12.5") || it.Price != dec("1.25")) {
			t.Errorf("B: %+v", it)
		}
	}
	p := c.problems[0]
	if p.Row != 1 || p.SKU != "A" || p.Column != "price" || p.Value != "1.250" ||
		p.Error != `ambiguous number: 1250 or 1.25? (the column writes decimals with ",")` {
		t.Errorf("problem %+v", p)
	}
}
