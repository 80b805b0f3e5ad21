package fieldmap

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
)

// Options are a tabular source's mapping flags.
type Options struct {
	// Mapping is --map FIELD=HEADER merged over the config file's mapping. A
	// value that matches no header but is a number names a column by its 1-based
	// position (the way to pick the second of two "Ціна" columns, and the only
	// way with NoHeader). An empty value leaves the field out.
	Mapping map[string]string
	// NoHeader is --no-header: every row is data.
	NoHeader bool
}

// maxColumnNumber bounds --map column numbers: Excel's last column is XFD.
const maxColumnNumber = 16384

// ErrEmpty reports a table without a single non-empty row.
var ErrEmpty = errors.New("no rows: the file is empty")

// NoSKUError reports a table in which no column is recognised as the SKU.
type NoSKUError struct {
	// Row is the row the headers were taken from (the first non-empty row).
	Row int
	// Headers are the non-empty cells of that row, as found.
	Headers []string
	// Searched is how many rows were searched for the header.
	Searched int
}

func (e *NoSKUError) Error() string {
	where := "no SKU column"
	if e.Searched >= MaxHeaderSearch {
		where = fmt.Sprintf("no SKU column in the first %d rows", e.Searched)
	}
	return fmt.Sprintf("%s; the headers found (row %d) are %s\n"+
		"name the SKU column with --map sku=HEADER, or for a file without a header row use --no-header with --map sku=COLUMN_NUMBER",
		where, e.Row, quoteList(e.Headers, 40))
}

// quoteList prints up to max values quoted, then how many more there are.
func quoteList(values []string, max int) string {
	if len(values) == 0 {
		return "(none)"
	}
	var b strings.Builder
	for i, v := range values {
		if i == max {
			fmt.Fprintf(&b, " and %d more", len(values)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", v)
	}
	return b.String()
}

// Table says which column holds which field.
type Table struct {
	headers []string // per column, as found (rows of a merged header joined by a space)
	cols    []int    // per catalog.Fields index: the column, or -1
	pairs   []pair   // attribute name/value columns read as properties
	used    []int    // the columns read, ascending
	reads   []read   // the mapped columns, in catalog order
	skuCol  int
	notes   []string
	row     int // the header's last row; 0 without a header
}

// read is a mapped column and its field (an index of catalog.Fields).
type read struct{ col, kind int }

// pair is a WooCommerce attribute: one column names it, the next holds its value.
type pair struct{ name, value int }

// Fields lists the canonical fields the table carries, in catalog order.
func (t *Table) Fields() []string {
	var fields []string
	for i, c := range t.cols {
		if c >= 0 || (catalog.Fields[i] == catalog.FieldProperties && len(t.pairs) > 0) {
			fields = append(fields, catalog.Fields[i])
		}
	}
	return fields
}

// Width is the number of columns the header has.
func (t *Table) Width() int { return len(t.headers) }

// Row is the (last) header row, 1-based; 0 for a header-less table.
func (t *Table) Row() int { return t.row }

// Notes explains choices the operator may want to know about: shadowed
// synonyms, available-stock columns left out.
func (t *Table) Notes() []string { return t.notes }

func (t *Table) column(field string) int { return t.cols[fieldIndex[field]] }

// checkMapping rejects --map entries that name no canonical field.
func checkMapping(m map[string]string) error {
	for _, f := range sortedKeys(m) {
		if !IsField(f) {
			return fmt.Errorf("--map %s=%q: unknown field %q (fields: %s)", f, m[f], f, fieldList())
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Numbered builds the table of a header-less file (--no-header) from --map
// FIELD=COLUMN_NUMBER; sku must be among them.
func Numbered(opt Options) (*Table, error) {
	if err := checkMapping(opt.Mapping); err != nil {
		return nil, err
	}
	if opt.Mapping[catalog.FieldSKU] == "" {
		return nil, errors.New("--no-header needs the SKU column's number: --map sku=COLUMN_NUMBER")
	}
	width := 0
	for _, f := range sortedKeys(opt.Mapping) {
		v := opt.Mapping[f]
		if v == "" {
			continue
		}
		n, ok := columnNumber(v)
		if !ok {
			return nil, fmt.Errorf("--map %s=%q: with --no-header, columns are named by number (1 for the first)", f, v)
		}
		width = max(width, n)
	}
	heads := make([]string, width)
	for i := range heads {
		heads[i] = strconv.Itoa(i + 1)
	}
	return newTable(heads, nil, opt, 0)
}

func columnNumber(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil && n >= 1 && n <= maxColumnNumber
}

// newTable maps columns to fields: --map entries first, then synonyms, the best
// ranked synonym winning and, between equals, the leftmost column. alts holds
// per column other names to recognise, in order (from a two-row header).
func newTable(heads []string, alts [][]string, opt Options, row int) (*Table, error) {
	if err := checkMapping(opt.Mapping); err != nil {
		return nil, err
	}
	t := &Table{headers: heads, cols: make([]int, len(catalog.Fields)), row: row}
	for i := range t.cols {
		t.cols[i] = -1
	}
	norms := make([]string, len(heads))
	for c, h := range heads {
		norms[c] = Normalize(h)
	}
	claimed := map[int]string{}
	decided := map[string]bool{}
	for _, f := range sortedKeys(opt.Mapping) {
		decided[f] = true
		v := opt.Mapping[f]
		if v == "" {
			continue
		}
		c := slices.Index(norms, Normalize(v))
		if n, ok := columnNumber(v); c < 0 && ok && n <= len(heads) {
			c = n - 1
		}
		if c < 0 {
			return nil, fmt.Errorf("--map %s=%q: no such column; the headers are %s", f, v, quoteList(nonEmpty(heads), 60))
		}
		if other, dup := claimed[c]; dup {
			return nil, fmt.Errorf("--map: column %q is mapped to both %s and %s", heads[c], other, f)
		}
		claimed[c] = f
		t.cols[fieldIndex[f]] = c
	}
	ranks := make([]int, len(catalog.Fields))
	candidates := map[string][]int{}
	attrs := map[string]*pair{}
	var attrOrder []string
	var netStock []string
	for c, n := range norms {
		if _, taken := claimed[c]; taken || n == "" {
			continue
		}
		m, ok := recognised[n]
		for i := 0; !ok && alts != nil && i < len(alts[c]); i++ {
			m, ok = recognised[Normalize(alts[c][i])]
		}
		if !ok {
			if num, isName, isAttr := attributePair(n); isAttr {
				p := attrs[num]
				if p == nil {
					p = &pair{name: -1, value: -1}
					attrs[num] = p
					attrOrder = append(attrOrder, num)
				}
				if isName && p.name < 0 {
					p.name = c
				} else if !isName && p.value < 0 {
					p.value = c
				}
			}
			if rejected[n] {
				netStock = append(netStock, heads[c])
			}
			continue
		}
		if decided[m.field] {
			continue
		}
		candidates[m.field] = append(candidates[m.field], c)
		i := fieldIndex[m.field]
		if t.cols[i] < 0 || m.rank < ranks[i] {
			t.cols[i], ranks[i] = c, m.rank
		}
	}
	if t.cols[fieldIndex[catalog.FieldSKU]] < 0 {
		return nil, &NoSKUError{Row: row, Headers: nonEmpty(heads)}
	}
	if !decided[catalog.FieldProperties] {
		for _, num := range attrOrder {
			if p := attrs[num]; p.name >= 0 && p.value >= 0 {
				t.pairs = append(t.pairs, *p)
			}
		}
	}
	t.explain(candidates, netStock)
	for kind, c := range t.cols {
		if c >= 0 {
			t.used = append(t.used, c)
			t.reads = append(t.reads, read{col: c, kind: kind})
		}
	}
	t.skuCol = t.cols[kSKU]
	for _, p := range t.pairs {
		t.used = append(t.used, p.name, p.value)
	}
	slices.Sort(t.used)
	return t, nil
}

// explain adds notes about columns that were not read although they look like
// a field.
func (t *Table) explain(candidates map[string][]int, netStock []string) {
	for _, f := range catalog.Fields {
		cs := candidates[f]
		if len(cs) < 2 {
			continue
		}
		chosen := t.cols[fieldIndex[f]]
		var others []string
		for _, c := range cs {
			if c != chosen {
				others = append(others, t.headers[c])
			}
		}
		t.notes = append(t.notes, fmt.Sprintf("%s is read from column %q; %s also look like %s (choose with --map %s=HEADER)",
			f, t.headers[chosen], quoteList(others, 5), f, f))
	}
	if len(netStock) > 0 && t.column(catalog.FieldQuantity) < 0 {
		t.notes = append(t.notes, fmt.Sprintf("column %q holds stock net of reserves and is not read as quantity "+
			"(KeyCRM subtracts reserves itself); if it is on-hand stock, pass --map quantity=%q", netStock[0], netStock[0]))
	}
}

func nonEmpty(values []string) []string {
	var out []string
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}

// Column returns the 0-based column that holds field, or -1: writers that
// rewrite one column of an existing file in place need to know which it is.
func (t *Table) Column(field string) int {
	i, ok := fieldIndex[field]
	if !ok {
		return -1
	}
	return t.cols[i]
}
