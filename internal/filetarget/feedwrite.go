package filetarget

import (
	"bufio"
	"context"
	"encoding/xml"
	"io"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/connector/googlemerchant"
)

// xmlWriter writes XML text with escaping; the first error sticks.
type xmlWriter struct {
	w   *bufio.Writer
	err error
}

func newXMLWriter(w io.Writer) *xmlWriter {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriter(w)
	}
	return &xmlWriter{w: bw}
}

// raw writes markup as it is.
func (x *xmlWriter) raw(parts ...string) {
	for _, p := range parts {
		if x.err == nil {
			_, x.err = x.w.WriteString(p)
		}
	}
}

// text writes character data or an attribute value, escaped (quotes too).
func (x *xmlWriter) text(s string) {
	if x.err == nil {
		x.err = xml.EscapeText(x.w, []byte(s))
	}
}

// element writes <name>text</name> on its own line at indent.
func (x *xmlWriter) element(indent, name, text string) {
	x.raw(indent, "<", name, ">")
	x.text(text)
	x.raw("</", name, ">\n")
}

func (x *xmlWriter) flush() error {
	if x.err == nil {
		x.err = x.w.Flush()
	}
	return x.err
}

// ymlEncoder writes a YML stock feed: yml_catalog/shop/offers/offer with the
// id (the SKU), available, price, currencyId and the dialect's quantity
// element.
type ymlEncoder struct {
	dialect string
	shop    string
	date    time.Time
}

// quantityElement is where each dialect's marketplace reads the stock; ""
// for none.
func quantityElement(dialect string) string {
	switch dialect {
	case DialectRozetka:
		return "stock_quantity"
	case DialectEpicentr:
		return ""
	}
	return "quantity_in_stock"
}

func (e ymlEncoder) encode(ctx context.Context, w io.Writer, rows []Row) error {
	x := newXMLWriter(w)
	x.raw(`<?xml version="1.0" encoding="UTF-8"?>`+"\n", `<yml_catalog date="`, e.date.Format("2006-01-02 15:04"), "\">\n")
	indent := "  "
	epicentr := e.dialect == DialectEpicentr
	if !epicentr {
		x.raw("  <shop>\n")
		if e.shop != "" {
			x.element("    ", "name", e.shop)
		}
		// A single currency is the shop's own, at rate 1; with several the
		// rates are unknown here, so none is declared.
		if c := onlyCurrency(rows); c != "" {
			x.raw(`    <currencies><currency id="`)
			x.text(c)
			x.raw(`" rate="1"/></currencies>`, "\n")
		}
		indent = "    "
	}
	x.raw(indent, "<offers>\n")
	in, in2 := indent+"  ", indent+"    "
	qty := quantityElement(e.dialect)
	err := eachRow(ctx, rows, func(_ int, r Row) error {
		x.raw(in, `<offer id="`)
		x.text(r.SKU)
		x.raw(`" available="`, availableWord(r), "\">\n")
		if r.Name != "" {
			if epicentr {
				x.raw(in2, `<name lang="ua">`)
				x.text(r.Name)
				x.raw("</name>\n")
			} else {
				x.element(in2, "name", r.Name)
			}
		}
		if r.Price.Known {
			x.element(in2, "price", r.Price.String())
		}
		if r.Currency != "" && !epicentr {
			x.element(in2, "currencyId", r.Currency)
		}
		if qty != "" {
			x.element(in2, qty, r.Quantity.String())
		}
		x.raw(in, "</offer>\n")
		return x.err
	})
	if err != nil {
		return err
	}
	x.raw(indent, "</offers>\n")
	if !epicentr {
		x.raw("  </shop>\n")
	}
	x.raw("</yml_catalog>\n")
	return x.flush()
}

// availableWord is YML's available attribute: whether the offer can be
// ordered, which for a stock feed is whether there is stock.
func availableWord(r Row) string {
	if r.Quantity.Sign() > 0 {
		return "true"
	}
	return "false"
}

// onlyCurrency returns the one currency all priced rows share, or "".
func onlyCurrency(rows []Row) string {
	cur := ""
	for _, r := range rows {
		switch {
		case r.Currency == "" || r.Currency == cur:
		case cur == "":
			cur = r.Currency
		default:
			return ""
		}
	}
	return cur
}

// googleEncoder writes a Google Merchant supplemental feed: per item only
// g:id, g:availability and g:price, which Merchant Center merges into the
// primary feed's products by id.
type googleEncoder struct{ title string }

func (e googleEncoder) encode(ctx context.Context, w io.Writer, rows []Row) error {
	x := newXMLWriter(w)
	title := e.title
	if title == "" {
		title = "Stock from KeyCRM"
	}
	x.raw(`<?xml version="1.0" encoding="UTF-8"?>`+"\n", `<rss version="2.0" xmlns:g="`, googlemerchant.Namespace, "\">\n  <channel>\n")
	x.element("    ", "title", title)
	err := eachRow(ctx, rows, func(_ int, r Row) error {
		x.raw("    <item>\n")
		x.element("      ", "g:id", r.SKU)
		availability := "out_of_stock"
		if r.Quantity.Sign() > 0 {
			availability = "in_stock"
		}
		x.element("      ", "g:availability", availability)
		if r.Price.Known {
			price := r.Price.String()
			if r.Currency != "" {
				price += " " + r.Currency
			}
			x.element("      ", "g:price", price)
		}
		x.raw("    </item>\n")
		return x.err
	})
	if err != nil {
		return err
	}
	x.raw("  </channel>\n</rss>\n")
	return x.flush()
}
