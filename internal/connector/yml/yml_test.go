package yml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/conformance"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
	"github.com/keycrm-sync/keycrm-sync/internal/xmlscan"
)

// fields are the canonical fields a YML feed carries (no warehouse; weight
// and dimensions are not read, see the package doc).
var fields = []string{"sku", "quantity", "available", "price", "purchased_price", "currency", "name", "description",
	"category", "barcode", "image_url", "parent_sku", "properties"}

// firstOffer is the line of the first offer written by writeFeed.
const firstOffer = 8

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// writeFeed writes rows as a Rozetka-style feed, one offer per line, the SKU
// in the id attribute or (idElem "vendorCode") in an element.
func writeFeed(cols []string, rows []conformance.Row, skuElem string) []byte {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE yml_catalog SYSTEM \"shops.dtd\">\n<yml_catalog date=\"2024-05-01 10:00\">\n<shop>\n<name>Demo</name>\n<categories>")
	cats := map[string]int{}
	for _, r := range rows {
		if c := r["category"]; c != "" && cats[c] == 0 {
			cats[c] = len(cats) + 1
			fmt.Fprintf(&b, `<category id="%d">%s</category>`, cats[c], esc(c))
		}
	}
	b.WriteString("</categories>\n<offers>\n")
	for i, r := range rows {
		if skuElem == "" {
			fmt.Fprintf(&b, `<offer id="%s"`, esc(r["sku"]))
		} else {
			fmt.Fprintf(&b, `<offer id="%d"`, 1000+i)
		}
		switch r["available"] {
		case "yes":
			b.WriteString(` available="true"`)
		case "no":
			b.WriteString(` available="false"`)
		}
		if p := r["parent_sku"]; p != "" {
			fmt.Fprintf(&b, ` group_id="%s"`, esc(p))
		}
		b.WriteString(">")
		if skuElem != "" {
			fmt.Fprintf(&b, "<%s>%s</%s>", skuElem, esc(r["sku"]), skuElem)
		}
		el := func(name, v string) {
			if v != "" {
				fmt.Fprintf(&b, "<%s>%s</%s>", name, esc(v), name)
			}
		}
		el("stock_quantity", r["quantity"])
		el("price", r["price"])
		el("purchase_price", r["purchased_price"])
		el("currencyId", r["currency"])
		if c := r["category"]; c != "" {
			fmt.Fprintf(&b, "<categoryId>%d</categoryId>", cats[c])
		}
		for _, u := range r.Images() {
			el("picture", u)
		}
		el("name", r["name"])
		if d := r["description"]; d != "" {
			fmt.Fprintf(&b, "<description><![CDATA[%s]]></description>", d)
		}
		el("barcode", r["barcode"])
		for _, p := range r.Properties() {
			fmt.Fprintf(&b, `<param name="%s">%s</param>`, esc(p.Name), esc(p.Value))
		}
		b.WriteString("</offer>\n")
	}
	b.WriteString("</offers>\n</shop>\n</yml_catalog>\n")
	return []byte(b.String())
}

func TestConformance(t *testing.T) {
	const offer = "yml_catalog/shop/offers/offer/"
	for _, k := range []struct{ key, elem, column string }{{"", "", "@id"}, {"vendorCode", "vendorCode", "vendorCode"}} {
		t.Run("key "+k.column, func(t *testing.T) {
			conformance.Run(t, conformance.Case{
				Format: Format{},
				Fields: fields,
				Write: func(t testing.TB, dir string, cols []string, rows []conformance.Row) string {
					return kittest.Write(t, dir, "feed.xml", writeFeed(cols, rows, k.elem))
				},
				Row: func(i int) int { return firstOffer + i },
				Column: func(f string) string {
					return offer + map[string]string{"sku": k.column, "quantity": "stock_quantity"}[f]
				},
				Options: connector.ReadOptions{Key: k.key},
			})
		})
	}
}

func read(t *testing.T, fixture string, opt connector.ReadOptions) (*kittest.Collect, connector.SourceInfo) {
	t.Helper()
	c, info, err := kittest.Read(t, Format{}, testenv.Fixture(t, fixture), opt)
	if err != nil {
		t.Fatal(err)
	}
	return c, info
}

func TestRozetkaRocktape(t *testing.T) {
	c, info := read(t, "yml/rozetka_rocktape.xml", connector.ReadOptions{})
	if len(c.Items) != 14 || len(c.Problems) != 0 {
		t.Fatalf("%d items, %d problems; want 14 offers", len(c.Items), len(c.Problems))
	}
	// available="true" with stock_quantity 0: the quantity is the stock, the
	// flag stays what the feed says.
	it := c.SKU("RCT100-BG-OS")
	if it == nil || it.Quantity != kittest.Num("0") || it.Available != catalog.FlagYes || it.Price != kittest.Num("430") ||
		it.Currency != "UAH" || it.Category != "Кинезио тейпы" || it.Pos.Row != 17 || len(it.ImageURLs) != 1 ||
		!strings.HasPrefix(it.Name, "Кинезио тейп RockTape Classic") || !strings.HasPrefix(it.Description, "<p><strong>Кинезио тейп") {
		t.Errorf("RCT100-BG-OS = %+v", it)
	}
	if it := c.SKU("RCT100-BL-OS"); it == nil || it.Quantity != kittest.Num("30") {
		t.Errorf("RCT100-BL-OS = %+v", it)
	}
	if it := c.SKU("RT-RnRol-18"); it == nil || it.Quantity != kittest.Num("30") || it.Price != kittest.Num("820") {
		t.Errorf("RT-RnRol-18 = %+v", it)
	}
	if !slicesHave(info.Notes, `1 offer with available "true" and a quantity of 0`, "RCT100-BG-OS") {
		t.Errorf("notes %q", info.Notes)
	}
	if info.Format != "yml" || info.Encoding != textenc.UTF8 || len(info.SHA256) != 64 || info.Delta ||
		!reflect.DeepEqual(info.Fields, []string{"sku", "quantity", "available", "price", "currency", "name", "description", "category", "image_url", "properties"}) {
		t.Errorf("info %+v", info)
	}
	// param name="Артикул" repeats the id: the same SKUs by either key.
	byParam, _ := read(t, "yml/rozetka_rocktape.xml", connector.ReadOptions{Key: "param:Артикул"})
	if len(byParam.Items) != 14 {
		t.Fatalf("param key: %d items, problems %v", len(byParam.Items), byParam.Problems)
	}
	for i := range c.Items {
		if byParam.Items[i].SKU != c.Items[i].SKU {
			t.Errorf("offer %d: param:Артикул %q, id %q", i, byParam.Items[i].SKU, c.Items[i].SKU)
		}
	}
}

func slicesHave(notes []string, parts ...string) bool {
	for _, n := range notes {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(n, p)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestPromStockUpdate(t *testing.T) {
	c, info := read(t, "yml/prom_stock_update.xml", connector.ReadOptions{})
	if len(c.Items) != 152 || len(c.Problems) != 0 {
		t.Fatalf("%d items, %d problems; want 152 offers", len(c.Items), len(c.Problems))
	}
	// Prom's own numeric product ids, not the shop's SKUs.
	first, last := c.Items[0], c.Items[151]
	if first.SKU != "110904206" || first.Quantity != kittest.Num("1") || first.Available != catalog.FlagYes || first.Price != kittest.Num("3480") || first.Currency != "UAH" || first.Pos.Row != 8 {
		t.Errorf("first offer %+v", first)
	}
	if it := c.SKU("110679723"); it == nil || it.Quantity != kittest.Num("0") || it.Available != catalog.FlagNo || it.Price != kittest.Num("6420") {
		t.Errorf("110679723 = %+v", it)
	}
	if last.SKU != "105457812" || last.Quantity != kittest.Num("3") || last.Price != kittest.Num("3840") {
		t.Errorf("last offer %+v", last)
	}
	zeros, unavailable := 0, 0
	for _, it := range c.Items {
		if it.Quantity.V.IsZero() {
			zeros++
		}
		if it.Available == catalog.FlagNo {
			unavailable++
		}
		if it.Name != "" || it.Category != "" {
			t.Errorf("%s: the feed has no names or categories: %+v", it.SKU, it)
		}
	}
	if zeros != 46 || unavailable != 46 {
		t.Errorf("%d zero quantities, %d unavailable; want 46 and 46 (flags agree with quantities)", zeros, unavailable)
	}
	if len(info.Notes) != 0 || !reflect.DeepEqual(info.Fields, []string{"sku", "quantity", "available", "price", "currency"}) {
		t.Errorf("info %+v", info)
	}
}

func TestEpicentr(t *testing.T) {
	c, info := read(t, "yml/epicentr_feed.xml", connector.ReadOptions{})
	if len(c.Items) != 206 || len(c.Problems) != 0 {
		t.Fatalf("%d items, %d problems; want 206 offers", len(c.Items), len(c.Problems))
	}
	unavailable := 0
	for _, it := range c.Items {
		if it.Quantity.Known {
			t.Fatalf("%s: quantity %s in a feed without quantities", it.SKU, it.Quantity)
		}
		if it.Available == catalog.FlagNo {
			unavailable++
		}
	}
	if unavailable != 87 {
		t.Errorf("%d unavailable offers, want 87", unavailable)
	}
	// No <shop>; names per language, Ukrainian preferred; the category element.
	it := c.Items[0]
	if it.SKU != "33703-L-Black" || it.Available != catalog.FlagYes || it.Price != kittest.Num("3250") || it.Currency != "" ||
		it.Name != "Валіза Snowball 33703 велика 101л чорна (33703-L-Black)" || it.Category != "Валізи" || it.Pos.Row != 4 ||
		len(it.ImageURLs) != catalog.MaxImages || len(it.Properties) != 25 || it.Properties[0] != (catalog.Property{Name: "Бренд", Value: "Snowball"}) {
		t.Errorf("first offer %+v", it)
	}
	if !slicesHave(info.Notes, "no offer has a quantity", "unknown, not 0") || !slicesHave(info.Notes, "79 offers with more than 6 pictures") {
		t.Errorf("notes %q", info.Notes)
	}
}

func TestMauDau(t *testing.T) {
	c, info := read(t, "yml/maudau_feed.xml", connector.ReadOptions{})
	if len(c.Items) != 290 || len(c.Problems) != 0 {
		t.Fatalf("%d items, %d problems; want 290 offers", len(c.Items), len(c.Problems))
	}
	zeros := 0
	for _, it := range c.Items {
		if !it.Quantity.Known {
			t.Fatalf("%s: no quantity", it.SKU)
		}
		if it.Quantity.V.IsZero() {
			zeros++
			if it.Available != catalog.FlagNo {
				t.Errorf("%s: quantity 0 but available %v", it.SKU, it.Available)
			}
		}
	}
	if zeros != 117 {
		t.Errorf("%d zero quantities, want 117", zeros)
	}
	it := c.Items[0]
	if it.SKU != "33703-L-Black" || it.Quantity != kittest.Num("1") || it.Name != "Валіза Snowball 33703 велика 101л чорна (33703-L-Black)" ||
		it.Category != "Валізи" || !strings.HasPrefix(it.Description, "Міцна та практична валіза") || it.Pos.Row != 14 {
		t.Errorf("first offer %+v", it)
	}
	if last := c.Items[289]; last.SKU != "63703-S-Champagne" || last.Quantity != kittest.Num("2") || last.Price != kittest.Num("1600") {
		t.Errorf("last offer %+v", last)
	}
	// 67 offers point at categories the feed never declares.
	if it := c.SKU("WN01-BC-Champagne"); it == nil || it.Category != "" {
		t.Errorf("WN01-BC-Champagne = %+v", it)
	}
	if !slicesHave(info.Notes, "67 offers with a categoryId that categories does not declare", "WN01-BC-Champagne") {
		t.Errorf("notes %q", info.Notes)
	}
}

// feed wraps offers in a minimal feed; the first offer is on line 3.
func feed(offers string) string {
	return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<yml_catalog><shop><offers>\n" + offers + "\n</offers></shop></yml_catalog>\n"
}

func TestOffers(t *testing.T) {
	text := feed(`<offer id="A" available="false"><quantity>3</quantity><stock_quantity>2,5</stock_quantity><quantity_in_stock>2</quantity_in_stock><price>1 299,50 грн</price></offer>
<offer id="B"><stock_quantity></stock_quantity><quantity>4</quantity><name lang="ru">Ру</name><name_ua>Укр</name_ua><name>Базова</name></offer>
<offer id="C" available="maybe"><stock_quantity>-1</stock_quantity><price>x</price><vendorCode>VC-C</vendorCode></offer>
<offer id="D" group_id="G1"><picture>https://a/1.jpg; https://a/2.jpg</picture><picture>https://a/3.jpg</picture><param name="Вага" unit="кг">2.5</param><param name="">x</param><param name="Колір"> </param><currencyId>usd</currencyId><price>10</price></offer>
<offer available="true"><stock_quantity>1</stock_quantity></offer>
<offer id=" E&amp;F "><stock_quantity>
  7
</stock_quantity><description>a<b>bold</b>&nbsp;c</description></offer>`)
	c, info, err := kittest.ReadBytes(t, Format{}, "feed.xml", []byte(text), connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, b, d, ef := c.SKU("A"), c.SKU("B"), c.SKU("D"), c.SKU("E&F")
	if a == nil || a.Quantity != kittest.Num("2") || a.Available != catalog.FlagNo || a.Price != kittest.Num("1299.5") || a.Currency != "UAH" || a.Pos.Row != 3 {
		t.Errorf("A = %+v", a)
	}
	if b == nil || b.Quantity != kittest.Num("4") || b.Name != "Укр" {
		t.Errorf("B = %+v", b)
	}
	if d == nil || d.ParentSKU != "G1" || !reflect.DeepEqual(d.ImageURLs, []string{"https://a/1.jpg", "https://a/2.jpg", "https://a/3.jpg"}) ||
		!reflect.DeepEqual(d.Properties, []catalog.Property{{Name: "Вага", Value: "2.5 кг"}}) || d.Currency != "USD" || d.Quantity.Known {
		t.Errorf("D = %+v", d)
	}
	if ef == nil || ef.Quantity != kittest.Num("7") || ef.Description != "abold\u00a0c" || ef.Pos.Row != 8 {
		t.Errorf("E&F = %+v", ef)
	}
	const offer = "yml_catalog/shop/offers/offer/"
	want := []string{
		"5|" + offer + "stock_quantity|quantity|C|-1|negative quantity",
		"5|" + offer + "@available|available|C|maybe|not a yes/no value",
		"5|" + offer + "price|price|C|x|not a number",
		"7|" + offer + "@id|sku|||empty SKU",
	}
	if got := c.ProblemLines(); !reflect.DeepEqual(got, want) || len(c.Items) != 4 {
		t.Errorf("problems\n%s\nwant\n%s\nitems %d", strings.Join(got, "\n"), strings.Join(want, "\n"), len(c.Items))
	}
	for _, n := range []string{`1 offer with available "false" and a quantity above 0`, "1 offer without a quantity", "1 offer with several quantity elements that disagree"} {
		if !slicesHave(info.Notes, n) {
			t.Errorf("no note %q in %q", n, info.Notes)
		}
	}

	// Other keys: the vendorCode element, a param, compared without case.
	c, _, err = kittest.ReadBytes(t, Format{}, "feed.xml", []byte(feed(`<offer id="1"><vendorCode> V-1 </vendorCode><param name="артикул">P-1</param></offer>`)), connector.ReadOptions{Key: "vendorCode"})
	if err != nil || len(c.Items) != 1 || c.Items[0].SKU != "V-1" {
		t.Errorf("vendorCode: %+v %v", c, err)
	}
	c, _, err = kittest.ReadBytes(t, Format{}, "feed.xml", []byte(feed(`<offer id="1"><param name="Артикул">P-1</param></offer><offer id="2"></offer>`)), connector.ReadOptions{Key: "param:Артикул"})
	if err != nil || len(c.Items) != 1 || c.Items[0].SKU != "P-1" || len(c.Problems) != 1 || c.Problems[0].Column != offer+`param[@name="Артикул"]` {
		t.Errorf("param: %+v %v", c, err)
	}
}

func TestEncodings(t *testing.T) {
	body := feed(`<offer id="A"><name>Кросівки «Легкість»</name><stock_quantity>1</stock_quantity></offer>`)
	cp1251, err := charmap.Windows1251.NewEncoder().String(body)
	if err != nil {
		t.Fatal(err)
	}
	// A real Rozetka feed's lie: cp1251 bytes under a UTF-8 declaration.
	c, info, err := kittest.ReadBytes(t, Format{}, "feed.xml", []byte(cp1251), connector.ReadOptions{})
	if err != nil || len(c.Items) != 1 || c.Items[0].Name != "Кросівки «Легкість»" || info.Encoding != textenc.Windows1251 ||
		!slicesHave(info.Notes, "the XML declaration says utf-8 but the bytes are windows-1251") {
		t.Errorf("lying declaration: %+v %+v %v", c, info, err)
	}
	// Declared and true.
	decl := strings.Replace(cp1251, `encoding="UTF-8"`, `encoding="windows-1251"`, 1)
	c, info, err = kittest.ReadBytes(t, Format{}, "feed.xml", []byte(decl), connector.ReadOptions{})
	if err != nil || c.Items[0].Name != "Кросівки «Легкість»" || len(info.Notes) != 0 {
		t.Errorf("declared windows-1251: %+v %+v %v", c, info, err)
	}
	// A BOM, and --encoding.
	c, _, err = kittest.ReadBytes(t, Format{}, "feed.xml", append([]byte{0xEF, 0xBB, 0xBF}, body...), connector.ReadOptions{})
	if err != nil || c.Items[0].Name != "Кросівки «Легкість»" {
		t.Errorf("BOM: %+v %v", c, err)
	}
	c, _, err = kittest.ReadBytes(t, Format{}, "feed.xml", []byte(cp1251), connector.ReadOptions{Encoding: "cp1251"})
	if err != nil || c.Items[0].Name != "Кросівки «Легкість»" {
		t.Errorf("--encoding: %+v %v", c, err)
	}
	// Mixed: UTF-8 text, then a cp1251 byte far below.
	mixed := feed(`<offer id="A"><name>Кросівки</name></offer>` + strings.Repeat("\n", 10) + strings.Repeat(" ", 70<<10) + "<offer id=\"B\"><name>\xc0</name></offer>")
	_, _, err = kittest.ReadBytes(t, Format{}, "feed.xml", []byte(mixed), connector.ReadOptions{})
	var de *textenc.DecodeError
	if !errors.As(err, &de) || de.Line != 13 || !strings.Contains(err.Error(), "feed.xml") {
		t.Errorf("mixed encodings: %v", err)
	}
	// KOI8-R, declared.
	koi, _ := charmap.KOI8R.NewEncoder().String(strings.Replace(feed(`<offer id="A"><name>Товар</name></offer>`), "UTF-8", "KOI8-R", 1))
	c, _, err = kittest.ReadBytes(t, Format{}, "feed.xml", []byte(koi), connector.ReadOptions{})
	if err != nil || c.Items[0].Name != "Товар" {
		t.Errorf("KOI8-R: %+v %v", c, err)
	}
}

func TestBadInput(t *testing.T) {
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` + "\n<yml_catalog><offers><offer id=\"A\"><name>&lol3;</name></offer></offers></yml_catalog>"
	tests := []struct {
		name, text string
		want       error
		msg        string
	}{
		{"cut off", feed(`<offer id="A"><stock_quantity>1</stock_quantity></offer>`)[:90], connector.ErrTruncated, "line 3"},
		{"wrong nesting", feed(`<offer id="A"><price>1</offer></price>`), nil, "line 3: XML syntax error"},
		{"undeclared entity", feed(`<offer id="A"><name>&foo;</name></offer>`), nil, "line 3: XML syntax error: invalid character entity &foo;"},
		{"billion laughs", laughs, xmlscan.ErrDTD, "line 1: a DOCTYPE with an internal subset is not read"},
		{"huge token", feed(`<offer id="A"><description>` + strings.Repeat("x", 2<<20) + `</description></offer>`), connector.ErrTooLarge, "line 3"},
		{"huge tag", feed(`<offer id="A" x="` + strings.Repeat("x", 2<<20) + `"></offer>`), connector.ErrTooLarge, "line 3"},
		{"deep", feed(strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)), connector.ErrTooLarge, "nested deeper than 64"},
		{"not yml", `<?xml version="1.0"?><rss version="2.0"></rss>`, nil, "not a YML feed: the root element is <rss>"},
		{"empty", "", connector.ErrTruncated, "no root element"},
		{"binary", "<yml_catalog>\x00</yml_catalog>", textenc.ErrBinary, ""},
		{"zip", "PK\x03\x04", connector.ErrNotText, ""},
		{"two roots", "<yml_catalog/>\n<yml_catalog/>", nil, "line 2: a second root element <yml_catalog>"},
		{"unclosed offer", "<yml_catalog><offers><offer id=\"A\">", connector.ErrTruncated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := kittest.ReadBytes(t, Format{}, "feed.xml", []byte(tt.text), connector.ReadOptions{})
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "feed.xml") {
				t.Errorf("err = %v; want %v mentioning %q and the file", err, tt.want, tt.msg)
			}
		})
	}
	// Decimal stock is kept; an offer with no id is one problem.
	c, _, err := kittest.ReadBytes(t, Format{}, "feed.xml", []byte(feed(`<offer id="A"><stock_quantity>30.5</stock_quantity></offer>`)), connector.ReadOptions{})
	if err != nil || c.Items[0].Quantity != kittest.Num("30.5") {
		t.Errorf("decimal stock: %+v %v", c, err)
	}
}

func TestDetectAndOpen(t *testing.T) {
	head := []byte("\ufeff<?xml version=\"1.0\"?>\n<!DOCTYPE yml_catalog SYSTEM \"shops.dtd\">\n<!-- feed -->\n<yml_catalog date=\"x\">")
	for _, tt := range []struct {
		path string
		head []byte
		want bool
	}{
		{"feed.xml", head, true},
		{"feed.yml", head, true},
		{"feed.XML", []byte("<yml_catalog>"), true},
		{"feed.xml", []byte(`<rss xmlns:g="http://base.google.com/ns/1.0">`), false},
		{"feed.csv", head, false},
		{"feed.xml", []byte("<?xml version=\"1.0\"?><yml_cat"), false},
	} {
		loc, _ := connector.ParseLocation(tt.path)
		if got := (Format{}).Detect(loc, tt.head); got != tt.want {
			t.Errorf("Detect(%s, %q) = %v", tt.path, tt.head, got)
		}
	}
	stdin, _ := connector.ParseLocation("-")
	if (Format{}).Detect(stdin, nil) {
		t.Error("standard input detected as YML")
	}
	for _, opt := range []connector.ReadOptions{{Key: "sku"}, {Key: "param:"}, {Sheet: "x"}, {Encoding: "nope"}, {Mapping: map[string]string{"sku": "x"}}} {
		if _, err := (Format{}).Open(t.Context(), stdin, opt); err == nil {
			t.Errorf("Open accepted %+v", opt)
		}
	}
	// Standard input with --format yml.
	c, info, err := kittest.Read(t, Format{}, "-", connector.ReadOptions{Stdin: bytes.NewReader([]byte(feed(`<offer id="A"/>`)))})
	if err != nil || len(c.Items) != 1 || c.Items[0].Pos.File != "-" || len(info.SHA256) != 64 {
		t.Errorf("stdin: %+v %+v %v", c, info, err)
	}
}

// TestLongValues: a param's name and unit, and a name's lang, are read from
// the start tag, which a value longer than the decoder's buffer overwrites
// when it is refilled; offers' values read into one offer's storage do not
// leak into the next.
func TestLongValues(t *testing.T) {
	long := strings.Repeat("ж", 100<<10) // 200 KB, past the scanner's 64 KiB buffer
	text := feed(`<offer id="A"><param name="Колір" unit="см">` + long + `</param><name lang="ru">` + long + `</name><param name="Артикул">P-1</param><stock_quantity>2</stock_quantity></offer>
<offer id="B"><price>5</price><param name="Артикул">P-2</param></offer>`)
	c, _, err := kittest.ReadBytes(t, Format{}, "feed.xml", []byte(text), connector.ReadOptions{Key: "param:Артикул"})
	if err != nil {
		t.Fatal(err)
	}
	a, b := c.SKU("P-1"), c.SKU("P-2")
	if a == nil || b == nil || len(c.Items) != 2 {
		t.Fatalf("items %+v, problems %+v", c.Items, c.Problems)
	}
	if want := []catalog.Property{{Name: "Колір", Value: long + " см"}, {Name: "Артикул", Value: "P-1"}}; !reflect.DeepEqual(a.Properties, want) || a.Name != long || a.Quantity != kittest.Num("2") {
		t.Errorf("A: properties %d, name %d bytes, quantity %v", len(a.Properties), len(a.Name), a.Quantity)
	}
	if b.Price != kittest.Num("5") || b.Quantity.Known || b.Name != "" {
		t.Errorf("B = %+v", b)
	}
}
