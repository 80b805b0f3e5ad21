package filetarget

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

// quantityElems are the stock elements of YML offers, in the order the
// reader reads them.
var quantityElems = []string{"quantity_in_stock", "stock_quantity", "quantity"}

// ymlFile is a YML feed with the byte offsets of each offer's stock: the
// text of its quantity elements and the value of its available attribute.
// Everything else — other elements, CDATA, comments, the DOCTYPE, white
// space — is copied as it is.
type ymlFile struct {
	key    ymlKey
	text   []byte // UTF-8: the file, or the file decoded from Windows-1251
	cp1251 bool
	elem   string // the quantity element offers without one get; "" for none
	offers []ymlOffer
	list   []entry
}

// span is text[start:end].
type span struct{ start, end int }

type ymlOffer struct {
	quantities []span // the text inside each quantity element
	closed     []span // self-closing quantity elements (<quantity_in_stock/>)
	available  span   // the attribute's value; end 0 when there is none
	close      int    // where </offer> starts
}

// ymlKey is where an offer's SKU is, as the YML reader's --key says: the id
// attribute (elem ""), an element (vendorCode, article) or a param.
type ymlKey struct{ elem, param string }

func parseYMLKey(s string) (ymlKey, error) {
	switch {
	case s == "" || s == "id":
		return ymlKey{}, nil
	case strings.EqualFold(s, "vendorCode"):
		return ymlKey{elem: "vendorCode"}, nil
	case strings.EqualFold(s, "article"):
		return ymlKey{elem: "article"}, nil
	case strings.HasPrefix(s, "param:") && strings.TrimSpace(s[len("param:"):]) != "":
		return ymlKey{elem: "param", param: strings.TrimSpace(s[len("param:"):])}, nil
	}
	return ymlKey{}, fmt.Errorf("--key %q: a YML offer's SKU is its id, vendorCode, article or a param (param:NAME)", s)
}

// isKey reports whether el, a child of an offer, holds the SKU.
func (k ymlKey) isKey(el xml.StartElement) bool {
	if k.elem == "" || el.Name.Local != k.elem {
		return false
	}
	if k.elem != "param" {
		return true
	}
	for _, a := range el.Attr {
		if a.Name.Local == "name" && strings.EqualFold(strings.TrimSpace(a.Value), k.param) {
			return true
		}
	}
	return false
}

// availableAttr finds the available attribute in an offer's start tag.
var availableAttr = regexp.MustCompile(`\savailable\s*=\s*("[^"]*"|'[^']*')`)

func loadYML(dst string, opt Options) (*ymlFile, error) {
	raw, err := os.ReadFile(dst)
	if err != nil {
		return nil, fmt.Errorf("update %s: %w", dst, err)
	}
	key, err := parseYMLKey(opt.Key)
	if err != nil {
		return nil, err
	}
	y := &ymlFile{text: raw, key: key}
	if !utf8.Valid(raw) {
		// Feeds declare UTF-8 and hold Windows-1251 (see package feedkit):
		// the bytes decide, and are written back in the same encoding.
		if y.text, err = charmap.Windows1251.NewDecoder().Bytes(raw); err != nil {
			return nil, fmt.Errorf("update %s: %w", dst, err)
		}
		y.cp1251 = true
	}
	if err := y.parse(); err != nil {
		return nil, fmt.Errorf("update %s: %w", dst, err)
	}
	if err := y.chooseElement(opt); err != nil {
		return nil, fmt.Errorf("update %s: %w", dst, err)
	}
	return y, nil
}

func (y *ymlFile) parse() error {
	body := y.text
	base := 0
	if bytes.HasPrefix(body, utf8BOM) {
		body, base = body[len(utf8BOM):], len(utf8BOM)
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	var (
		stack   []string
		inOffer = -1 // the depth of the open offer
		o       ymlOffer
		qty     = -1 // the offset after an open quantity element's start tag
		e       entry
		root    bool
		keyText []byte // the SKU element's text, while it is open (capture)
		capture bool
	)
	for {
		before := base + int(d.InputOffset())
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := d.InputPos()
			return fmt.Errorf("line %d: %w", line, err)
		}
		after := base + int(d.InputOffset())
		switch t := tok.(type) {
		case xml.StartElement:
			if !root && t.Name.Local != "yml_catalog" {
				return fmt.Errorf("not a YML feed: the root element is <%s>, not <yml_catalog>", t.Name.Local)
			}
			root = true
			if len(stack) >= 64 {
				return fmt.Errorf("elements nested deeper than 64 levels")
			}
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			stack = append(stack, t.Name.Local)
			switch {
			case inOffer < 0 && t.Name.Local == "offer" && parent == "offers":
				inOffer, o = len(stack), ymlOffer{}
				line, _ := d.InputPos()
				e = entry{row: line}
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "id":
						if y.key.elem == "" {
							e.sku = catalog.NormalizeSKU(a.Value)
						}
					case "available":
						e.flag = flagOf(a.Value)
					}
				}
				if m := availableAttr.FindSubmatchIndex(y.text[before:after]); m != nil {
					o.available = span{before + m[2] + 1, before + m[3] - 1}
				}
			case inOffer >= 0 && len(stack) == inOffer+1 && e.sku == "" && y.key.isKey(t):
				capture, keyText = true, keyText[:0]
			case inOffer >= 0 && len(stack) == inOffer+1 && isQuantity(t.Name.Local):
				if bytes.HasSuffix(y.text[before:after], []byte("/>")) {
					o.closed = append(o.closed, span{before, after})
				} else {
					qty = after
				}
			}
		case xml.EndElement:
			// RawToken leaves matching the tags to its caller.
			if len(stack) == 0 || stack[len(stack)-1] != t.Name.Local {
				line, _ := d.InputPos()
				return fmt.Errorf("line %d: </%s> does not close the open element", line, t.Name.Local)
			}
			switch {
			case capture && len(stack) == inOffer+1:
				e.sku, capture = catalog.NormalizeSKU(string(keyText)), false
			case qty >= 0 && len(stack) == inOffer+1:
				o.quantities = append(o.quantities, span{qty, before})
				if !e.from.Known {
					e.from = parseStock(string(y.text[qty:before]), false)
				}
				qty = -1
			case len(stack) == inOffer:
				o.close = before
				if e.sku != "" {
					y.offers = append(y.offers, o)
					y.list = append(y.list, e)
				}
				inOffer = -1
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if capture {
				keyText = append(keyText, t...)
			}
		}
	}
	if !root {
		return fmt.Errorf("%w: no root element", connector.ErrTruncated)
	}
	if len(stack) > 0 {
		return fmt.Errorf("%w: <%s> is not closed", connector.ErrTruncated, stack[len(stack)-1])
	}
	return nil
}

func isQuantity(name string) bool {
	for _, q := range quantityElems {
		if name == q {
			return true
		}
	}
	return false
}

// flagOf reads an available attribute.
func flagOf(v string) catalog.Flag {
	switch v {
	case "true":
		return catalog.FlagYes
	case "false":
		return catalog.FlagNo
	}
	return catalog.FlagUnknown
}

// chooseElement decides which quantity element an offer without one gets:
// the one the feed already uses, else the dialect's. A feed with neither
// quantity elements nor available attributes has nowhere to put the stock.
func (y *ymlFile) chooseElement(opt Options) error {
	counts := map[string]int{}
	anyAvailable := false
	for _, o := range y.offers {
		for _, s := range o.quantities {
			counts[y.elementAt(s.start)]++
		}
		for _, s := range o.closed {
			counts[y.elementAt(s.start+1)]++
		}
		anyAvailable = anyAvailable || o.available.end > 0
	}
	for _, q := range quantityElems {
		if counts[q] > counts[y.elem] {
			y.elem = q
		}
	}
	if y.elem != "" {
		return nil
	}
	if opt.Dialect != "" {
		d, err := opt.dialect()
		if err != nil {
			return err
		}
		if y.elem = quantityElement(d); y.elem == "" {
			y.availableOnly()
		}
		return nil
	}
	if !anyAvailable && len(y.offers) > 0 {
		return errors.New("no offer has a quantity element (quantity_in_stock, stock_quantity, quantity) or an available attribute; pass --feed-dialect prom or rozetka to add one")
	}
	if len(y.offers) > 0 {
		return errors.New("no offer has a quantity element (quantity_in_stock, stock_quantity, quantity); pass --feed-dialect prom or rozetka to add one, or epicentr to update only available")
	}
	return nil
}

// availableOnly marks every offer as compared by its available attribute.
func (y *ymlFile) availableOnly() {
	for i := range y.list {
		y.list[i].flagOnly = true
	}
}

// elementAt returns the name of the element whose start tag starts at i (or,
// for a span of text, whose start tag ends just before it).
func (y *ymlFile) elementAt(i int) string {
	if i < len(y.text) && y.text[i] == '<' {
		i++
	} else {
		i = bytes.LastIndexByte(y.text[:i], '<') + 1
	}
	j := i
	for j < len(y.text) && y.text[j] != '>' && y.text[j] != '/' && y.text[j] != ' ' && y.text[j] != '\t' && y.text[j] != '\n' && y.text[j] != '\r' {
		j++
	}
	return string(y.text[i:j])
}

func (y *ymlFile) entries() []entry { return y.list }

func (y *ymlFile) column() string {
	if y.elem == "" {
		return "@available"
	}
	return y.elem
}

// write copies the feed with the edited offers' stock replaced.
func (y *ymlFile) write(w io.Writer, edits []edit) error {
	type replacement struct {
		span
		text string
	}
	var reps []replacement
	for _, e := range edits {
		o := y.offers[e.index]
		v := e.to.String()
		for _, s := range o.quantities {
			reps = append(reps, replacement{s, v})
		}
		for _, s := range o.closed {
			name := y.elementAt(s.start)
			reps = append(reps, replacement{s, "<" + name + ">" + v + "</" + name + ">"})
		}
		if len(o.quantities)+len(o.closed) == 0 && y.elem != "" {
			reps = append(reps, replacement{span{o.close, o.close}, y.inserted(o.close, v)})
		}
		if o.available.end > 0 {
			reps = append(reps, replacement{o.available, availableWord(Row{Quantity: e.to})})
		}
	}
	// Offers are in file order, and within an offer the available attribute
	// comes first: sort by position.
	slices.SortFunc(reps, func(a, b replacement) int { return a.start - b.start })
	var out bytes.Buffer
	out.Grow(len(y.text) + 64)
	pos := 0
	for _, r := range reps {
		out.Write(y.text[pos:r.start])
		out.WriteString(r.text)
		pos = r.end
	}
	out.Write(y.text[pos:])
	b := out.Bytes()
	if y.cp1251 {
		var err error
		if b, err = charmap.Windows1251.NewEncoder().Bytes(b); err != nil {
			return err
		}
	}
	_, err := w.Write(b)
	return err
}

// inserted is a new quantity element before </offer> at i, indented like
// the offer's last child.
func (y *ymlFile) inserted(i int, v string) string {
	el := "<" + y.elem + ">" + v + "</" + y.elem + ">"
	nl := bytes.LastIndexByte(y.text[:i], '\n')
	if nl < 0 || len(bytes.TrimLeft(y.text[nl+1:i], " \t")) > 0 {
		return el
	}
	indent, eol := string(y.text[nl+1:i]), "\n"
	if nl > 0 && y.text[nl-1] == '\r' {
		eol = "\r\n"
	}
	return "  " + el + eol + indent
}
