package xlsx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

// The sheet's bounds in SpreadsheetML: references past them are damage.
const (
	maxSheetRows = 1 << 20
	maxSheetCols = 1 << 14
)

var cName = []byte("c")

// sheetScanner reads the rows of a worksheet part one at a time. Cell values
// come out as excelize's Rows().Columns() returns them with RawCellValue (the
// stored text: numbers unformatted, shared and inline strings resolved), so
// the header finder and the number rules see what they always saw.
type sheetScanner struct {
	items
	sc   *scanner
	sst  *sharedStrings
	part string

	row   int      // the current row's number
	cells [][]byte // the current row's values by column; empty where no cell
	bools []int    // columns of the current row holding boolean cells

	col    int   // the column of the row's last <c>, kept or not
	ends   []int // per column, the end of its value in arena; -1 for none
	arena  []byte
	value  []byte // a cell's <v> text
	ref    []byte // a cell's reference, for messages
	typ    []byte // a cell's type (t)
	inData bool   // inside sheetData
	done   bool
}

func newSheetScanner(src io.Reader, part string, sst *sharedStrings, maxCell int) *sheetScanner {
	sc := newScanner(src, maxCell+64<<10)
	return &sheetScanner{items: items{sc: sc, max: maxCell}, sc: sc, sst: sst, part: part}
}

// next moves to the next <row>; false at </sheetData>. Errors name the part
// and, once rows have begun, the row.
func (s *sheetScanner) next() (bool, error) {
	if s.done {
		return false, nil
	}
	ok, err := s.advance()
	if err != nil {
		if s.row > 0 {
			return false, fmt.Errorf("%s: row %d: %w", s.part, s.row, err)
		}
		return false, fmt.Errorf("%s: %w", s.part, err)
	}
	return ok, nil
}

// advance finds <sheetData> on the first call, then the next row in it.
func (s *sheetScanner) advance() (bool, error) {
	sc := s.sc
	for {
		kind, err := sc.next()
		if err != nil {
			return false, err
		}
		switch {
		case kind == tokEOF:
			// A complete worksheet without sheetData (a chart sheet,
			// a dialog sheet) has no rows.
			s.done = true
			return false, nil
		case kind == tokStart && bytes.Equal(sc.name, []byte("sheetData")):
			if sc.empty {
				s.done = true
				return false, s.drain()
			}
			s.inData = true
		case kind == tokEnd && s.inData:
			s.done = true
			return false, s.drain()
		case kind == tokStart && s.inData:
			// sheetData holds rows only.
			if !bytes.Equal(sc.name, []byte("row")) {
				return false, fmt.Errorf("<%s> among the rows", sc.name)
			}
			return true, s.readRow()
		case kind == tokStart && bytes.Equal(sc.name, []byte("row")):
			return false, errors.New("a row outside sheetData")
		}
	}
}

// drain reads what follows </sheetData> to the part's end, for the CRC and
// size checks that archive/zip makes only there, and so that damage after the
// rows (merged cells, page setup) still fails the read.
func (s *sheetScanner) drain() error {
	for {
		kind, err := s.sc.next()
		if err != nil {
			return err
		}
		if kind == tokEOF {
			return nil
		}
	}
}

func (s *sheetScanner) readRow() error {
	sc := s.sc
	n := s.row + 1
	if v, ok := attrValue(sc.attrs, "r"); ok {
		r, err := strconv.Atoi(string(v))
		if err != nil || r < 1 || r > maxSheetRows {
			return fmt.Errorf("row number %q", v)
		}
		if r <= s.row {
			return fmt.Errorf("row %d after row %d", r, s.row)
		}
		n = r
	}
	s.row = n
	s.col, s.ends, s.arena, s.bools = 0, s.ends[:0], s.arena[:0], s.bools[:0]
	if !sc.empty {
		for {
			if ok, err := s.fastCell(); ok || err != nil {
				if err != nil {
					return err
				}
				continue
			}
			kind, err := sc.next()
			if err != nil {
				return err
			}
			if kind == tokEnd {
				break
			}
			if kind != tokStart {
				continue
			}
			if !bytes.Equal(sc.name, cName) {
				if err := sc.skip(); err != nil {
					return err
				}
				continue
			}
			if err := s.readCell(); err != nil {
				return err
			}
		}
	}
	s.cells = s.cells[:0]
	start := 0
	for _, end := range s.ends {
		if end < 0 {
			s.cells = append(s.cells, nil)
			continue
		}
		s.cells = append(s.cells, s.arena[start:end])
		start = end
	}
	return nil
}

// readCell reads a <c> element into the row.
func (s *sheetScanner) readCell() error {
	sc := s.sc
	col := s.col + 1
	s.ref, s.typ = s.ref[:0], s.typ[:0]
	for _, a := range sc.attrs {
		switch string(a.name) {
		case "r":
			c, err := column(a.value)
			if err != nil {
				return err
			}
			if c <= s.col {
				return fmt.Errorf("cell %s is out of order", a.value)
			}
			col, s.ref = c, append(s.ref[:0], a.value...)
		case "t":
			s.typ = append(s.typ[:0], a.value...)
		}
	}
	s.col = col
	raw, inline, formula, err := s.cellContent()
	var val []byte
	if err == nil {
		val, err = s.resolve(s.typ, raw, inline)
	}
	if err != nil {
		return s.cellError(col, s.ref, err)
	}
	return s.store(col, val, formula, s.typ)
}

// fastCell reads in one step a cell of the shape nearly every cell has,
// <c r="B7" s="1" t="s"><v>12</v></c> or <c r="B7" s="1"/>, straight from the
// scanner's buffer. Anything else, or a cell the buffer holds only part of,
// is left to the general path (false, nothing consumed).
func (s *sheetScanner) fastCell() (bool, error) {
	sc := s.sc
	b := sc.buf[sc.pos:sc.end]
	if len(b) < 4 || b[0] != '<' || b[1] != 'c' || b[2] != ' ' && b[2] != '>' && b[2] != '/' {
		return false, nil
	}
	var ref, typ []byte
	var names [3][]byte // r, s and t: more, or one twice, take the general path
	i := 2
	for n := 0; b[i] == ' '; n++ {
		i++
		j := i + nameLen(b[i:])
		if n == len(names) || j == i || j+2 >= len(b) || !nameStart[b[i]] || b[j] != '=' || b[j+1] != '"' || bytes.IndexByte(b[i:j], ':') >= 0 {
			return false, nil
		}
		names[n] = b[i:j]
		for _, prev := range names[:n] {
			if bytes.Equal(prev, names[n]) {
				return false, nil
			}
		}
		k := bytes.IndexByte(b[j+2:], '"')
		if k < 0 || bytes.IndexByte(b[j+2:j+2+k], '<') >= 0 || bytes.IndexByte(b[j+2:j+2+k], '&') >= 0 {
			return false, nil
		}
		switch string(b[i:j]) {
		case "r":
			ref = b[j+2 : j+2+k]
		case "t":
			typ = b[j+2 : j+2+k]
		}
		if i = j + 3 + k; i == len(b) {
			return false, nil
		}
	}
	var raw []byte
	switch {
	case b[i] == '/' && i+1 < len(b) && b[i+1] == '>':
		i += 2
	case b[i] != '>':
		return false, nil
	case bytes.HasPrefix(b[i+1:], cClose):
		i += 1 + len(cClose)
	case bytes.HasPrefix(b[i+1:], vOpen):
		t := b[i+1+len(vOpen):]
		k := bytes.IndexByte(t, '<')
		if k < 0 || !bytes.HasPrefix(t[k:], vClose) || bytes.IndexByte(t[:k], '&') >= 0 || bytes.IndexByte(t[:k], '\r') >= 0 {
			return false, nil
		}
		raw = t[:k]
		i += 1 + len(vOpen) + k + len(vClose)
	default:
		return false, nil
	}
	sc.pos += i
	col := s.col + 1
	if ref != nil {
		c, err := column(ref)
		if err != nil {
			return true, err
		}
		if c <= s.col {
			return true, fmt.Errorf("cell %s is out of order", ref)
		}
		col = c
	}
	s.col = col
	if len(raw) > s.max {
		return true, s.cellError(col, ref, s.tooLong())
	}
	val, err := s.resolve(typ, raw, false)
	if err == nil {
		err = checkChars(raw)
	}
	if err != nil {
		return true, s.cellError(col, ref, err)
	}
	return true, s.store(col, val, false, typ)
}

func (s *sheetScanner) cellError(col int, ref []byte, err error) error {
	if len(ref) == 0 {
		return fmt.Errorf("cell %s: %w", cellName(col, s.row), err)
	}
	return fmt.Errorf("cell %s: %w", ref, err)
}

// store adds a cell's value to the row. A cell without a value is left out,
// unless it has a formula, as excelize does.
func (s *sheetScanner) store(col int, val []byte, formula bool, typ []byte) error {
	if len(val) == 0 && !formula {
		return nil
	}
	if col > connector.MaxColumns {
		return fmt.Errorf("%w: more than %d columns", connector.ErrTooLarge, connector.MaxColumns)
	}
	if len(s.arena)+len(val) > connector.MaxRecordBytes {
		return fmt.Errorf("%w: longer than %d bytes", connector.ErrTooLarge, connector.MaxRecordBytes)
	}
	for len(s.ends) < col-1 {
		s.ends = append(s.ends, -1)
	}
	s.arena = append(s.arena, val...)
	s.ends = append(s.ends, len(s.arena))
	if string(typ) == "b" {
		s.bools = append(s.bools, col-1)
	}
	return nil
}

var (
	vOpen  = []byte("<v>")
	vClose = []byte("</v></c>")
	cClose = []byte("</c>")
)

// cellContent reads the children of a <c> element: the text of its <v>,
// whether it has an inline string (then in items) and a formula, which makes
// even an empty cell count as present.
func (s *sheetScanner) cellContent() (raw []byte, inline, formula bool, err error) {
	sc := s.sc
	s.long = false
	s.value = s.value[:0]
	if !sc.empty {
		for {
			kind, err := sc.next()
			if err != nil {
				return nil, false, false, err
			}
			if kind == tokEnd {
				break
			}
			if kind != tokStart {
				continue
			}
			switch string(sc.name) {
			case "v":
				s.value, err = s.text(s.value[:0])
			case "is":
				inline = true
				err = s.richText()
			case "f":
				formula = true
				err = sc.skip()
			default:
				err = sc.skip()
			}
			if err != nil {
				return nil, false, false, err
			}
		}
	}
	if s.long {
		return nil, false, false, s.tooLong()
	}
	return s.value, inline, formula, nil
}

// resolve gives a cell's value as excelize's raw value does: a shared or
// inline string resolved, any other type as stored.
func (s *sheetScanner) resolve(typ, raw []byte, inline bool) ([]byte, error) {
	switch string(typ) {
	case "s":
		if len(raw) == 0 {
			return raw, nil
		}
		i, err := strconv.Atoi(string(bytes.TrimSpace(raw)))
		if err != nil || i < 0 {
			return nil, fmt.Errorf("shared string index %q is not a number", raw)
		}
		return s.sst.at(i)
	case "inlineStr":
		if inline {
			return s.item(), nil
		}
	}
	return raw, nil
}

func (s *sheetScanner) tooLong() error {
	return fmt.Errorf("%w: the cell holds more than %d bytes (limits: xlsx_cell_bytes in the config file); no SKU or quantity is that long", connector.ErrTooLarge, s.max)
}

// items reads text and string items for the sheet and the shared strings.
// A text longer than max is not kept: long is set instead, and the caller
// decides whether it matters (a cell always; a shared string only when a cell
// uses it).
type items struct {
	sc     *scanner
	max    int
	long   bool
	direct []byte // a string item's own <t>
	runs   []byte // a string item's rich-text runs
}

// text appends the character content of the element just opened (nested
// elements are skipped, as encoding/xml does for a string field).
func (it *items) text(dst []byte) ([]byte, error) {
	sc := it.sc
	if sc.empty {
		return dst, nil
	}
	d := sc.depth()
	for {
		kind, err := sc.next()
		if err != nil {
			return dst, err
		}
		switch kind {
		case tokEnd:
			if sc.depth() < d {
				return dst, nil
			}
		case tokStart:
			if err := sc.skip(); err != nil {
				return dst, err
			}
		case tokText:
			n := len(dst)
			if dst, err = sc.appendText(dst); err != nil {
				return dst, err
			}
			if len(dst) > it.max {
				it.long = true
				dst = dst[:n]
			}
		}
	}
}

// richText reads a string item (<is> of a cell, <si> of the shared strings)
// into direct and runs: its own <t> and the <t> of each rich-text run <r>,
// phonetic runs left out. As in excelize, a second <t> in the same place
// replaces the first.
func (it *items) richText() error {
	sc := it.sc
	it.direct, it.runs = it.direct[:0], it.runs[:0]
	if sc.empty {
		return nil
	}
	d := sc.depth()
	for {
		kind, err := sc.next()
		if err != nil {
			return err
		}
		if kind == tokEnd && sc.depth() < d {
			return nil
		}
		if kind != tokStart {
			continue
		}
		switch string(sc.name) {
		case "t":
			it.direct, err = it.text(it.direct[:0])
		case "r":
			err = it.run()
		default:
			err = sc.skip()
		}
		if err != nil {
			return err
		}
	}
}

// run appends the text of one rich-text run.
func (it *items) run() error {
	sc := it.sc
	if sc.empty {
		return nil
	}
	d := sc.depth()
	start := len(it.runs)
	for {
		kind, err := sc.next()
		if err != nil {
			return err
		}
		if kind == tokEnd && sc.depth() < d {
			return nil
		}
		if kind != tokStart {
			continue
		}
		if string(sc.name) == "t" {
			it.runs, err = it.text(it.runs[:start])
		} else {
			err = sc.skip()
		}
		if err != nil {
			return err
		}
	}
}

// item is the string item just read, escapes resolved; it is valid until the
// next richText.
func (it *items) item() []byte {
	it.direct = unescapeBSTR(append(it.direct, it.runs...))
	return it.direct
}

func attrValue(attrs []attr, name string) ([]byte, bool) {
	for _, a := range attrs {
		if string(a.name) == name {
			return a.value, true
		}
	}
	return nil, false
}

// column reads the column of a cell reference ("B7" is 2), checking the whole
// reference as excelize does.
func column(ref []byte) (int, error) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		if col = col*26 + int(c-'a') + 1; col > maxSheetCols {
			return 0, fmt.Errorf("cell reference %q is past the last column", ref)
		}
	}
	if i == 0 || i == len(ref) {
		return 0, fmt.Errorf("invalid cell reference %q", ref)
	}
	for _, c := range ref[i:] {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("invalid cell reference %q", ref)
		}
	}
	return col, nil
}

// cellName writes a cell reference: 2, 7 is "B7".
func cellName(col, row int) string {
	var letters []byte
	for ; col > 0; col = (col - 1) / 26 {
		letters = append([]byte{byte('A' + (col-1)%26)}, letters...)
	}
	return string(letters) + strconv.Itoa(row)
}

var bstrMark = []byte("_x")

// unescapeBSTR resolves, in place, the _xHHHH_ escapes Office writes for
// characters XML cannot hold (_x0008_ for a backspace, _x005F_ for a literal
// underscore), as excelize does for string items; an escaped lone surrogate
// resolves to nothing.
func unescapeBSTR(b []byte) []byte {
	i := bytes.Index(b, bstrMark)
	if i < 0 {
		return b
	}
	out := b[:i]
	for i < len(b) {
		if r, ok := bstrAt(b[i:]); ok {
			if r >= 0 {
				out = utf8.AppendRune(out, r)
			}
			i += 7
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}

// bstrAt reads an _xHHHH_ escape at the start of b; a surrogate is -1.
func bstrAt(b []byte) (rune, bool) {
	if len(b) < 7 || b[0] != '_' || b[1] != 'x' || b[6] != '_' {
		return 0, false
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			r = r<<4 | rune(c|0x20-'a'+10)
		default:
			return 0, false
		}
	}
	if r >= 0xD800 && r <= 0xDFFF {
		return -1, true
	}
	return r, true
}
