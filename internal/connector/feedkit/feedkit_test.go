package feedkit

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/xmlscan"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

func TestDeclared(t *testing.T) {
	for head, want := range map[string]string{
		`<?xml version="1.0" encoding="UTF-8"?><a/>`:             "UTF-8",
		"\ufeff<?xml version='1.0' encoding = 'windows-1251' ?>": "windows-1251",
		`<?xml version="1.0"?><a encoding="koi8-r"/>`:            "",
		`<?xml version="1.0" encoding="utf-8"`:                   "",
		`<a/>`:                                                   "",
		`<?xml version="1.0" encoding=utf-8?>`:                   "",
		`<?xml version="1.0" encoding="utf-8?>`:                  "",
	} {
		if got := Declared([]byte(head)); got != want {
			t.Errorf("Declared(%q) = %q, want %q", head, got, want)
		}
	}
}

func TestDecoder(t *testing.T) {
	text := `<?xml version="1.0"?>
<r xmlns:g="urn:g">
  <g:a x="1">one<![CDATA[ <two> ]]><b>three</b></g:a>
  <!-- skipped -->
  <c/>
</r>`
	d, err := New(strings.NewReader(text), []byte(text), Options{Name: "f.xml"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		k, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if k != xmlscan.StartElement {
			continue
		}
		se := d.Element()
		switch se.Local {
		case "a":
			if se.Space != "urn:g" || se.Name != "g:a" {
				t.Errorf("element %+v", se)
			}
			x, _ := se.Attr("x")
			path, line, parent := d.Path(), d.Line(), d.Parent()
			s, err := d.Text()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, path, parent, x, s, string(rune('0'+line)))
		case "c":
			got = append(got, d.Path(), string(rune('0'+d.Line())))
			if err := d.Skip(); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := []string{"r/g:a", "r", "1", "one <two> three", "3", "r/c", "5"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if d.Depth() != 0 || d.Encoding() != "utf-8" || d.Notes() != nil {
		t.Errorf("after the end: depth %d, encoding %s, notes %q", d.Depth(), d.Encoding(), d.Notes())
	}

	// Text and Skip report a document cut inside the element.
	for _, f := range []func(*Decoder) error{func(d *Decoder) error { _, err := d.Text(); return err }, (*Decoder).Skip} {
		d, _ := New(strings.NewReader("<r><a>text"), nil, Options{Name: "f.xml"})
		d.Next()
		d.Next()
		if err := f(d); !errors.Is(err, connector.ErrTruncated) {
			t.Errorf("cut off: %v", err)
		}
	}
	// A text made of many tokens is capped too.
	long := "<r>" + strings.Repeat("<b>"+strings.Repeat("x", 64<<10)+"</b>", 20) + "</r>"
	d, _ = New(strings.NewReader(long), nil, Options{Name: "f.xml"})
	d.Next()
	if _, err := d.Text(); !errors.Is(err, connector.ErrTooLarge) {
		t.Errorf("long text: %v", err)
	}
	if _, err := New(strings.NewReader(""), []byte(`<?xml version="1.0" encoding="x-unknown"?>`), Options{Name: "f.xml"}); err == nil || !strings.Contains(err.Error(), "x-unknown") {
		t.Errorf("unknown declared encoding: %v", err)
	}
	if _, err := New(strings.NewReader(""), nil, Options{Name: "f.xml", Encoding: "x-unknown"}); err == nil {
		t.Error("unknown --encoding accepted")
	}
}

func TestFields(t *testing.T) {
	var f Fields
	f.Add(&catalog.Item{SKU: "A", Quantity: catalog.Known(decimal.Zero), ImageURLs: []string{"u"}})
	f.Add(&catalog.Item{SKU: "B", Properties: []catalog.Property{{Name: "a", Value: "b"}}, Warehouse: "1"})
	if got := f.List(); !reflect.DeepEqual(got, []string{"sku", "quantity", "warehouse", "image_url", "properties"}) {
		t.Errorf("List() = %q", got)
	}
	// Every field Add knows, in catalog order: a field added to the catalog
	// must be added to Add.
	one, n := catalog.Known(decimal.Zero), "x"
	f.Add(&catalog.Item{SKU: n, Quantity: one, Warehouse: n, Available: catalog.FlagNo, Price: one, PurchasedPrice: one, Currency: n,
		Name: n, Description: n, Category: n, Barcode: n, Weight: one, Length: one, Width: one, Height: one,
		ImageURLs: []string{n}, ParentSKU: n, Properties: []catalog.Property{{Name: n, Value: n}}})
	if got := f.List(); !reflect.DeepEqual(got, catalog.Fields) {
		t.Errorf("List() = %q, want every field %q", got, catalog.Fields)
	}
}

func TestTally(t *testing.T) {
	var tl Tally
	if tl.Note("offer", "%s x") != "" {
		t.Error("an empty tally makes a note")
	}
	tl.Add("A")
	if got := tl.Note("offer", "%s without a quantity"); got != "1 offer without a quantity (e.g. A)" {
		t.Errorf("Note = %q", got)
	}
	for _, s := range []string{"", "B", "C", "D"} {
		tl.Add(s)
	}
	if got := tl.Note("item", "%s: x"); got != "5 items: x (e.g. A, B, C)" {
		t.Errorf("Note = %q", got)
	}
}

func TestAddImages(t *testing.T) {
	urls, more := AddImages(nil, "https://a/1.jpg; https://a/2.jpg")
	urls, more2 := AddImages(urls, strings.Repeat("https://a/x.jpg ", 10))
	if len(urls) != catalog.MaxImages || more || !more2 {
		t.Errorf("AddImages: %q %v %v", urls, more, more2)
	}
}

func TestTokenLimit(t *testing.T) {
	// The limit applies to bytes since the last token, not to the document.
	doc := "<r>" + strings.Repeat("<a>"+strings.Repeat("x", 512<<10)+"</a>", 4) + "</r>"
	d, _ := New(bytes.NewReader([]byte(doc)), nil, Options{Name: "f.xml"})
	n := 0
	for {
		_, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 14 {
		t.Errorf("%d tokens", n)
	}
}

// TestElementsKeepTheirNames: an element kept while the decoder reads on
// keeps its name and namespace, through names that share a cache slot and
// through declarations coming into and going out of scope; each element's
// name is resolved as in the scope it is read in.
func TestElementsKeepTheirNames(t *testing.T) {
	doc := `<r xmlns:g="urn:a"><g:item><currencyId/><categoryId/><currencyId/>` +
		`<x xmlns:g="urn:b"><g:item/></x><g:item/></g:item></r>`
	d, _ := New(strings.NewReader(doc), nil, Options{Name: "f.xml"})
	var kept []Element
	var got []string
	for {
		k, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if k == xmlscan.StartElement {
			el := d.Element()
			kept = append(kept, el)
			got = append(got, el.Name+" "+el.Space)
		}
	}
	want := []string{"r ", "g:item urn:a", "currencyId ", "categoryId ", "currencyId ", "x ", "g:item urn:b", "g:item urn:a"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read %q, want %q", got, want)
	}
	for i, el := range kept {
		if s := el.Name + " " + el.Space; s != want[i] {
			t.Errorf("element %d is now %q, was %q", i, s, want[i])
		}
	}
}
