package filetarget

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/csv"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
	"github.com/keycrm-sync/keycrm-sync/internal/numparse"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
)

// sniffBytes is how much of a file the delimiter is detected from, as the
// reader does.
const sniffBytes = 32 << 10

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// csvFile is a delimited text file split into fields by byte offsets, so that
// one cell can be replaced and every other byte kept. Delimiters, quotes and
// line ends are ASCII in both UTF-8 and Windows-1251, so the raw bytes are
// split; only the cells compared (headers, SKUs, stock) are decoded.
type csvFile struct {
	name         string
	raw          []byte
	body         int // offset of the text after a BOM
	comma        byte
	cp1251       bool
	header       string
	stock        int  // the stock column
	decimalComma bool // the stock column writes decimal commas
	records      []csvRecord
	list         []entry
}

// csvField is a field's raw bytes raw[start:end], quotes included.
type csvField struct{ start, end int }

type csvRecord struct {
	line   int
	fields []csvField
	end    int // where the record's text ends, before its line end
}

func loadCSV(dst string, opt Options) (*csvFile, error) {
	raw, err := os.ReadFile(dst)
	if err != nil {
		return nil, fmt.Errorf("update %s: %w", dst, err)
	}
	f := &csvFile{name: dst, raw: raw}
	if err := connector.CheckText(raw); err != nil {
		return nil, fmt.Errorf("update %s: %w", dst, err)
	}
	if err := f.detectEncoding(opt.Encoding); err != nil {
		return nil, fmt.Errorf("update %s: %w", dst, err)
	}
	body := raw[f.body:]
	var prefer byte
	if strings.EqualFold(filepath.Ext(dst), ".tsv") {
		prefer = '\t'
	}
	var nl byte
	f.comma, nl = csv.Sniff(body[:min(len(body), sniffBytes)], len(body) <= sniffBytes, prefer)
	if opt.Delimiter != 0 {
		if opt.Delimiter >= utf8.RuneSelf {
			return nil, fmt.Errorf("update %s: delimiter %q is not a single byte", dst, opt.Delimiter)
		}
		f.comma = byte(opt.Delimiter)
	}
	if err := f.split(nl); err != nil {
		return nil, fmt.Errorf("update %s: %w", dst, err)
	}
	if err := f.findColumns(opt); err != nil {
		return nil, fmt.Errorf("update %s: %w", dst, err)
	}
	f.decimalComma = f.decimalComma || opt.DecimalComma
	return f, nil
}

// detectEncoding keeps a BOM aside and tells UTF-8 from Windows-1251: text
// that is valid UTF-8 is UTF-8.
func (f *csvFile) detectEncoding(forced string) error {
	if bytes.HasPrefix(f.raw, []byte{0xFF, 0xFE}) || bytes.HasPrefix(f.raw, []byte{0xFE, 0xFF}) {
		return errors.New("UTF-16 files are not updated in place; save the file as UTF-8 or Windows-1251")
	}
	if bytes.HasPrefix(f.raw, utf8BOM) {
		f.body = len(utf8BOM)
	}
	enc := textenc.UTF8
	if forced != "" {
		var err error
		if enc, err = textenc.Canonical(forced); err != nil {
			return fmt.Errorf("--encoding: %w", err)
		}
	} else if !utf8.Valid(f.raw[f.body:]) {
		enc = textenc.Windows1251
	}
	switch enc {
	case textenc.UTF8:
	case textenc.Windows1251:
		f.cp1251 = true
	default:
		return fmt.Errorf("--encoding %s: CSV files are updated in utf-8 or windows-1251", forced)
	}
	return nil
}

// split cuts the text into records the way the CSV reader does: a field
// starting with a quote runs to the next lone quote, across lines, and text
// after the closing quote belongs to the field.
func (f *csvFile) split(nl byte) error {
	b := f.raw
	pos, line := f.body, 1
	var fields []csvField // reused: each record keeps an exact-size copy
	for pos < len(b) {
		rec := csvRecord{line: line}
		fields = fields[:0]
		for {
			start := pos
			if b[pos] == '"' {
				j := pos + 1
				for {
					k := bytes.IndexByte(b[j:], '"')
					if k < 0 {
						return fmt.Errorf("line %d: %w", rec.line, connector.ErrTruncated)
					}
					j += k + 1
					if j < len(b) && b[j] == '"' {
						j++
						continue
					}
					break
				}
				line += bytes.Count(b[pos:j], []byte{nl})
				pos = j
			}
			for pos < len(b) && b[pos] != f.comma && b[pos] != nl {
				pos++
			}
			end := pos
			if nl == '\n' && end > start && b[end-1] == '\r' && (pos == len(b) || b[pos] == nl) {
				end--
			}
			fields = append(fields, csvField{start, end})
			if len(fields) > connector.MaxColumns {
				return fmt.Errorf("line %d: %w: more than %d columns", rec.line, connector.ErrTooLarge, connector.MaxColumns)
			}
			if pos < len(b) && b[pos] == f.comma {
				pos++
				if pos == len(b) {
					fields = append(fields, csvField{pos, pos})
					break
				}
				continue
			}
			break
		}
		rec.fields = slices.Clone(fields)
		rec.end = fields[len(fields)-1].end
		if pos < len(b) {
			pos++ // the line end
			line++
		}
		f.records = append(f.records, rec)
	}
	return nil
}

// text returns a field's value: unquoted, "" undone, decoded to UTF-8.
func (f *csvFile) text(fl csvField) string {
	raw := f.raw[fl.start:fl.end]
	if len(raw) > 0 && raw[0] == '"' {
		var v []byte
		for i := 1; i < len(raw); i++ {
			if raw[i] != '"' {
				v = append(v, raw[i])
				continue
			}
			if i+1 < len(raw) && raw[i+1] == '"' {
				v = append(v, '"')
				i++
				continue
			}
			v = append(v, raw[i+1:]...) // stray text after the closing quote
			break
		}
		raw = v
	}
	if f.cp1251 {
		var b strings.Builder
		b.Grow(len(raw) * 2)
		for _, c := range raw {
			b.WriteRune(charmap.Windows1251.DecodeByte(c))
		}
		return b.String()
	}
	return string(raw)
}

// cell is the value of column c of rec, "" beyond its end, without the
// apostrophe that guards against formulas.
func (f *csvFile) cell(rec *csvRecord, c int) string {
	if c < 0 || c >= len(rec.fields) {
		return ""
	}
	v := f.text(rec.fields[c])
	if len(v) >= 2 && v[0] == '\'' && csv.IsFormulaStart(v[1]) {
		v = v[1:]
	}
	return v
}

// findColumns finds the header row and the SKU and stock columns, and lists
// the data rows.
func (f *csvFile) findColumns(opt Options) error {
	finder, err := fieldmap.NewFinder(fieldmap.Options{Mapping: opt.Mapping})
	if err != nil {
		return err
	}
	var table *fieldmap.Table
	first := 0 // the first data record
	for i := range f.records {
		rec := &f.records[i]
		cells := make([]string, len(rec.fields))
		for c, fl := range rec.fields {
			cells[c] = f.text(fl)
		}
		t, consumed, err := finder.Row(rec.line, cells)
		if err != nil {
			return err
		}
		if t != nil {
			table, first = t, i+1
			if !consumed {
				first = i
			}
			break
		}
	}
	if table == nil {
		if table, err = finder.End(); err != nil {
			return err
		}
		first = len(f.records)
	}
	sku := table.Column(catalog.FieldSKU)
	f.stock = table.Column(catalog.FieldQuantity)
	if f.stock < 0 {
		return noStockColumn(table, f.headerCells(first))
	}
	headers := f.headerCells(first)
	f.header = at(headers, f.stock)
	for i := first; i < len(f.records); i++ {
		rec := &f.records[i]
		s := catalog.NormalizeSKU(f.cell(rec, sku))
		if s == "" || s == at(headers, sku) {
			continue // a blank row, a row without SKU, or the header repeated
		}
		v := f.cell(rec, f.stock)
		from := parseStock(v, false)
		// New values are written with the decimal mark the column uses.
		if from.Known && strings.Contains(v, ",") && !strings.Contains(v, ".") {
			f.decimalComma = true
		}
		f.list = append(f.list, entry{sku: s, row: rec.line, from: from})
	}
	return nil
}

// at returns cells[c], or "" beyond the end (a header-less file has none).
func at(cells []string, c int) string {
	if c < 0 || c >= len(cells) {
		return ""
	}
	return cells[c]
}

// headerCells are the cells of the header record, the one before first.
func (f *csvFile) headerCells(first int) []string {
	if first == 0 || first > len(f.records) {
		return nil
	}
	rec := &f.records[first-1]
	cells := make([]string, len(rec.fields))
	for c, fl := range rec.fields {
		cells[c] = f.text(fl)
	}
	return cells
}

// noStockColumn says which headers were found and how to name the column.
func noStockColumn(t *fieldmap.Table, headers []string) error {
	var named []string
	for _, h := range headers {
		if strings.TrimSpace(h) != "" {
			named = append(named, fmt.Sprintf("%q", h))
		}
	}
	return fmt.Errorf("no stock column in the header (row %d: %s); name it with --map quantity=HEADER", t.Row(), strings.Join(named, ", "))
}

// parseStock reads a stock cell: empty or not a number is unknown.
func parseStock(v string, spreadsheet bool) catalog.Num {
	if strings.TrimSpace(v) == "" {
		return catalog.Num{}
	}
	d, _, err := numparse.Parse(v, numparse.Options{Spreadsheet: spreadsheet})
	if err != nil {
		return catalog.Num{}
	}
	return catalog.Known(d)
}

func (f *csvFile) entries() []entry { return f.list }

func (f *csvFile) column() string { return f.header }

// write copies the file, replacing the stock cells of the edited rows.
func (f *csvFile) write(w io.Writer, edits []edit) error {
	byLine := make(map[int]edit, len(edits))
	for _, e := range edits {
		byLine[f.list[e.index].row] = e
	}
	pos := 0
	for i := range f.records {
		rec := &f.records[i]
		e, ok := byLine[rec.line]
		if !ok {
			continue
		}
		v := e.to.String()
		if f.decimalComma {
			v = strings.Replace(v, ".", ",", 1)
		}
		start, end := rec.end, rec.end
		quoted := false
		if f.stock < len(rec.fields) {
			fl := rec.fields[f.stock]
			start, end = fl.start, fl.end
			quoted = end > start && f.raw[start] == '"'
		}
		if quoted || strings.IndexByte(v, f.comma) >= 0 {
			v = `"` + v + `"`
		}
		if f.stock >= len(rec.fields) {
			// A row that stops before the stock column gets the missing
			// delimiters.
			v = strings.Repeat(string(f.comma), f.stock-len(rec.fields)+1) + v
		}
		if _, err := w.Write(f.raw[pos:start]); err != nil {
			return err
		}
		if _, err := io.WriteString(w, v); err != nil {
			return err
		}
		pos = end
	}
	_, err := w.Write(f.raw[pos:])
	return err
}
