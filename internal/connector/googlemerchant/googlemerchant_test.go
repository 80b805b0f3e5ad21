package googlemerchant

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/conformance"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
)

// fields are the canonical fields a Google feed carries (weight and
// dimensions are not read).
var fields = []string{"sku", "quantity", "warehouse", "available", "price", "purchased_price", "currency", "name",
	"description", "category", "barcode", "image_url", "parent_sku", "properties"}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// writeFeed writes rows as a local-inventory style RSS feed, one item per
// line from line 5.
func writeFeed(rows []conformance.Row) []byte {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss xmlns:g=\"http://base.google.com/ns/1.0\" version=\"2.0\">\n<channel>\n<title>Demo</title>\n")
	for _, r := range rows {
		b.WriteString("<item>")
		el := func(name, v string) {
			if v != "" {
				fmt.Fprintf(&b, "<g:%s>%s</g:%s>", name, esc(v), name)
			}
		}
		el("id", r["sku"])
		el("quantity", r["quantity"])
		el("store_code", r["warehouse"])
		el("availability", map[string]string{"yes": "in stock", "no": "out of stock"}[r["available"]])
		money := func(v string) string {
			if v != "" && r["currency"] != "" {
				return v + " " + r["currency"]
			}
			return v
		}
		el("price", money(r["price"]))
		el("cost_of_goods_sold", money(r["purchased_price"]))
		el("title", r["name"])
		el("description", r["description"])
		if c := r["category"]; c != "" {
			el("product_type", "Каталог > "+c)
		}
		el("gtin", r["barcode"])
		for i, u := range r.Images() {
			if i == 0 {
				el("image_link", u)
			} else {
				el("additional_image_link", u)
			}
		}
		el("item_group_id", r["parent_sku"])
		for _, p := range r.Properties() {
			fmt.Fprintf(&b, "<g:product_detail><g:section_name>Загальне</g:section_name><g:attribute_name>%s</g:attribute_name><g:attribute_value>%s</g:attribute_value></g:product_detail>", esc(p.Name), esc(p.Value))
		}
		b.WriteString("</item>\n")
	}
	b.WriteString("</channel>\n</rss>\n")
	return []byte(b.String())
}

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Case{
		Format: Format{},
		Fields: fields,
		Write: func(t testing.TB, dir string, _ []string, rows []conformance.Row) string {
			return kittest.Write(t, dir, "feed.xml", writeFeed(rows))
		},
		Row: func(i int) int { return 5 + i },
		Column: func(f string) string {
			return "rss/channel/item/g:" + map[string]string{"sku": "id", "quantity": "quantity"}[f]
		},
	})
}

func TestShopifyFeed(t *testing.T) {
	c, info, err := kittest.Read(t, Format{}, testenv.Fixture(t, "google-merchant/shopify_google_feed.xml"), connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Items) != 2 || len(c.Problems) != 0 {
		t.Fatalf("%d items, %d problems; want 2 items", len(c.Items), len(c.Problems))
	}
	it := c.Items[0]
	if it.SKU != "shopify_US_8936631631951_46113449508943" || it.Price != kittest.Num("14.99") || it.Currency != "USD" ||
		it.Available != catalog.FlagYes || it.Quantity.Known || it.Name != "10ml Teeth Whitening Serum" || it.Category != "Oral Care" ||
		it.Barcode != "" || it.ParentSKU != "" || len(it.ImageURLs) != 4 || it.Pos.Row != 8 ||
		!strings.HasPrefix(it.Description, "The teeth whitening serum") {
		t.Errorf("first item %+v", it)
	}
	if it := c.Items[1]; it.SKU != "shopify_US_8936629567567_46113445544015" || it.Name != "Lutein Eye Serum Oil" || it.Price != kittest.Num("14.99") {
		t.Errorf("second item %+v", it)
	}
	if len(info.Notes) != 1 || !strings.Contains(info.Notes[0], "no item has a quantity") ||
		!reflect.DeepEqual(info.Fields, []string{"sku", "available", "price", "currency", "name", "description", "category", "image_url"}) ||
		info.Format != "google-merchant" || len(info.SHA256) != 64 {
		t.Errorf("info %+v", info)
	}
	// g:mpn is the only SKU-like code in this feed.
	c, _, err = kittest.Read(t, Format{}, testenv.Fixture(t, "google-merchant/shopify_google_feed.xml"), connector.ReadOptions{Key: "mpn"})
	if err != nil || len(c.Items) != 2 || c.Items[0].SKU != "DAI-10MLTEE" || c.Items[1].SKU != "DAI-LUTEINE" {
		t.Errorf("--key mpn: %+v %v", c, err)
	}
	// And it has no gtin: every item is an empty-SKU problem.
	c, _, err = kittest.Read(t, Format{}, testenv.Fixture(t, "google-merchant/shopify_google_feed.xml"), connector.ReadOptions{Key: "gtin"})
	if err != nil || len(c.Items) != 0 || !reflect.DeepEqual(c.ProblemLines(), []string{
		"8|rss/channel/item/g:gtin|sku|||empty SKU", "31|rss/channel/item/g:gtin|sku|||empty SKU"}) {
		t.Errorf("--key gtin: %q %v", c.ProblemLines(), err)
	}
}

// rss wraps items; the first is on line 3.
func rss(items string) string {
	return "<?xml version=\"1.0\"?>\n<rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\"><channel><title>x</title>\n" + items + "\n</channel></rss>"
}

func TestItems(t *testing.T) {
	text := rss(`<item><g:id>A</g:id><g:availability>in_stock</g:availability><g:price>1 299,50 UAH</g:price><g:sale_price>999 UAH</g:sale_price><g:shipping><g:price>50 UAH</g:price></g:shipping><title>RSS title</title><g:color>синій</g:color><g:size>42</g:size></item>
<item><g:id>B</g:id><g:availability>Limited Availability</g:availability><g:price>USD 5</g:price><g:cost_of_goods_sold>2.5 EUR</g:cost_of_goods_sold><g:title>G title</g:title><title>RSS title</title><description>rss text</description></item>
<item><g:id>C</g:id><g:availability>preorder</g:availability><g:price>CHF 12.10</g:price><g:quantity>3</g:quantity><g:store_code>KYIV-1</g:store_code></item>
<item><g:id>D</g:id><g:availability>out_of_stock</g:availability><g:quantity>0</g:quantity><g:price>₴20</g:price></item>
<item><g:id>E</g:id><g:availability>soon</g:availability><g:price>abc USD</g:price><g:quantity>-2</g:quantity><g:product_type>A &gt; B &gt; </g:product_type></item>
<item><g:id>F</g:id><g:availability>in stock</g:availability><g:quantity>0</g:quantity><g:item_group_id>GRP</g:item_group_id><g:gtin>4820000000421</g:gtin></item>`)
	c, info, err := kittest.ReadBytes(t, Format{}, "feed.xml", []byte(text), connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, b, cc, d, f := c.SKU("A"), c.SKU("B"), c.SKU("C"), c.SKU("D"), c.SKU("F")
	if a == nil || a.Available != catalog.FlagYes || a.Price != kittest.Num("1299.5") || a.Currency != "UAH" || a.Name != "RSS title" ||
		!reflect.DeepEqual(a.Properties, []catalog.Property{{Name: "color", Value: "синій"}, {Name: "size", Value: "42"}}) {
		t.Errorf("A = %+v", a)
	}
	if b == nil || b.Available != catalog.FlagYes || b.Price != kittest.Num("5") || b.Currency != "USD" || b.PurchasedPrice != kittest.Num("2.5") ||
		b.Name != "G title" || b.Description != "rss text" {
		t.Errorf("B = %+v", b)
	}
	if cc == nil || cc.Available != catalog.FlagYes || cc.Currency != "CHF" || cc.Price != kittest.Num("12.1") || cc.Quantity != kittest.Num("3") || cc.Warehouse != "KYIV-1" {
		t.Errorf("C = %+v", cc)
	}
	if d == nil || d.Available != catalog.FlagNo || d.Quantity != kittest.Num("0") || d.Price != kittest.Num("20") || d.Currency != "UAH" {
		t.Errorf("D = %+v", d)
	}
	if f == nil || f.ParentSKU != "GRP" || f.Barcode != "4820000000421" {
		t.Errorf("F = %+v", f)
	}
	want := []string{
		"7|rss/channel/item/g:quantity|quantity|E|-2|negative quantity",
		"7|rss/channel/item/g:availability|available|E|soon|not a yes/no value",
		"7|rss/channel/item/g:price|price|E|abc USD|not a number",
	}
	if got := c.ProblemLines(); !reflect.DeepEqual(got, want) {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, n := range []string{"1 item with a g:sale_price: price is the regular g:price (e.g. A)", `1 item with g:availability "in stock" and a quantity of 0`, "2 items without a quantity"} {
		found := false
		for _, got := range info.Notes {
			found = found || strings.Contains(got, n)
		}
		if !found {
			t.Errorf("no note %q in %q", n, info.Notes)
		}
	}
}

func TestAtom(t *testing.T) {
	text := `<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">
<title>x</title><id>feed-id</id>
<entry><id>atom-id</id><title>Atom title</title><summary>sum</summary><g:id>A-1</g:id><g:price>10 PLN</g:price><g:availability>backorder</g:availability></entry>
</feed>`
	c, _, err := kittest.ReadBytes(t, Format{}, "feed.xml", []byte(text), connector.ReadOptions{})
	if err != nil || len(c.Items) != 1 {
		t.Fatalf("%+v %v", c, err)
	}
	if it := c.Items[0]; it.SKU != "A-1" || it.Name != "Atom title" || it.Description != "sum" || it.Currency != "PLN" || it.Available != catalog.FlagYes || it.Pos.Row != 4 {
		t.Errorf("entry %+v", it)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name, text string
		want       error
		msg        string
	}{
		{"cut off", rss(`<item><g:id>A</g:id></item>`)[:110], connector.ErrTruncated, "line 3"},
		{"unclosed item", "<rss><channel><item><g:id>A</g:id>", connector.ErrTruncated, ""},
		{"undeclared entity", rss(`<item><g:id>&bad;</g:id></item>`), nil, "line 3: XML syntax error: invalid character entity &bad;"},
		{"huge token", rss(`<item><g:description>` + strings.Repeat("y", 2<<20) + `</g:description></item>`), connector.ErrTooLarge, ""},
		{"deep", rss(`<item>` + strings.Repeat("<x>", 80) + strings.Repeat("</x>", 80) + `</item>`), connector.ErrTooLarge, "nested deeper"},
		{"not a feed", `<yml_catalog/>`, nil, "not a Google Merchant feed: the root element is <yml_catalog>"},
		{"empty", "  ", connector.ErrTruncated, "no root element"},
		{"zip", "PK\x03\x04", connector.ErrNotText, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := kittest.ReadBytes(t, Format{}, "feed.xml", []byte(tt.text), connector.ReadOptions{})
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "feed.xml") {
				t.Errorf("err = %v; want %v mentioning %q and the file", err, tt.want, tt.msg)
			}
		})
	}
}

func TestDetectAndOpen(t *testing.T) {
	for _, tt := range []struct {
		path, head string
		want       bool
	}{
		{"feed.xml", `<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0" version="2.0">`, true},
		{"feed.xml", `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">`, true},
		{"feed.xml", `<rss version="2.0">`, false},
		{"feed.xml", `<yml_catalog>`, false},
		{"feed.rss", `<rss xmlns:g="http://base.google.com/ns/1.0">`, false},
	} {
		loc, _ := connector.ParseLocation(tt.path)
		if got := (Format{}).Detect(loc, []byte(tt.head)); got != tt.want {
			t.Errorf("Detect(%s, %q) = %v", tt.path, tt.head, got)
		}
	}
	stdin, _ := connector.ParseLocation("-")
	for _, opt := range []connector.ReadOptions{{Key: "sku"}, {Key: "article"}, {NoHeader: true}, {Encoding: "nope"}} {
		if _, err := (Format{}).Open(t.Context(), stdin, opt); err == nil {
			t.Errorf("Open accepted %+v", opt)
		}
	}
	c, _, err := kittest.Read(t, Format{}, "-", connector.ReadOptions{Stdin: bytes.NewReader([]byte(rss(`<item><g:id>A</g:id></item>`)))})
	if err != nil || len(c.Items) != 1 || c.Items[0].Pos.File != "-" {
		t.Errorf("stdin: %+v %v", c, err)
	}
}
