// Package googlemerchant reads Google Merchant Center product feeds — RSS 2.0
// (rss/channel/item) or Atom (feed/entry) with the g: namespace
// http://base.google.com/ns/1.0 — as a read-only source, chiefly for diff of
// availability and prices: one item per <item> or <entry>, in file order,
// positioned at its line.
//
// The SKU is g:id (--key id, the default; Shopify writes
// shopify_<country>_<product>_<variant>), g:mpn (--key mpn) or g:gtin (--key
// gtin). Other fields:
//
//   - available from g:availability: "in stock", "limited availability",
//     "preorder", "backorder" and "on display to order" are yes (the item can
//     be ordered), "out of stock" is no; spaces and underscores are the same
//     ("in_stock").
//   - quantity from g:quantity, which only local-inventory feeds carry; in an
//     ordinary feed the stock is unknown, never 0, and a note says so. A
//     local-inventory feed's g:store_code becomes the warehouse.
//   - price and currency from g:price ("14.99 USD"): the regular price, not
//     g:sale_price (a temporary discount, counted in a note); purchased_price
//     from g:cost_of_goods_sold.
//   - name from g:title (else the RSS or Atom title), description likewise,
//     category as the last level of g:product_type ("Home > Bath > Towels" →
//     "Towels"), barcode from g:gtin, images from g:image_link and
//     g:additional_image_link (the first six), parent_sku from
//     g:item_group_id, and properties from the variant attributes g:color,
//     g:size, g:material, g:pattern, g:gender, g:age_group and from
//     g:product_detail.
//
// Shipping, tax and other nested groups are skipped, so a g:price inside
// g:shipping is never the item's price. Weight and dimensions are not read.
package googlemerchant

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
	"github.com/keycrm-sync/keycrm-sync/internal/xmlscan"
)

// Namespace is the namespace of Google's product attributes.
const Namespace = "http://base.google.com/ns/1.0"

// Format reads Google Merchant feeds (*.xml files whose root is rss or an
// Atom feed declaring the g: namespace, and standard input with --format
// google-merchant).
type Format struct{}

// Name is the --format value.
func (Format) Name() string { return "google-merchant" }

// Detect accepts .xml files whose root element is rss or feed and declares
// the Google namespace.
func (Format) Detect(loc connector.Location, head []byte) bool {
	if loc.Kind != connector.KindFile || loc.Ext != "xml" {
		return false
	}
	root, ok := connector.XMLRoot(head)
	if !ok || root.Name.Local != "rss" && root.Name.Local != "feed" {
		return false
	}
	for _, a := range root.Attr {
		if a.Name.Space == "xmlns" && a.Value == Namespace {
			return true
		}
	}
	return false
}

// Open checks the options and opens the input; nothing is read yet.
func (Format) Open(_ context.Context, loc connector.Location, opt connector.ReadOptions) (connector.Reader, error) {
	if err := connector.CheckOptions("google-merchant", opt, "--encoding", "--key"); err != nil {
		return nil, err
	}
	k := opt.Key
	switch k {
	case "":
		k = "id"
	case "id", "mpn", "gtin":
	default:
		return nil, fmt.Errorf("--key %q: a Google Merchant item's SKU is its id, mpn or gtin", opt.Key)
	}
	if opt.Encoding != "" {
		if _, err := textenc.Canonical(opt.Encoding); err != nil {
			return nil, fmt.Errorf("--encoding: %w", err)
		}
	}
	in, err := connector.OpenInput(loc, opt)
	if err != nil {
		return nil, err
	}
	return &reader{in: in, encoding: opt.Encoding, key: k, info: connector.SourceInfo{Format: "google-merchant"}}, nil
}

type reader struct {
	in       *connector.Input
	encoding string
	key      string
	info     connector.SourceInfo
}

// Info describes the source; complete once Read has returned.
func (r *reader) Info() connector.SourceInfo { return r.info }

// Close closes the file (standard input stays open).
func (r *reader) Close() error { return r.in.Close() }

// Read streams the items to sink.
func (r *reader) Read(ctx context.Context, sink connector.Sink) error {
	err := r.read(ctx, sink)
	r.info.SHA256 = r.in.SHA256()
	return err
}

// checkEvery is how many items pass between looks at the context.
const checkEvery = 256

func (r *reader) read(ctx context.Context, sink connector.Sink) error {
	name := r.in.Name()
	head, err := r.in.TextHead(ctx)
	if err != nil {
		return err
	}
	d, err := feedkit.New(r.in, head, feedkit.Options{Name: name, Encoding: r.encoding})
	if err != nil {
		return err
	}
	p := &parser{d: d, key: r.key, name: name}
	defer func() {
		r.info.Encoding = d.Encoding()
		r.info.Fields = p.fields.List()
		r.info.Notes = append(append(d.Notes(), r.info.Notes...), p.notes()...)
	}()
	var record string // "item" in RSS, "entry" in Atom
	for {
		k, err := d.Next()
		if err == io.EOF {
			if record == "" {
				return fmt.Errorf("read %s: %w: no root element", name, connector.ErrTruncated)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if k != xmlscan.StartElement {
			continue
		}
		start := d.Element()
		if record == "" {
			switch start.Local {
			case "rss":
				record = "item"
			case "feed":
				record = "entry"
			default:
				return fmt.Errorf("read %s: not a Google Merchant feed: the root element is <%s>, not <rss> or an Atom <feed>", name, start.Name)
			}
			continue
		}
		if start.Local != record || start.Space == Namespace || record == "item" && d.Parent() != "channel" || record == "entry" && d.Depth() != 2 {
			continue
		}
		if p.items++; p.items%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := p.item(sink); err != nil {
			return err
		}
	}
}

// Fallback slots of name and description: the g: element, else the RSS or
// Atom one.
const (
	slotG = iota
	slotPlain
	numSlots
)

// item is one <item> as read, reused from item to item.
type item struct {
	line                          int
	id, mpn, gtin                 feedkit.Value
	title, description            [numSlots]feedkit.Value
	availability, quantity, store feedkit.Value
	price, salePrice, cost        feedkit.Value
	group, productType            feedkit.Value
	images                        []string
	moreImages                    bool
	props                         []catalog.Property
}

type parser struct {
	d      *feedkit.Decoder
	key    string
	name   string
	items  int
	it     item
	arena  feedkit.Arena // the item's values
	b      feedkit.Builder
	avail  availMemo
	codes  codeMemo
	values feedkit.Interner // property names and values
	fields feedkit.Fields
	stock  feedkit.Stock

	sale, capped feedkit.Tally
}

// variantAttrs are the g: attributes that tell variants apart, read as
// properties under their own names.
var variantAttrs = map[string]bool{"color": true, "size": true, "material": true, "pattern": true, "gender": true, "age_group": true}

// item reads one item and yields it or its problems.
func (p *parser) item(sink connector.Sink) error {
	d, it := p.d, &p.it
	*it = item{line: d.Line(), images: it.images[:0], props: it.props[:0]}
	p.arena.Reset()
	path := d.Path()
	if err := d.Children(p.child); err != nil {
		return err
	}
	return p.emit(path, sink)
}

// child reads one element inside an item.
func (p *parser) child(el *feedkit.Element) error {
	d, it := p.d, &p.it
	local := el.Local
	var slot *feedkit.Value
	if el.Space != Namespace {
		switch local {
		case "title":
			slot = &it.title[slotPlain]
		case "description", "summary":
			slot = &it.description[slotPlain]
		default:
			return d.Skip()
		}
	} else {
		switch local {
		case "id":
			slot = &it.id
		case "mpn":
			slot = &it.mpn
		case "gtin":
			slot = &it.gtin
		case "title":
			slot = &it.title[slotG]
		case "description":
			slot = &it.description[slotG]
		case "availability":
			slot = &it.availability
		case "quantity":
			slot = &it.quantity
		case "store_code":
			slot = &it.store
		case "price":
			slot = &it.price
		case "sale_price":
			slot = &it.salePrice
		case "cost_of_goods_sold":
			slot = &it.cost
		case "item_group_id":
			slot = &it.group
		case "product_type":
			slot = &it.productType
		case "image_link", "additional_image_link":
			text, err := d.Text()
			if err != nil {
				return err
			}
			var more bool
			it.images, more = feedkit.AddImages(it.images, text)
			it.moreImages = it.moreImages || more
			return nil
		case "product_detail":
			return p.detail()
		default:
			if !variantAttrs[local] {
				return d.Skip()
			}
			text, err := d.RawText()
			if err != nil {
				return err
			}
			p.property(local, text)
			return nil
		}
	}
	// The start tag's line, counted only for a value kept; el is the
	// decoder's, overwritten by any element inside.
	line, col := d.Line(), el.Name
	text, err := d.RawText()
	if err != nil {
		return err
	}
	slot.Set(&p.arena, text, line, col)
	return nil
}

// detail reads a g:product_detail group (section_name, attribute_name,
// attribute_value) into a property.
func (p *parser) detail() error {
	var name, value []byte
	for {
		k, err := p.d.Next()
		if err != nil {
			return err // never io.EOF inside the item
		}
		switch k {
		case xmlscan.EndElement:
			p.property(p.values.String(name), value)
			return nil
		case xmlscan.StartElement:
			local := p.d.Element().Local
			text, err := p.d.RawText()
			if err != nil {
				return err
			}
			switch local {
			case "attribute_name":
				name = p.arena.Keep(text)
			case "attribute_value":
				value = p.arena.Keep(text)
			}
		}
	}
}

func (p *parser) property(name string, value []byte) {
	name, value = feedkit.TrimSpace(name), feedkit.TrimSpaceBytes(value)
	if name != "" && len(value) > 0 && len(p.it.props) < connector.MaxColumns {
		p.it.props = append(p.it.props, catalog.Property{Name: name, Value: p.values.String(value)})
	}
}

// emit turns the item read into a catalog item or its problems.
func (p *parser) emit(path string, sink connector.Sink) error {
	it, b := &p.it, &p.b
	b.Reset(p.name, path, it.line)
	switch p.key {
	case "mpn":
		b.SKU(it.mpn, "g:mpn")
	case "gtin":
		b.SKU(it.gtin, "g:gtin")
	default:
		b.SKU(it.id, "g:id")
	}
	b.Set(fieldmap.Quantity, it.quantity)
	b.Set(fieldmap.Warehouse, it.store)
	if it.availability.Found {
		if f, ok := p.avail.parse(it.availability.Text); ok {
			b.Item.Available = f
		} else {
			b.Problem(fieldmap.Available, it.availability, fieldmap.ErrFlag.Error())
		}
	}
	p.amount(fieldmap.Price, it.price)
	p.amount(fieldmap.PurchasedPrice, it.cost)
	if !it.salePrice.Blank() {
		p.sale.Add(b.Item.SKU)
	}
	for i := range it.title {
		if !it.title[i].Blank() {
			b.Set(fieldmap.Name, it.title[i])
			break
		}
	}
	for i := range it.description {
		if !it.description[i].Blank() {
			b.Set(fieldmap.Description, it.description[i])
			break
		}
	}
	if !it.productType.Blank() {
		last := it.productType.Text[bytes.LastIndexByte(it.productType.Text, '>')+1:] // the deepest level
		b.SetText(fieldmap.Category, last, it.productType)
	}
	b.Set(fieldmap.Barcode, it.gtin)
	b.Set(fieldmap.ParentSKU, it.group)
	b.Images(it.images)
	if it.moreImages {
		p.capped.Add(b.Item.SKU)
	}
	b.Properties(it.props)
	p.fields.Add(&b.Item)
	if b.OK() {
		p.stock.Add(&b.Item)
	}
	return b.Emit(sink)
}

// amount stores a Google price, "14.99 USD": the amount in field and the
// ISO code as the item's currency (the first price's code wins).
func (p *parser) amount(field fieldmap.Field, v feedkit.Value) {
	if v.Blank() {
		return
	}
	text, code := splitCode(v.Text)
	if p.b.SetText(field, text, v) && code != nil && p.b.Item.Currency == "" {
		p.b.Item.Currency = p.codes.upper(code)
	}
}

// splitCode splits "14.99 USD" (or "USD 14.99") into the amount and the
// three-letter currency code; other forms ("₴14.99", "14.99") are left to
// the number parser whole.
func splitCode(s []byte) (amount, code []byte) {
	f, ok := twoFields(s)
	if ok {
		switch {
		case isCode(f[1]):
			return f[0], f[1]
		case isCode(f[0]):
			return f[1], f[0]
		}
	}
	return s, nil
}

// twoFields splits s at white space as bytes.Fields does, when it holds
// exactly two fields; it allocates nothing.
func twoFields(s []byte) (f [2][]byte, ok bool) {
	for _, c := range s {
		if c >= utf8.RuneSelf { // Unicode white space: bytes.Fields decides
			all := bytes.Fields(s)
			if len(all) != 2 {
				return f, false
			}
			return [2][]byte{all[0], all[1]}, true
		}
	}
	n := 0
	for i := 0; i < len(s); {
		for i < len(s) && asciiSpace(s[i]) {
			i++
		}
		if i == len(s) {
			break
		}
		j := i
		for j < len(s) && !asciiSpace(s[j]) {
			j++
		}
		if n == 2 {
			return f, false
		}
		f[n], n, i = s[i:j], n+1, j
	}
	return f, n == 2
}

// asciiSpace is unicode.IsSpace for ASCII bytes.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// codeMemo is the last currency code of a price, upper-cased: a feed writes
// the same one on every item.
type codeMemo struct{ raw, code string }

func (m *codeMemo) upper(code []byte) string {
	if m.raw != string(code) || m.code == "" {
		m.raw, m.code = string(code), strings.ToUpper(string(code))
	}
	return m.code
}

func isCode(s []byte) bool {
	if len(s) != 3 {
		return false
	}
	for i := range 3 {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// availMemo reads g:availability ("in stock", "in_stock", "preorder", ...)
// through the shared flag words, parsing again only when the text changes.
type availMemo struct {
	text string
	flag catalog.Flag
	ok   bool
	set  bool
}

func (m *availMemo) parse(v []byte) (catalog.Flag, bool) {
	if !m.set || m.text != string(v) {
		f, err := fieldmap.ParseFlag(string(v))
		*m = availMemo{text: string(v), flag: f, ok: err == nil, set: true}
	}
	return m.flag, m.ok
}

// notes explains what the operator should know about the feed read.
func (p *parser) notes() []string {
	var notes []string
	if p.items == 0 {
		notes = append(notes, "no items in the feed")
	}
	notes = append(notes, p.stock.Notes("item", "g:availability", `"in stock"`, `"out of stock"`, "g:quantity, which only local-inventory feeds carry")...)
	for _, n := range []string{
		p.sale.Note("item", "%s with a g:sale_price: price is the regular g:price"),
		p.capped.Note("item", fmt.Sprintf("%%s with more than %d images: the first %d are kept", catalog.MaxImages, catalog.MaxImages)),
	} {
		if n != "" {
			notes = append(notes, n)
		}
	}
	return notes
}

var _ connector.Format = Format{}
