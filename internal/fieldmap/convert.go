package fieldmap

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/numparse"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Problem texts, as they appear in the plan's problems[].error.
var (
	ErrEmptySKU   = errors.New("empty SKU")
	ErrNegative   = errors.New("negative quantity")
	ErrNegativeNo = errors.New("negative number")
	ErrFlag       = errors.New("not a yes/no value")
	ErrProperties = errors.New("not a list of NAME=VALUE pairs")
	ErrBoolean    = errors.New("boolean cell in a number column")
)

// Text is a cell: a string, or a byte slice of a reader's buffer.
type Text = numparse.Text

// Converter turns a table's rows into items. It is used by one reader at a
// time.
type Converter struct {
	t           *Table
	file        string
	spreadsheet bool
	dec         *Decimals
	it          catalog.Item // Emit's row
	problems    []catalog.Problem
	skuHeader   string // the SKU column's header, to skip repeated header rows
	repeated    int
	capped      int
}

// NewConverter returns a Converter for rows of t read from file (the name that
// problems and item positions carry). spreadsheet selects the number rules of
// spreadsheet cells (binary floating-point noise is rounded away).
func (t *Table) NewConverter(file string, spreadsheet bool) *Converter {
	c := &Converter{t: t, file: file, spreadsheet: spreadsheet, dec: NewDecimals(spreadsheet)}
	if t.row > 0 {
		c.skuHeader = t.headers[t.skuCol]
	}
	return c
}

// Notes reports rows skipped or cut short so far.
func (c *Converter) Notes() []string {
	var notes []string
	if c.repeated > 0 {
		notes = append(notes, fmt.Sprintf("%d rows repeating the header row were skipped", c.repeated))
	}
	if c.capped > 0 {
		notes = append(notes, fmt.Sprintf("%d rows list more than %d images; the first %d are kept", c.capped, catalog.MaxImages, catalog.MaxImages))
	}
	return notes
}

// Convert reads one data row into *it. skip is true for a row with nothing in
// any column read and for a repetition of the header row (page headers of a
// printed report); otherwise a row with problems yields those problems (the
// item is not to be used), and a good row only the item. The problems slice is
// reused by the next call. A number only a decimal mark can settle ("1,250")
// is read by its column's mark so far, else the fallback mark (see Decimals);
// Emit waits for the column's mark instead.
func Convert[T Text](c *Converter, row int, cells []T, it *catalog.Item) (problems []catalog.Problem, skip bool) {
	return convert(c, row, cells, it, false)
}

// Emit reads one data row and sends its item or problems to sink, holding it
// back while a number in it waits for its column's decimal mark (see
// Decimals); data is false for a row Convert would skip. Call Flush after the
// last row.
func Emit[T Text](c *Converter, row int, cells []T, sink Sink) (data bool, err error) {
	problems, skip := convert(c, row, cells, &c.it, true)
	if skip {
		return false, nil
	}
	return true, c.dec.Emit(&c.it, problems, sink)
}

// Flush sends the rows Emit still holds.
func (c *Converter) Flush(sink Sink) error { return c.dec.Flush(sink) }

func convert[T Text](c *Converter, row int, cells []T, it *catalog.Item, hold bool) (problems []catalog.Problem, skip bool) {
	t := c.t
	empty := true
	for _, col := range t.used {
		if col < len(cells) && !blankText(cells[col]) {
			empty = false
			break
		}
	}
	if empty {
		return nil, true
	}
	if c.skuHeader != "" && t.skuCol < len(cells) && trimmed(cells[t.skuCol]) == c.skuHeader {
		c.repeated++
		return nil, true
	}
	*it = catalog.Item{Pos: catalog.Position{File: c.file, Row: row}}
	c.problems = c.problems[:0]
	for _, r := range t.reads {
		if r.col >= len(cells) || blankText(cells[r.col]) {
			continue
		}
		if err := set(c, it, r, cells[r.col], hold); err != nil {
			c.problems = append(c.problems, catalog.Problem{
				File: c.file, Row: row, Column: t.headers[r.col], Field: catalog.Fields[r.kind], Value: string(cells[r.col]), Error: err.Error(),
			})
		}
		if r.kind == kWarehouse {
			it.WarehouseColumn = t.headers[r.col]
		}
	}
	for _, p := range t.pairs {
		name, value := cellAt(cells, p.name), cellAt(cells, p.value)
		if name != "" && value != "" {
			it.Properties = append(it.Properties, catalog.Property{Name: name, Value: value})
		}
	}
	if CapImages(it) {
		c.capped++
	}
	// A text row longer than its header, with values past it, is misread: most
	// often an unquoted decimal comma ("5,5" as two cells) that would otherwise
	// pass as 5. Spreadsheets keep notes in unnamed columns; text files do not.
	if !c.spreadsheet && t.row > 0 && len(cells) > len(t.headers) {
		for col := len(t.headers); col < len(cells); col++ {
			if !blankText(cells[col]) {
				c.problems = append(c.problems, catalog.Problem{
					File: c.file, Row: row, Column: fmt.Sprintf("column %d", col+1), Field: t.lastField(), Value: string(cells[col]),
					Error: fmt.Sprintf("the row has %d values, the header %d columns (a decimal comma in an unquoted number?)", len(cells), len(t.headers)),
				})
				break
			}
		}
	}
	if it.SKU == "" {
		v := ""
		if t.skuCol < len(cells) {
			v = string(cells[t.skuCol])
		}
		c.problems = append(c.problems, catalog.Problem{
			File: c.file, Row: row, Column: t.headers[t.skuCol], Field: catalog.FieldSKU, Value: v, Error: ErrEmptySKU.Error(),
		})
	}
	for i := range c.problems {
		c.problems[i].SKU = it.SKU
	}
	return c.problems, false
}

// BooleanProblem is the problem of a spreadsheet's boolean cell (stored as 1
// or 0) at column col of a row: none unless the column is read as a number,
// where TRUE must not pass for a quantity of 1.
func (c *Converter) BooleanProblem(row, col int, stored, sku string) (catalog.Problem, bool) {
	for _, r := range c.t.reads {
		if r.col != col {
			continue
		}
		switch r.kind {
		case kQuantity, kPrice, kPurchasedPrice, kWeight, kLength, kWidth, kHeight:
			value := map[string]string{"1": "TRUE", "0": "FALSE"}[stored]
			if value == "" {
				value = stored
			}
			return catalog.Problem{
				File: c.file, Row: row, Column: c.t.headers[col], Field: catalog.Fields[r.kind], SKU: sku, Value: value, Error: ErrBoolean.Error(),
			}, true
		}
	}
	return catalog.Problem{}, false
}

func cellAt[T Text](cells []T, col int) string {
	if col >= len(cells) {
		return ""
	}
	return trimmed(cells[col])
}

// Field kinds: the index of the field in catalog.Fields, as constants so that
// the per-cell switch compares integers, not names.
const (
	kSKU = iota
	kQuantity
	kWarehouse
	kAvailable
	kPrice
	kPurchasedPrice
	kCurrency
	kName
	kDescription
	kCategory
	kBarcode
	kWeight
	kLength
	kWidth
	kHeight
	kImageURL
	kParentSKU
	kProperties
	numKinds
)

// set stores one non-empty cell of column r in the item.
func set[T Text](c *Converter, it *catalog.Item, r read, cell T, hold bool) error {
	switch kind := r.kind; kind {
	case kQuantity, kPrice, kPurchasedPrice, kWeight, kLength, kWidth, kHeight:
		return number(c.dec, it, kind, r.col, c.t.headers[r.col], cell, hold)
	case kAvailable:
		f, err := ParseFlag(trimmed(cell))
		it.Available = f
		return err
	}
	return setText(it, r.kind, trimmed(cell))
}

// CapImages keeps the first catalog.MaxImages image URLs (KeyCRM's limit) and
// reports whether any were dropped.
func CapImages(it *catalog.Item) bool {
	if len(it.ImageURLs) <= catalog.MaxImages {
		return false
	}
	it.ImageURLs = it.ImageURLs[:catalog.MaxImages:catalog.MaxImages]
	return true
}

// SetValue stores a value given as text (a JSON string or number) in the
// canonical field of it; the error is the problem's text. An empty value, or a
// name that is not a canonical field, leaves the item unchanged.
func SetValue(it *catalog.Item, field, value string) error {
	kind, ok := fieldIndex[field]
	if !ok {
		return nil
	}
	return Set(it, Field(kind), value)
}

// setText stores a trimmed, non-empty text value in a text, list or property
// field.
func setText(it *catalog.Item, kind int, v string) error {
	switch kind {
	case kSKU:
		it.SKU = catalog.NormalizeSKU(v)
	case kParentSKU:
		it.ParentSKU = catalog.NormalizeSKU(v)
	case kWarehouse:
		it.Warehouse = v
	case kCurrency:
		it.Currency = NormalizeCurrency(v)
	case kName:
		it.Name = v
	case kDescription:
		it.Description = v
	case kCategory:
		it.Category = v
	case kBarcode:
		it.Barcode = v
	case kImageURL:
		it.ImageURLs = append(it.ImageURLs, SplitURLs(v)...)
	case kProperties:
		props, err := ParseProperties(v)
		it.Properties = append(it.Properties, props...)
		return err
	}
	return nil
}

// setNumber stores a number read with the column's decimal mark, and returns
// the mark the value showed.
func setNumber[T Text](it *catalog.Item, kind int, cell T, spreadsheet bool, mark numparse.Mark) (numparse.Mark, error) {
	price := kind == kPrice || kind == kPurchasedPrice
	d, cur, shown, err := numparse.ParseShown(cell, numparse.Options{Spreadsheet: spreadsheet, Currency: price, Decimal: mark})
	if err != nil {
		return shown, err
	}
	if d.Sign() < 0 {
		if kind == kQuantity {
			return shown, ErrNegative
		}
		return shown, ErrNegativeNo
	}
	putNumber(it, kind, d)
	if cur != "" && it.Currency == "" {
		it.Currency = cur // "14.99 USD" in a price column with no currency column
	}
	return shown, nil
}

// putNumber stores a number in the field of its kind.
func putNumber(it *catalog.Item, kind int, d decimal.Decimal) {
	n := catalog.Known(d)
	switch kind {
	case kQuantity:
		it.Quantity = n
	case kPrice:
		it.Price = n
	case kPurchasedPrice:
		it.PurchasedPrice = n
	case kWeight:
		it.Weight = n
	case kLength:
		it.Length = n
	case kWidth:
		it.Width = n
	case kHeight:
		it.Height = n
	}
}

// NormalizeCurrency turns a currency sign or word into its ISO code ("грн" →
// "UAH") and upper-cases a three-letter code; anything else is kept as found.
func NormalizeCurrency(v string) string {
	if code, ok := numparse.Currency(v); ok {
		return code
	}
	if len(v) == 3 && strings.Trim(strings.ToUpper(v), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
		return strings.ToUpper(v)
	}
	return v
}

// ParseFlag reads an availability value: the words in flagWords, or a number
// (more than 0 is yes: Prom writes the days to delivery, WooCommerce 1 and 0).
func ParseFlag(v string) (catalog.Flag, error) {
	switch v {
	case "+", "1":
		return catalog.FlagYes, nil
	case "-", "0":
		return catalog.FlagNo, nil
	}
	n := strings.Join(strings.FieldsFunc(strings.ToLower(v), func(r rune) bool {
		return r == ' ' || r == '_' || r == '-' && len(v) > 1 || r == '\u00a0'
	}), " ")
	if f, ok := flagWords[strings.ReplaceAll(n, "ё", "е")]; ok {
		return f, nil
	}
	if d, _, err := numparse.Parse(v, numparse.Options{}); err == nil {
		if d.Sign() > 0 {
			return catalog.FlagYes, nil
		}
		return catalog.FlagNo, nil
	}
	return catalog.FlagUnknown, ErrFlag
}

// SplitURLs splits a cell listing image URLs: separated by white space, ";",
// "|" or ", " — a comma splits only where the next URL starts, since URLs may
// hold commas.
func SplitURLs(v string) []string {
	var urls []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '|' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
		for f != "" {
			cut := -1
			for i := strings.IndexByte(f, ','); i >= 0; {
				rest := f[i+1:]
				if strings.HasPrefix(rest, "http://") || strings.HasPrefix(rest, "https://") || strings.HasPrefix(rest, "//") {
					cut = i
					break
				}
				j := strings.IndexByte(rest, ',')
				if j < 0 {
					break
				}
				i += j + 1
			}
			part := f
			if cut >= 0 {
				part, f = f[:cut], f[cut+1:]
			} else {
				f = ""
			}
			if part = strings.Trim(part, ","); part != "" {
				urls = append(urls, part)
			}
		}
	}
	return urls
}

// ParseProperties reads "Колір=Червоний; Розмір=42" (or NAME: VALUE, pairs
// separated by ";", "|" or new lines).
func ParseProperties(v string) ([]catalog.Property, error) {
	var props []catalog.Property
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '|' || r == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		i := strings.IndexByte(part, '=')
		if i < 0 {
			i = strings.IndexByte(part, ':')
		}
		if i <= 0 {
			return props, ErrProperties
		}
		name, value := strings.TrimSpace(part[:i]), strings.TrimSpace(part[i+1:])
		if name == "" {
			return props, ErrProperties
		}
		props = append(props, catalog.Property{Name: name, Value: value})
	}
	return props, nil
}

// trimmed returns the cell without surrounding white space, as a string.
func trimmed[T Text](v T) string {
	i, j := trimBounds(v)
	return string(v[i:j])
}

func blankText[T Text](v T) bool {
	i, j := trimBounds(v)
	return i == j
}

// trimBounds finds the text inside ASCII white space, no-break spaces (U+00A0,
// U+202F), byte-order marks and zero-width spaces, the characters spreadsheets
// and 1C leave around values.
func trimBounds[T Text](v T) (int, int) {
	i, j := 0, len(v)
	// The common cell has nothing to trim: a printable ASCII byte at each end
	// starts or ends none of the characters trimmed.
	if j == 0 || v[0] > ' ' && v[0] < utf8.RuneSelf && v[j-1] > ' ' && v[j-1] < utf8.RuneSelf {
		return i, j
	}
	for i < j {
		n := spaceAt(v, i, j)
		if n == 0 {
			break
		}
		i += n
	}
	for i < j {
		n := spaceBefore(v, i, j)
		if n == 0 {
			break
		}
		j -= n
	}
	return i, j
}

func spaceAt[T Text](v T, i, j int) int {
	switch c := v[i]; {
	case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		return 1
	case c == 0xC2 && i+1 < j && v[i+1] == 0xA0:
		return 2
	case c == 0xE2 && i+2 < j && v[i+1] == 0x80 && (v[i+2] == 0xAF || v[i+2] == 0x8B):
		return 3
	case c == 0xEF && i+2 < j && v[i+1] == 0xBB && v[i+2] == 0xBF:
		return 3
	}
	return 0
}

func spaceBefore[T Text](v T, i, j int) int {
	switch c := v[j-1]; {
	case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		return 1
	case c == 0xA0 && j-2 >= i && v[j-2] == 0xC2:
		return 2
	case j-3 >= i && v[j-3] == 0xE2 && v[j-2] == 0x80 && (c == 0xAF || c == 0x8B):
		return 3
	case j-3 >= i && v[j-3] == 0xEF && v[j-2] == 0xBB && c == 0xBF:
		return 3
	}
	return 0
}
