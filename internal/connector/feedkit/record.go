package feedkit

import (
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
)

// Value is an attribute's or an element's text as read, with where it was:
// its line and its name relative to the record ("@id", "stock_quantity",
// "g:price"). Text is held by the record's Arena.
type Value struct {
	Text  []byte
	Line  int
	Col   string
	Found bool
}

// Set keeps the first occurrence that is not blank, copied into a: text may
// be the decoder's buffer (Decoder.RawText), which the next token overwrites.
func (v *Value) Set(a *Arena, text []byte, line int, col string) {
	if !v.Found || v.Blank() {
		*v = Value{Text: a.Keep(text), Line: line, Col: col, Found: true}
	}
}

// Blank reports an absent or white-space value: unknown.
func (v *Value) Blank() bool { return len(TrimSpaceBytes(v.Text)) == 0 }

// Arena holds the bytes of one record's values. Its storage is reused from
// record to record, so that a value costs a copy, not an allocation; only
// what goes into the item (a SKU, a name) is made a string.
type Arena struct{ buf []byte }

// Reset starts a record; the values kept before are no longer valid.
func (a *Arena) Reset() { a.buf = a.buf[:0] }

// Keep returns a copy of b valid until the next Reset. A copy made before
// the storage grew stays where it was, unchanged.
func (a *Arena) Keep(b []byte) []byte {
	start := len(a.buf)
	a.buf = append(a.buf, b...)
	return a.buf[start:len(a.buf):len(a.buf)]
}

// Builder turns one record's values (an offer, an item) into a catalog.Item
// and the problems that keep it out of the plan, with the contract's texts
// (package fieldmap) and positions.
type Builder struct {
	// Item is the item being built.
	Item     catalog.Item
	file     string
	path     string
	problems []catalog.Problem
	flag     memo[catalog.Flag]
	currency memo[string]
	parent   memo[string]
	urls     slab[string]
	props    slab[catalog.Property]
}

// slab hands out the records' lists (image URLs, properties) as pieces of
// one larger allocation: a few lists a record would otherwise cost an
// allocation each. Each piece is capped at its length, so that appending to
// one never writes into the next.
type slab[T any] struct{ free []T }

// slabLen is how many elements one slab holds: small enough that an item a
// sink keeps holds little else alive.
const slabLen = 128

// clone returns a copy of v carved from the slab.
func (s *slab[T]) clone(v []T) []T {
	if len(v) > len(s.free) {
		if len(v) > slabLen/4 { // a long list: its own allocation
			return append([]T(nil), v...)
		}
		s.free = make([]T, slabLen)
	}
	out := s.free[:len(v):len(v)]
	copy(out, v)
	s.free = s.free[len(v):]
	return out
}

// memo is the last text read into a field and what it gave: feeds repeat
// the same availability and currency on every record, and parsing them
// (case folding, word splitting, a table lookup) costs more than comparing;
// variants of one product share their parent SKU, made a string once.
type memo[T comparable] struct {
	text string
	v    T
	err  error
	ok   bool
}

// setCached stores text in field through m; dst is the field in b.Item,
// which must still be unset, so that the outcome depends on text alone.
func setCached[T comparable](b *Builder, m *memo[T], dst *T, field fieldmap.Field, text []byte, v Value) bool {
	if m.ok && m.text == string(text) {
		*dst = m.v
	} else {
		err := fieldmap.Set(&b.Item, field, text)
		*m = memo[T]{text: string(text), v: *dst, err: err, ok: true}
	}
	if m.err != nil {
		b.Problem(field, v, m.err.Error())
		return false
	}
	return true
}

// Reset starts a record of file at row; path is its element path, the prefix
// of its problems' columns.
func (b *Builder) Reset(file, path string, row int) {
	b.Item = catalog.Item{Pos: catalog.Position{File: file, Row: row}}
	b.file, b.path = file, path
	b.problems = b.problems[:0]
}

// Set stores a found value in field, or records the problem it raises; it
// reports whether the value was stored.
func (b *Builder) Set(field fieldmap.Field, v Value) bool {
	return v.Found && b.SetText(field, v.Text, v)
}

// SetText stores text, read from v (a part of it, as an amount without its
// currency code), and reports v whole if it raises a problem.
func (b *Builder) SetText(field fieldmap.Field, text []byte, v Value) bool {
	switch {
	case field == fieldmap.Available && b.Item.Available == catalog.FlagUnknown:
		return setCached(b, &b.flag, &b.Item.Available, field, text, v)
	case field == fieldmap.Currency && b.Item.Currency == "":
		return setCached(b, &b.currency, &b.Item.Currency, field, text, v)
	case field == fieldmap.ParentSKU && b.Item.ParentSKU == "":
		return setCached(b, &b.parent, &b.Item.ParentSKU, field, text, v)
	}
	if err := fieldmap.Set(&b.Item, field, text); err != nil {
		b.Problem(field, v, err.Error())
		return false
	}
	if field == fieldmap.Warehouse {
		b.Item.WarehouseColumn = b.path + "/" + v.Col
	}
	return true
}

// Problem records a problem with v.
func (b *Builder) Problem(field fieldmap.Field, v Value, msg string) {
	b.problems = append(b.problems, catalog.Problem{
		File: b.file, Row: v.Line, Column: b.path + "/" + v.Col, Field: field.String(),
		Value: strings.TrimSpace(string(v.Text)), Error: msg,
	})
}

// SKU stores the key value as the SKU; an absent or blank one is the empty-SKU
// problem, at col on the record's row when the key is not there at all.
func (b *Builder) SKU(v Value, col string) {
	_ = fieldmap.Set(&b.Item, fieldmap.SKU, v.Text) // text values cannot fail
	if b.Item.SKU != "" {
		return
	}
	if !v.Found {
		v = Value{Line: b.Item.Pos.Row, Col: col}
	}
	b.Problem(fieldmap.SKU, v, fieldmap.ErrEmptySKU.Error())
}

// Images stores the URLs (already capped at catalog.MaxImages by the caller,
// so that a record with thousands holds no more than it keeps).
func (b *Builder) Images(urls []string) {
	if len(urls) > 0 {
		b.Item.ImageURLs = b.urls.clone(urls)
	}
}

// Properties stores the properties.
func (b *Builder) Properties(props []catalog.Property) {
	if len(props) > 0 {
		b.Item.Properties = b.props.clone(props)
	}
}

// OK reports whether the record has no problem so far.
func (b *Builder) OK() bool { return len(b.problems) == 0 }

// Emit yields the item, or its problems carrying its SKU.
func (b *Builder) Emit(sink connector.Sink) error {
	if len(b.problems) > 0 {
		for _, p := range b.problems {
			p.SKU = b.Item.SKU
			sink.Problem(p)
		}
		return nil
	}
	return sink.Item(&b.Item)
}

// urlSeparator marks the bytes fieldmap.SplitURLs may split at.
var urlSeparator = func() (t [256]bool) {
	for _, c := range []byte(";| \t\n\r,") {
		t[c] = true
	}
	return t
}()

// oneURL reports text that fieldmap.SplitURLs would return whole: not empty
// and without a byte it may split at.
func oneURL(text string) bool {
	for i := 0; i < len(text); i++ {
		if urlSeparator[text[i]] {
			return false
		}
	}
	return text != ""
}

// AddImages appends the URLs in text (one or several, separated as
// fieldmap.SplitURLs splits them) to urls, keeping at most catalog.MaxImages;
// more reports whether any was dropped.
func AddImages(urls []string, text string) (out []string, more bool) {
	// One URL, as nearly every feed writes it, needs no splitting.
	if oneURL(text) {
		if len(urls) == catalog.MaxImages {
			return urls, true
		}
		return append(urls, text), false
	}
	for _, u := range fieldmap.SplitURLs(text) {
		if len(urls) == catalog.MaxImages {
			return urls, true
		}
		urls = append(urls, u)
	}
	return urls, false
}

// Stock counts the items whose availability flag contradicts their quantity
// (formats.md §0: both ways occur in real feeds), and those with no quantity.
type Stock struct {
	yesZero, noPositive, unknown Tally
	items                        int
}

// Add looks at one item.
func (s *Stock) Add(it *catalog.Item) {
	s.items++
	switch q := it.Quantity; {
	case !q.Known:
		s.unknown.Add(it.SKU)
	case it.Available == catalog.FlagYes && q.V.IsZero():
		s.yesZero.Add(it.SKU)
	case it.Available == catalog.FlagNo && q.V.Sign() > 0:
		s.noPositive.Add(it.SKU)
	}
}

// Notes explains the counts; noun names a record ("offer", "item"), flag the
// availability as the feed writes it, yes and no its two values, and
// quantities the elements a quantity is read from.
func (s *Stock) Notes(noun, flag, yes, no, quantities string) []string {
	var notes []string
	if s.unknown.N > 0 && s.unknown.N == s.items {
		notes = append(notes, "no "+noun+" has a quantity ("+quantities+"): every stock level is unknown, not 0; this feed can drive availability and prices, not stock")
	} else if n := s.unknown.Note(noun, "%s without a quantity ("+quantities+"): their stock is unknown, not 0"); n != "" {
		notes = append(notes, n)
	}
	both := ": the quantity is read as the stock and " + flag + " as whether the " + noun + " can be ordered"
	if n := s.yesZero.Note(noun, "%s with "+flag+" "+yes+" and a quantity of 0"+both); n != "" {
		notes = append(notes, n)
	}
	if n := s.noPositive.Note(noun, "%s with "+flag+" "+no+" and a quantity above 0"+both); n != "" {
		notes = append(notes, n)
	}
	return notes
}
