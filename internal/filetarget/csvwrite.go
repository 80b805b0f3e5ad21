package filetarget

import (
	"context"
	stdcsv "encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/keycrm-sync/keycrm-sync/internal/connector/csv"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
)

// csvEncoder writes delimited text through encoding/csv, which quotes exactly
// the cells that need it.
type csvEncoder struct {
	comma        rune
	crlf         bool
	cp1251       bool
	buf          []byte
	decimalComma bool
	headers      map[string]string
}

func newCSVEncoder(dst string, opt Options) (*csvEncoder, error) {
	names, err := headerNames(opt.Headers)
	if err != nil {
		return nil, err
	}
	e := &csvEncoder{comma: opt.Delimiter, decimalComma: opt.DecimalComma, headers: names}
	if e.comma == 0 {
		e.comma = ','
		if strings.EqualFold(filepath.Ext(dst), ".tsv") {
			e.comma = '\t'
		}
	}
	if e.comma != ',' && e.comma != ';' && e.comma != '\t' && e.comma != '|' {
		return nil, fmt.Errorf("delimiter %q: CSV files are written with , ; | or a tab", e.comma)
	}
	if e.decimalComma && e.comma == ',' {
		return nil, fmt.Errorf("a decimal comma needs another delimiter than the comma (1C uses ';')")
	}
	if opt.Encoding != "" {
		enc, err := textenc.Canonical(opt.Encoding)
		if err != nil {
			return nil, fmt.Errorf("--encoding: %w", err)
		}
		switch enc {
		case textenc.UTF8:
		case textenc.Windows1251:
			// 1C and Windows Excel expect CRLF with their code page.
			e.cp1251, e.crlf = true, true
		default:
			return nil, fmt.Errorf("--encoding %s: CSV files are written in utf-8 or windows-1251", opt.Encoding)
		}
	}
	return e, nil
}

func (e *csvEncoder) encode(ctx context.Context, w io.Writer, rows []Row) error {
	cw := stdcsv.NewWriter(w)
	cw.Comma, cw.UseCRLF = e.comma, e.crlf
	cols := usedColumns(rows)
	record, err := e.record(cols.header(e.headers), cols, 1, "")
	if err != nil {
		return err
	}
	if err := cw.Write(record); err != nil {
		return err
	}
	err = eachRow(ctx, rows, func(i int, r Row) error {
		for c := range cols {
			record[c] = cols.cell(c, r)
			if e.decimalComma && cols.numeric(c) {
				record[c] = strings.Replace(record[c], ".", ",", 1)
			}
		}
		record, err := e.record(record, cols, i+2, r.SKU)
		if err != nil {
			return err
		}
		return cw.Write(record)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// record escapes formulas and encodes the cells of line (a file line, for
// errors) in place.
func (e *csvEncoder) record(cells []string, cols columns, line int, sku string) ([]string, error) {
	for c, v := range cells {
		v = escapeFormula(v)
		if e.cp1251 {
			enc, ok := e.to1251(v)
			if !ok {
				return nil, fmt.Errorf("line %d (SKU %q) column %s: %q has characters windows-1251 cannot hold; write utf-8 instead",
					line, sku, cols[c], v)
			}
			v = enc
		}
		cells[c] = v
	}
	return cells, nil
}

// to1251 encodes v in Windows-1251; false when a character has no place in
// it. ASCII text, most cells, is returned as it is.
func (e *csvEncoder) to1251(v string) (string, bool) {
	i := 0
	for i < len(v) && v[i] < utf8.RuneSelf {
		i++
	}
	if i == len(v) {
		return v, true
	}
	e.buf = append(e.buf[:0], v[:i]...)
	for _, r := range v[i:] {
		b, ok := charmap.Windows1251.EncodeRune(r)
		if !ok {
			return "", false
		}
		e.buf = append(e.buf, b)
	}
	return string(e.buf), true
}

// escapeFormula puts an apostrophe before text that a spreadsheet would run as
// a formula; the CSV reader removes it again (package connector/csv).
func escapeFormula(v string) string {
	if v != "" && csv.IsFormulaStart(v[0]) {
		return "'" + v
	}
	return v
}
