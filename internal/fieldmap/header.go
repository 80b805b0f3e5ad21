package fieldmap

import (
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/numparse"
)

// MaxHeaderSearch is how many non-empty rows may precede the header: enough for
// a report's title block, few enough that a file without a SKU column fails
// before it is read to the end.
const MaxHeaderSearch = 100

// Finder finds the header among a table's first rows: the first row in which a
// SKU column is recognised (or the column --map sku names), after any title
// block. It also reads headers merged across cells, from the values alone:
//
//   - a header cell left empty under a merged cell of the row above takes that
//     cell's text ("Остаток" over an empty cell);
//   - a row directly below the header that holds only text, nothing in the SKU
//     column and some text under an empty header cell is the lower half of a
//     two-row header: its cells are named "upper lower" ("Ціна роздрібна"),
//     where an empty upper cell continues the merged cell to its left, and are
//     also recognised as "lower upper" ("Роздрібна ціна") and by their lower
//     text alone.
//
// Feed rows with Row until it returns a Table, then End at the end of input.
type Finder struct {
	opt      Options
	skuName  string // normalised --map sku header, or ""
	skuAny   bool   // --map sku names a column number: the first row is the header
	prev     []string
	prevRow  int
	cand     []string
	candRow  int
	first    []string
	firstRow int
	searched int
}

// NewFinder returns a Finder for a file with a header row.
func NewFinder(opt Options) (*Finder, error) {
	if err := checkMapping(opt.Mapping); err != nil {
		return nil, err
	}
	f := &Finder{opt: opt}
	if v := opt.Mapping[catalog.FieldSKU]; v != "" {
		f.skuName = Normalize(v)
		_, f.skuAny = columnNumber(v)
	}
	return f, nil
}

// Row offers the next row (1-based number, cells as found; the Finder keeps
// the slice). It returns the Table once the header is complete; consumed is
// false when this row turned out to be data and must be read as such.
func (f *Finder) Row(row int, cells []string) (t *Table, consumed bool, err error) {
	if f.cand != nil {
		if row == f.candRow+1 && f.continues(cells) {
			t, err = f.build(cells)
			return t, true, err
		}
		t, err = f.build(nil)
		return t, false, err
	}
	if blank(cells) {
		f.prev = nil
		return nil, true, nil
	}
	if f.first == nil {
		f.first, f.firstRow = cells, row
	}
	if f.skuColumn(cells) >= 0 {
		f.cand, f.candRow = cells, row
		return nil, true, nil
	}
	f.searched++
	if f.searched >= MaxHeaderSearch {
		return nil, true, &NoSKUError{Row: f.firstRow, Headers: nonEmpty(f.first), Searched: f.searched}
	}
	f.prev, f.prevRow = cells, row
	return nil, true, nil
}

// End finishes a table whose input ended: a header with no data rows is a
// table, no header at all an error.
func (f *Finder) End() (*Table, error) {
	if f.cand != nil {
		return f.build(nil)
	}
	if f.first == nil {
		return nil, ErrEmpty
	}
	return nil, &NoSKUError{Row: f.firstRow, Headers: nonEmpty(f.first), Searched: f.searched}
}

// skuColumn returns the column of cells that names the SKU, or -1.
func (f *Finder) skuColumn(cells []string) int {
	if f.skuAny {
		return 0
	}
	for c, v := range cells {
		n := Normalize(v)
		if f.skuName != "" {
			if n == f.skuName {
				return c
			}
			continue
		}
		if m, ok := recognised[n]; ok && m.field == catalog.FieldSKU {
			return c
		}
	}
	return -1
}

// continues reports whether cells are the lower row of a two-row header.
func (f *Finder) continues(cells []string) bool {
	sku := f.skuColumn(f.cand)
	if at(cells, sku) != "" {
		return false
	}
	underGap := false
	for c, v := range cells {
		if strings.TrimSpace(v) == "" {
			continue
		}
		if _, _, err := numparse.Parse(v, numparse.Options{}); err == nil {
			return false // a number: this is data
		}
		switch {
		case at(f.cand, c) == "":
			underGap = true
		case at(f.cand, c+1) != "":
			return false // under a header cell that is not a merged group
		}
	}
	return underGap
}

// build makes the table from the candidate header, the row above it for cells
// merged downwards, and the lower header row when there is one.
func (f *Finder) build(lower []string) (*Table, error) {
	width := max(len(f.cand), len(lower))
	heads := make([]string, width)
	var alts [][]string
	if lower != nil {
		alts = make([][]string, width)
	}
	above := f.prev
	if f.prevRow != f.candRow-1 {
		above = nil
	}
	group := ""
	for c := range heads {
		own := at(f.cand, c)
		if own == "" {
			own = at(above, c)
		}
		if own != "" {
			group = own
		}
		if lower == nil {
			heads[c] = own
			continue
		}
		sub := at(lower, c)
		switch {
		case sub == "":
			heads[c] = own
		case own == "" && group == "":
			heads[c] = sub
		case own == "":
			heads[c], alts[c] = group+" "+sub, []string{sub + " " + group, sub}
		default:
			heads[c], alts[c] = own+" "+sub, []string{sub + " " + own, sub}
		}
	}
	row := f.candRow
	if lower != nil {
		row++
	}
	return newTable(heads, alts, f.opt, row)
}

// at returns cells[c] trimmed, or "" beyond the end.
func at(cells []string, c int) string {
	if c < 0 || c >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[c])
}

func blank(cells []string) bool {
	for _, v := range cells {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}
