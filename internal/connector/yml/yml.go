// Package yml reads YML (Yandex Market Language) catalogue feeds in the
// dialects Ukrainian marketplaces use — Rozetka, Prom.ua, Epicentr (no <shop>,
// names per language), MauDau (name_ua, quantity_in_stock) — as a stream: one
// item per <offer>, in file order, positioned at the offer's line.
//
// Where the SKU is: --key id (the default: the offer's id attribute, which
// Rozetka, MauDau and Epicentr feeds fill with the shop's SKU), --key
// vendorCode, --key article, or --key param:NAME for a <param name="NAME">
// (param:Артикул). Prom.ua update feeds carry Prom's own numeric product ids in
// id; match them with another key or expect them to be unknown to KeyCRM.
//
// Stock and availability. The quantity is read from the first of
// quantity_in_stock, stock_quantity and quantity that holds a value (the order
// marketplaces check them in). A quantity, when present, is the stock, whatever
// the available attribute says: available becomes the canonical available flag
// (whether the offer can be ordered), and an offer whose flag contradicts its
// quantity (available="true" with 0, available="false" with 5 — both occur in
// real feeds) keeps both values and is counted in a note. An offer with no
// quantity element has an unknown stock, never 0, whatever available says:
// such a feed (Epicentr's has none at all) can drive availability and prices,
// not stock levels.
//
// Other fields: price and purchase_price in the offer's currencyId (prices are
// not converted by currencies/@rate); the name and description preferring
// Ukrainian (name_ua, <name lang="ua">) over the plain element over Russian;
// the category by categoryId from categories, or Epicentr's <category>
// element; barcode; picture elements (a "; "-separated list in one element
// too), the first six kept; group_id as parent_sku, grouping variants; every
// <param> as a property, "VALUE UNIT" when it has a unit. Dimensions and
// weight are not read: feeds disagree on their units (Epicentr writes grams and
// millimetres, the YML reference kilograms and centimetres).
//
// The DTD a DOCTYPE names (shops.dtd) is never fetched, and an encoding
// declaration that the bytes contradict is detected (packages feedkit and xmlscan).
package yml

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
	"github.com/keycrm-sync/keycrm-sync/internal/xmlscan"
)

// Format reads YML feeds (*.xml and *.yml files whose root is yml_catalog,
// and standard input with --format yml).
type Format struct{}

// Name is the --format value.
func (Format) Name() string { return "yml" }

// Detect accepts .xml and .yml files whose root element is yml_catalog.
func (Format) Detect(loc connector.Location, head []byte) bool {
	if loc.Kind != connector.KindFile || loc.Ext != "xml" && loc.Ext != "yml" {
		return false
	}
	root, ok := connector.XMLRoot(head)
	return ok && root.Name.Local == "yml_catalog"
}

// Open checks the options and opens the input; nothing is read yet.
func (Format) Open(_ context.Context, loc connector.Location, opt connector.ReadOptions) (connector.Reader, error) {
	if err := connector.CheckOptions("yml", opt, "--encoding", "--key"); err != nil {
		return nil, err
	}
	k, err := parseKey(opt.Key)
	if err != nil {
		return nil, err
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
	return &reader{in: in, encoding: opt.Encoding, key: k, info: connector.SourceInfo{Format: "yml"}}, nil
}

// key is where an offer's SKU is read: the id attribute (elem ""), an element
// (vendorCode, article) or a param (elem "param" with its name).
type key struct {
	elem  string
	param string
}

func parseKey(s string) (key, error) {
	switch {
	case s == "" || s == "id":
		return key{}, nil
	case strings.EqualFold(s, "vendorCode"):
		return key{elem: "vendorCode"}, nil
	case strings.EqualFold(s, "article"):
		return key{elem: "article"}, nil
	case strings.HasPrefix(s, "param:") && strings.TrimSpace(s[len("param:"):]) != "":
		return key{elem: "param", param: strings.TrimSpace(s[len("param:"):])}, nil
	}
	return key{}, fmt.Errorf("--key %q: a YML offer's SKU is its id, vendorCode, article or a param (param:NAME, e.g. param:Артикул)", s)
}

type reader struct {
	in       *connector.Input
	encoding string
	key      key
	info     connector.SourceInfo
}

// Info describes the source; complete once Read has returned.
func (r *reader) Info() connector.SourceInfo { return r.info }

// Close closes the file (standard input stays open).
func (r *reader) Close() error { return r.in.Close() }

// Read streams the offers to sink.
func (r *reader) Read(ctx context.Context, sink connector.Sink) error {
	err := r.read(ctx, sink)
	r.info.SHA256 = r.in.SHA256()
	return err
}

// checkEvery is how many offers pass between looks at the context.
const checkEvery = 256

// maxCategories bounds the category names kept for the offers' categoryId:
// marketplaces have a few thousand; a file with millions is not a feed, and
// memory must not grow with it.
const maxCategories = 100_000

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
	p := &parser{d: d, key: r.key, name: name, categories: map[string]string{}}
	defer func() {
		r.info.Encoding = d.Encoding()
		r.info.Fields = p.fields.List()
		r.info.Notes = append(append(d.Notes(), r.info.Notes...), p.notes()...)
	}()
	for root := true; ; {
		k, err := d.Next()
		if err == io.EOF {
			if root {
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
		if root {
			if start.Local != "yml_catalog" {
				return fmt.Errorf("read %s: not a YML feed: the root element is <%s>, not <yml_catalog>", name, start.Name)
			}
			root = false
			continue
		}
		if d.Depth() == 1 {
			return fmt.Errorf("read %s line %d: a second root element <%s> after </yml_catalog> (two feeds in one file?)", name, d.Line(), start.Name)
		}
		switch {
		case start.Local == "offer" && d.Parent() == "offers":
			if p.offers++; p.offers%checkEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := p.offer(start, sink); err != nil {
				return err
			}
		case start.Local == "category" && d.Parent() == "categories":
			id, _ := start.Attr("id")
			text, err := d.Text()
			if err != nil {
				return err
			}
			if len(p.categories) < maxCategories {
				p.categories[feedkit.TrimSpace(id)] = feedkit.TrimSpace(text)
			}
		}
	}
}

// Language slots for names and descriptions, best first: KeyCRM shops keep
// their catalogue in Ukrainian.
const (
	langUA = iota
	langPlain
	langRU
	langOther
	numLangs
)

// quantity elements, in the order they are read (h-profit's rule:
// quantity_in_stock is checked first).
var quantityElems = [...]string{"quantity_in_stock", "stock_quantity", "quantity"}

// offer is one <offer> as read, reused from offer to offer.
type offer struct {
	line                             int
	id, available, groupID           feedkit.Value
	price, purchase, currency        feedkit.Value
	categoryID, category             feedkit.Value
	vendorCode, article, barcode, kp feedkit.Value
	quantities                       [len(quantityElems)]feedkit.Value
	names, descriptions              [numLangs]feedkit.Value
	pictures                         []string
	morePictures                     bool
	params                           []catalog.Property
	droppedParams                    int
}

type parser struct {
	d          *feedkit.Decoder
	key        key
	name       string
	categories map[string]string
	params     feedkit.Interner // param names and values
	unit       []byte           // a param's unit, copied out of its start tag
	value      []byte           // a param's value with its unit
	fields     feedkit.Fields
	offers     int
	o          offer
	arena      feedkit.Arena // the offer's values
	b          feedkit.Builder
	stock      feedkit.Stock

	disagree, undeclared, capped, manyParams feedkit.Tally
}

// offer reads one offer and yields its item or problems.
func (p *parser) offer(start feedkit.Element, sink connector.Sink) error {
	d := p.d
	o := &p.o
	*o = offer{line: d.Line(), pictures: o.pictures[:0], params: o.params[:0]}
	p.arena.Reset()
	offerPath := d.Path()
	for _, a := range start.Attrs() {
		if a.Name.Prefix != "" {
			continue
		}
		switch a.Name.Local {
		case "id":
			o.id.Set(&p.arena, a.Value, o.line, "@id")
		case "available":
			o.available.Set(&p.arena, a.Value, o.line, "@available")
		case "group_id":
			o.groupID.Set(&p.arena, a.Value, o.line, "@group_id")
		}
	}
	if err := d.Children(p.child); err != nil {
		return err
	}
	return p.emit(offerPath, sink)
}

// child reads one element inside an offer. Its attributes are read before
// its text, which may refill the decoder's buffer over the start tag.
func (p *parser) child(el *feedkit.Element) error {
	d, o := p.d, &p.o
	var slot *feedkit.Value
	switch local := el.Local; local {
	case "price":
		slot = &o.price
	case "purchase_price":
		slot = &o.purchase
	case "currencyId":
		slot = &o.currency
	case "categoryId":
		slot = &o.categoryID
	case "category":
		slot = &o.category
	case "vendorCode":
		slot = &o.vendorCode
	case "article":
		slot = &o.article
	case "barcode":
		slot = &o.barcode
	case "name", "name_ua", "name_uk", "name_ru":
		slot = &o.names[language(el, local)]
	case "description", "description_ua", "description_uk", "description_ru":
		slot = &o.descriptions[language(el, local)]
	case "picture":
		text, err := d.Text()
		if err != nil {
			return err
		}
		var more bool
		o.pictures, more = feedkit.AddImages(o.pictures, text)
		o.morePictures = o.morePictures || more
		return nil
	case "param":
		return p.param(el, d.Line())
	default:
		for i, q := range quantityElems {
			if local == q {
				slot = &o.quantities[i]
			}
		}
		if slot == nil {
			return d.Skip()
		}
	}
	line, col := d.Line(), el.Name // the start tag's line: counted only for a value kept
	if lang, ok := el.Attr("lang"); ok {
		col += `[@lang="` + lang + `"]`
	}
	text, err := d.RawText()
	if err != nil {
		return err
	}
	slot.Set(&p.arena, text, line, col)
	return nil
}

// language picks the slot of a name or description element.
func language(el *feedkit.Element, local string) int {
	lang := ""
	if i := strings.LastIndexByte(local, '_'); i >= 0 {
		lang = local[i+1:]
	} else if l, ok := el.Attr("lang"); ok {
		lang = strings.ToLower(strings.TrimSpace(l))
	}
	switch lang {
	case "":
		return langPlain
	case "ua", "uk":
		return langUA
	case "ru":
		return langRU
	}
	return langOther
}

// param reads a <param name="..." unit="...">; the key param is also kept
// apart. An offer keeps at most connector.MaxColumns params.
func (p *parser) param(el *feedkit.Element, line int) error {
	o := &p.o
	raw, _ := el.RawAttr("name")
	name := p.params.String(feedkit.TrimSpaceBytes(raw))
	raw, _ = el.RawAttr("unit")
	p.unit = append(p.unit[:0], feedkit.TrimSpaceBytes(raw)...) // the text may refill the buffer under it
	text, err := p.d.RawText()
	if err != nil {
		return err
	}
	if p.key.elem == "param" && strings.EqualFold(name, p.key.param) {
		o.kp.Set(&p.arena, text, line, `param[@name="`+name+`"]`)
	}
	v := feedkit.TrimSpaceBytes(text)
	if name == "" || len(v) == 0 {
		return nil
	}
	if len(o.params) == connector.MaxColumns {
		o.droppedParams++
		return nil
	}
	if len(p.unit) > 0 { // "VALUE UNIT"
		p.value = append(append(append(p.value[:0], v...), ' '), p.unit...)
		v = p.value
	}
	o.params = append(o.params, catalog.Property{Name: name, Value: p.params.String(v)})
	return nil
}

// emit turns the offer read into an item or its problems.
func (p *parser) emit(offerPath string, sink connector.Sink) error {
	o, b := &p.o, &p.b
	b.Reset(p.name, offerPath, o.line)
	switch p.key.elem {
	case "vendorCode":
		b.SKU(o.vendorCode, "vendorCode")
	case "article":
		b.SKU(o.article, "article")
	case "param":
		b.SKU(o.kp, `param[@name="`+p.key.param+`"]`)
	default:
		b.SKU(o.id, "@id")
	}
	sku := b.Item.SKU
	qty, disagree := -1, false
	for i := range o.quantities {
		switch q := &o.quantities[i]; {
		case q.Blank():
		case qty < 0:
			qty = i
		case !bytes.Equal(feedkit.TrimSpaceBytes(q.Text), feedkit.TrimSpaceBytes(o.quantities[qty].Text)) && !disagree:
			disagree = true
			p.disagree.Add(sku)
		}
	}
	if qty >= 0 {
		b.Set(fieldmap.Quantity, o.quantities[qty])
	}
	b.Set(fieldmap.Available, o.available)
	b.Set(fieldmap.Currency, o.currency) // before the prices: a currency in a price does not override it
	b.Set(fieldmap.Price, o.price)
	b.Set(fieldmap.PurchasedPrice, o.purchase)
	b.Set(fieldmap.Barcode, o.barcode)
	b.Set(fieldmap.ParentSKU, o.groupID)
	for i := range o.names {
		if !o.names[i].Blank() {
			b.Set(fieldmap.Name, o.names[i])
			break
		}
	}
	for i := range o.descriptions {
		if !o.descriptions[i].Blank() {
			b.Set(fieldmap.Description, o.descriptions[i])
			break
		}
	}
	if !o.category.Blank() {
		b.Set(fieldmap.Category, o.category)
	} else if id := feedkit.TrimSpaceBytes(o.categoryID.Text); len(id) > 0 {
		if c, ok := p.categories[string(id)]; ok {
			b.Item.Category = c
		} else {
			p.undeclared.Add(sku)
		}
	}
	b.Images(o.pictures)
	if o.morePictures {
		p.capped.Add(sku)
	}
	b.Properties(o.params)
	if o.droppedParams > 0 {
		p.manyParams.Add(sku)
	}
	p.fields.Add(&b.Item)
	if b.OK() {
		p.stock.Add(&b.Item)
	}
	return b.Emit(sink)
}

// notes explains what the operator should know about the feed read.
func (p *parser) notes() []string {
	var notes []string
	if p.offers == 0 {
		notes = append(notes, "no offers in the feed")
	}
	notes = append(notes, p.stock.Notes("offer", "available", `"true"`, `"false"`, "quantity_in_stock, stock_quantity or quantity")...)
	for _, n := range []string{
		p.disagree.Note("offer", "%s with several quantity elements that disagree: quantity_in_stock is read first, then stock_quantity, then quantity"),
		p.undeclared.Note("offer", "%s with a categoryId that categories does not declare before the offers: their category is unknown"),
		p.capped.Note("offer", fmt.Sprintf("%%s with more than %d pictures: the first %d are kept", catalog.MaxImages, catalog.MaxImages)),
		p.manyParams.Note("offer", fmt.Sprintf("%%s with more than %d params: the rest were not read", connector.MaxColumns)),
	} {
		if n != "" {
			notes = append(notes, n)
		}
	}
	return notes
}

var _ connector.Format = Format{}
