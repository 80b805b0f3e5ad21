package commerceml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
	"github.com/keycrm-sync/keycrm-sync/internal/numparse"
)

// mode is what a pass over a document does with its offers.
type mode uint8

const (
	// modeSniff reads declarations and the first offers only, to learn
	// what kind of file this is.
	modeSniff mode = iota
	// modeIndex keeps offers in memory, to be joined with streamed ones.
	modeIndex
	// modeStream turns offers into items as they are read.
	modeStream
)

// sniffOffers is how many non-empty offers the sniff looks at before deciding
// whether a file carries stock.
const sniffOffers = 16

// errStop ends a sniff early; it never leaves the package.
var errStop = errors.New("stop")

// text is a key value (Артикул, Код, Штрихкод) as found, with where it was
// found for a problem about it.
type text struct {
	v    string
	seen bool // the element exists, perhaps empty
	file string
	line int
	path string
}

// number is a quantity or price as found. A number that is absent or empty is
// unknown; one that does not parse keeps its text and error for a problem.
type number struct {
	n    catalog.Num
	err  error
	raw  string
	file string
	line int
	path string
}

func (n *number) present() bool { return n.n.Known || n.err != nil }

// stock is one warehouse's quantity of an offer.
type stock struct {
	warehouse string
	whPath    string // where the warehouse id was read
	q         number
}

// offer is one Предложение, or the union of the Предложение elements with
// one Ид across the files of a split (3.x) package.
type offer struct {
	id      string
	file    string
	line    int
	article text
	code    text
	barcode text
	name    string
	props   []catalog.Property
	deleted bool
	price   number
	bought  number // purchased_price
	priceC  string // the currency of price
	boughtC string
	total   number // Количество
	stocks  []stock
	kids    int  // child elements: 0 is an empty <Предложение/>
	stock   bool // it states a quantity, for the sniff
}

// key is the offer's own value of a key other than its Ид.
func (o *offer) key(k string) text {
	switch k {
	case keyArticle:
		return o.article
	case keyCode:
		return o.code
	case keyBarcode:
		return o.barcode
	}
	return text{}
}

// reset empties o for reuse, keeping its slices' storage.
func (o *offer) reset(file string, line int) {
	*o = offer{props: o.props[:0], stocks: o.stocks[:0], file: file, line: line}
}

// clone copies o with its own slices, for the index.
func (o *offer) clone() offer {
	c := *o
	c.props = append([]catalog.Property(nil), o.props...)
	c.stocks = append([]stock(nil), o.stocks...)
	return c
}

// merge lays src (a later file's Предложение with the same Ид) over o: what
// src states wins, what it leaves out or leaves empty is kept.
func (o *offer) merge(src *offer) {
	o.file, o.line = src.file, src.line
	for _, k := range []struct{ dst, src *text }{{&o.article, &src.article}, {&o.code, &src.code}, {&o.barcode, &src.barcode}} {
		if k.src.v != "" || k.src.seen && !k.dst.seen {
			*k.dst = *k.src
		}
	}
	if src.name != "" {
		o.name = src.name
	}
	if len(src.props) > 0 {
		o.props = append(o.props[:0:0], src.props...)
	}
	o.deleted = o.deleted || src.deleted
	if src.price.present() {
		o.price, o.priceC = src.price, src.priceC
	}
	if src.bought.present() {
		o.bought, o.boughtC = src.bought, src.boughtC
	}
	if src.total.present() {
		o.total = src.total
	}
	if len(src.stocks) > 0 {
		o.stocks = append(o.stocks[:0:0], src.stocks...)
	}
}

// checkRecord refuses an element (a Товар, a Предложение) whose values read
// since start (the scanner's text count then) exceed what a record may hold,
// so that one element cannot fill memory through many values that are each
// under the token limit.
func (d *doc) checkRecord(what string, start int64, values int) error {
	if d.s.texts-start > connector.MaxRecordBytes || values > connector.MaxColumns {
		return fmt.Errorf("%w: a %s holding more than %d KiB or %d values", connector.ErrTooLarge, what, connector.MaxRecordBytes>>10, connector.MaxColumns)
	}
	return nil
}

// product is what an offer needs from its Товар in the catalogue.
type product struct {
	article string
	code    string
	barcode string
	name    string
	group   string // the first group's Ид
	props   []catalog.Property
	deleted bool
}

// priceType is a declared ТипЦены.
type priceType struct {
	id, name, currency string
}

// doc is one pass over one file.
type doc struct {
	r        *run
	s        *scanner
	file     string // as positions name it
	mode     mode
	rooted   bool            // the root element was CommerceML's
	sections map[string]bool // the root's children seen
	// What the sniff saw of the first offers.
	offers int
	stock  bool
}

func newDoc(r *run, src io.Reader, file string, m mode) *doc {
	return &doc{r: r, s: newScanner(src), file: file, mode: m, sections: map[string]bool{}}
}

// holdsOffers tells whether the document has an offer package.
func (d *doc) holdsOffers() bool {
	return d.sections["ПакетПредложений"] || d.sections["ИзмененияПакетаПредложений"]
}

// document reads the root element's sections.
func (d *doc) document() error {
	if err := d.s.root(); err != nil {
		return err
	}
	d.rooted = true
	err := d.s.children(func(t element) error {
		name := t.name.Local
		d.sections[name] = true
		switch name {
		case "Классификатор":
			return d.classifier()
		case "Каталог":
			if d.mode == modeSniff {
				return errStop
			}
			return d.catalogue()
		case "ПакетПредложений":
			// Stock lives in the offer packages, so their mark alone says
			// whether absence means anything; a catalogue of changes only
			// with a full offer package is a full stock snapshot.
			if v, ok := t.attr("СодержитТолькоИзменения"); ok && strings.EqualFold(string(bytes.TrimSpace(v)), "true") {
				d.r.delta = true
			}
			return d.offerPackage()
		case "ИзмененияПакетаПредложений":
			d.r.delta = true // "changes of the offer package" holds changes by definition
			return d.offerPackage()
		}
		return nil
	})
	if err != nil || d.mode == modeSniff {
		return err
	}
	// Nothing but white space and comments may follow the root element.
	if _, err := d.s.next(); err != io.EOF {
		return err
	}
	return nil
}

func (d *doc) classifier() error {
	return d.s.children(func(t element) error {
		switch t.name.Local {
		case "Группы":
			return d.groups()
		case "ТипыЦен":
			return d.priceTypes()
		case "Склады":
			return d.warehouses()
		}
		return nil
	})
}

// groups reads a level of the group tree, and the levels below it.
func (d *doc) groups() error {
	return d.s.children(func(t element) error {
		if t.name.Local != "Группа" {
			return nil
		}
		var id, name string
		err := d.s.children(func(t element) error {
			var err error
			switch t.name.Local {
			case "Ид":
				id, err = d.s.trimmedText()
			case "Наименование":
				name, err = d.s.trimmedText()
			case "Группы":
				err = d.groups()
			}
			return err
		})
		if id != "" && name != "" {
			d.r.groups[id] = name
		}
		return err
	})
}

func (d *doc) priceTypes() error {
	return d.s.children(func(t element) error {
		if t.name.Local != "ТипЦены" {
			return nil
		}
		var pt priceType
		err := d.s.children(func(t element) error {
			var err error
			switch t.name.Local {
			case "Ид":
				pt.id, err = d.s.trimmedText()
			case "Наименование":
				pt.name, err = d.s.trimmedText()
			case "Валюта":
				pt.currency, err = d.s.trimmedText()
			}
			return err
		})
		if err == nil {
			d.r.declarePriceType(pt)
		}
		return err
	})
}

func (d *doc) warehouses() error {
	return d.s.children(func(t element) error {
		if t.name.Local != "Склад" {
			return nil
		}
		var w connector.Warehouse
		err := d.s.children(func(t element) error {
			var err error
			switch t.name.Local {
			case "Ид":
				w.ID, err = d.s.trimmedText()
			case "Наименование":
				w.Name, err = d.s.trimmedText()
			}
			return err
		})
		if err == nil && w.ID != "" {
			d.r.declareWarehouse(w)
		}
		return err
	})
}

func (d *doc) catalogue() error {
	return d.s.children(func(t element) error {
		if t.name.Local != "Товары" {
			return nil
		}
		return d.s.children(func(t element) error {
			if t.name.Local != "Товар" {
				return nil
			}
			if err := d.r.tick(); err != nil {
				return err
			}
			return d.product()
		})
	})
}

func (d *doc) product() error {
	var p product
	var id string
	start := d.s.texts
	err := d.s.children(func(t element) error {
		var err error
		switch t.name.Local {
		case "Ид":
			id, err = d.s.trimmedText()
		case "Артикул":
			p.article, err = d.skuText()
		case "Наименование":
			p.name, err = d.s.trimmedText()
		case "Штрихкод":
			p.barcode, err = d.skuText()
		case "Группы":
			err = d.s.children(func(t element) error {
				var err error
				if t.name.Local == "Ид" && p.group == "" {
					p.group, err = d.s.trimmedText()
				}
				return err
			})
		case "ХарактеристикиТовара":
			p.props, err = d.characteristics(p.props)
		case "ЗначенияРеквизитов":
			var code text
			if code, err = d.requisiteCode(); code.v != "" {
				p.code = code.v
			}
		case "ПометкаУдаления", "Статус":
			var v string
			v, err = d.s.trimmedText()
			p.deleted = p.deleted || isDeleted(t.name.Local, v)
		}
		if err != nil {
			return err
		}
		return d.checkRecord("product (Товар)", start, len(p.props))
	})
	if err != nil {
		return err
	}
	if id != "" {
		d.r.products[id] = &p
	}
	return nil
}

// isDeleted reads the two ways 1C marks a deleted item: ПометкаУдаления
// true (3.x), or Статус Удален (2.x, and Bitrix's 2.05 exchange).
func isDeleted(element, v string) bool {
	if element == "Статус" {
		return strings.EqualFold(v, "Удален")
	}
	return strings.EqualFold(v, "true")
}

// skuText reads a key value: trimmed as SKUs are.
func (d *doc) skuText() (string, error) {
	b, err := d.s.text()
	return catalog.NormalizeSKU(string(b)), err
}

// characteristics reads ХарактеристикиТовара into name=value properties.
func (d *doc) characteristics(props []catalog.Property) ([]catalog.Property, error) {
	err := d.s.children(func(t element) error {
		if t.name.Local != "ХарактеристикаТовара" {
			return nil
		}
		var p catalog.Property
		err := d.s.children(func(t element) error {
			var err error
			switch t.name.Local {
			case "Наименование":
				p.Name, err = d.s.trimmedText()
			case "Значение":
				p.Value, err = d.s.trimmedText()
			}
			return err
		})
		if err == nil && p.Name != "" {
			props = append(props, p)
		}
		return err
	})
	return props, err
}

// requisiteCode finds the ЗначениеРеквизита named Код (1C's item code).
func (d *doc) requisiteCode() (text, error) {
	var code text
	err := d.s.children(func(t element) error {
		if t.name.Local != "ЗначениеРеквизита" {
			return nil
		}
		var name string
		var value text
		err := d.s.children(func(t element) error {
			var err error
			switch t.name.Local {
			case "Наименование":
				name, err = d.s.trimmedText()
			case "Значение":
				value = text{seen: true, file: d.file, line: d.s.line(), path: pathCode}
				value.v, err = d.skuText()
			}
			return err
		})
		if err == nil && name == "Код" && !code.seen {
			code = value
		}
		return err
	})
	return code, err
}

// Paths of the values problems name, as they appear in the file.
const (
	pathID          = "Предложение/Ид"
	pathArticle     = "Предложение/Артикул"
	pathBarcode     = "Предложение/Штрихкод"
	pathCode        = "Предложение/ЗначенияРеквизитов/ЗначениеРеквизита[Код]/Значение"
	pathTotal       = "Предложение/Количество"
	pathStockAttr   = "Предложение/Склад/@КоличествоНаСкладе"
	pathStockWhAttr = "Предложение/Склад/@ИдСклада"
	pathRest        = "Предложение/Остатки/Остаток/Склад/Количество"
	pathRestWh      = "Предложение/Остатки/Остаток/Склад/Ид"
	pathRestTotal   = "Предложение/Остатки/Остаток/Количество"
	pathPrice       = "Предложение/Цены/Цена/ЦенаЗаЕдиницу"
)

func (d *doc) offerPackage() error {
	return d.s.children(func(t element) error {
		switch t.name.Local {
		case "ТипыЦен":
			return d.priceTypes()
		case "Склады":
			return d.warehouses()
		case "Предложения":
			return d.s.children(func(t element) error {
				if t.name.Local != "Предложение" {
					return nil
				}
				return d.offer()
			})
		}
		return nil
	})
}

func (d *doc) offer() error {
	r := d.r
	if err := r.tick(); err != nil {
		return err
	}
	if d.mode != modeSniff {
		if err := r.resolvePrices(); err != nil {
			return err
		}
	}
	o := &r.scratch
	o.reset(d.file, d.s.line())
	start := d.s.texts
	err := d.s.children(func(t element) error {
		o.kids++
		if err := d.offerChild(o, t); err != nil {
			return err
		}
		return d.checkRecord("offer (Предложение)", start, len(o.props)+len(o.stocks))
	})
	if err != nil {
		return err
	}
	switch {
	case o.kids == 0:
		if d.mode != modeSniff {
			r.empty++
		}
		return nil
	case d.mode == modeSniff:
		d.offers++
		d.stock = d.stock || o.stock
		if d.offers >= sniffOffers || d.stock {
			return errStop
		}
		return nil
	case d.mode == modeIndex:
		r.store(o)
		return nil
	}
	return r.stream(o)
}

func (d *doc) offerChild(o *offer, t element) error {
	var err error
	switch t.name.Local {
	case "Ид":
		o.id, err = d.s.trimmedText()
	case "Артикул":
		o.article = text{seen: true, file: d.file, line: d.s.line(), path: pathArticle}
		o.article.v, err = d.skuText()
	case "Штрихкод":
		o.barcode = text{seen: true, file: d.file, line: d.s.line(), path: pathBarcode}
		o.barcode.v, err = d.skuText()
	case "Наименование":
		o.name, err = d.s.trimmedText()
	case "ХарактеристикиТовара":
		o.props, err = d.characteristics(o.props)
	case "ЗначенияРеквизитов":
		var code text
		if code, err = d.requisiteCode(); code.seen {
			o.code = code
		}
	case "ПометкаУдаления", "Статус":
		var v string
		v, err = d.s.trimmedText()
		o.deleted = o.deleted || isDeleted(t.name.Local, v)
	case "Цены":
		err = d.prices(o)
	case "Количество":
		o.stock = true
		line := d.s.line()
		var b []byte
		if b, err = d.s.text(); err == nil {
			o.total = d.quantity(b, line, pathTotal)
		}
	case "Склад":
		o.stock = true
		wh, _ := t.attr("ИдСклада")
		q, _ := t.attr("КоличествоНаСкладе")
		d.addStock(o, d.r.warehouseID(bytes.TrimSpace(wh)), pathStockWhAttr, d.quantity(q, d.s.line(), pathStockAttr))
	case "Остатки":
		o.stock = true
		err = d.rests(o)
	}
	return err
}

// addStock records one warehouse's quantity; an entry without a warehouse id
// is a problem of the item, reported with the SKU once it is known.
func (d *doc) addStock(o *offer, wh, whPath string, q number) {
	if wh == "" {
		q = number{err: errNoWarehouse, file: d.file, line: q.line, path: whPath}
	}
	o.stocks = append(o.stocks, stock{warehouse: wh, whPath: whPath, q: q})
	d.s.texts += int64(len(wh)) // attributes count toward the record limit too
}

// errNoWarehouse is the problem of a per-warehouse quantity without the
// warehouse it belongs to.
var errNoWarehouse = errors.New("no warehouse id")

// rests reads 3.x Остатки: per warehouse (Остаток/Склад/{Ид, Количество}) or
// a total (Остаток/Количество).
func (d *doc) rests(o *offer) error {
	return d.s.children(func(t element) error {
		if t.name.Local != "Остаток" {
			return nil
		}
		return d.s.children(func(t element) error {
			switch t.name.Local {
			case "Количество":
				line := d.s.line()
				b, err := d.s.text()
				if err == nil {
					o.total = d.quantity(b, line, pathRestTotal)
				}
				return err
			case "Склад":
				var wh string
				q := number{file: d.file, line: d.s.line(), path: pathRest}
				err := d.s.children(func(t element) error {
					var err error
					switch t.name.Local {
					case "Ид":
						wh, err = d.s.trimmedText()
					case "Количество":
						line := d.s.line()
						var b []byte
						if b, err = d.s.text(); err == nil {
							q = d.quantity(b, line, pathRest)
						}
					}
					return err
				})
				if err == nil {
					d.addStock(o, wh, pathRestWh, q)
				}
				return err
			}
			return nil
		})
	})
}

// prices reads Цены, keeping the prices of the types chosen for price and
// purchased_price (see run.resolvePrices).
func (d *doc) prices(o *offer) error {
	return d.s.children(func(t element) error {
		if t.name.Local != "Цена" || d.mode == modeSniff {
			return nil
		}
		// The type's Ид is only compared, the currency one of a few: neither
		// costs an allocation per offer.
		var currency string
		var typeID, value []byte
		line := d.s.line()
		err := d.s.children(func(t element) error {
			var err error
			switch t.name.Local {
			case "ИдТипаЦены":
				var b []byte
				b, err = d.s.text()
				typeID = append(d.r.typeBuf[:0], bytes.TrimSpace(b)...)
				d.r.typeBuf = typeID
			case "ЦенаЗаЕдиницу":
				line = d.s.line()
				var b []byte
				b, err = d.s.text()
				value = append(d.r.priceBuf[:0], b...)
				d.r.priceBuf = value
			case "Валюта":
				var b []byte
				b, err = d.s.text()
				currency = d.r.currencies.get(bytes.TrimSpace(b))
			}
			return err
		})
		if err != nil {
			return err
		}
		field, pt := d.r.priceField(typeID)
		if field == noPrice {
			return nil
		}
		if currency == "" {
			currency = pt.currency
		}
		n := d.number(value, line, pathPrice, false)
		if field&fieldPrice != 0 {
			o.price, o.priceC = n, currency
		}
		if field&fieldBought != 0 {
			o.bought, o.boughtC = n, currency
		}
		return nil
	})
}

func (d *doc) quantity(b []byte, line int, path string) number {
	return d.number(b, line, path, true)
}

// number parses a machine-written decimal (1C writes "25.00", "-1.00",
// "30.5"). Negative quantities and prices are problems.
func (d *doc) number(b []byte, line int, path string, qty bool) number {
	n := number{file: d.file, line: line, path: path}
	if len(bytes.TrimSpace(b)) == 0 {
		return n
	}
	v, _, err := numparse.Parse(b, numparse.Options{})
	switch {
	case err != nil:
	case v.Sign() < 0 && qty:
		err = fieldmap.ErrNegative
	case v.Sign() < 0:
		err = fieldmap.ErrNegativeNo
	default:
		n.n = catalog.Known(v)
		return n
	}
	n.err, n.raw = err, string(b)
	return n
}
