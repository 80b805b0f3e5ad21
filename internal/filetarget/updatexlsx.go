package filetarget

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
)

// Limits on what excelize unpacks, as the XLSX reader sets them: large parts
// spill to temporary files, and a ZIP bomb is refused.
const (
	unzipXMLSize = 16 << 20
	unzipSize    = 2 << 30
)

// xlsxFile is a workbook whose stock cells are set through excelize, which
// keeps the other cells, their styles and the other sheets.
type xlsxFile struct {
	f      *excelize.File
	sheet  string
	header string
	stock  int
	list   []entry
}

func loadXLSX(dst string, opt Options) (*xlsxFile, error) {
	f, err := excelize.OpenFile(dst, excelize.Options{RawCellValue: true, UnzipXMLSizeLimit: unzipXMLSize, UnzipSizeLimit: unzipSize})
	if err != nil {
		return nil, fmt.Errorf("update %s: not a readable XLSX workbook: %w", dst, err)
	}
	x := &xlsxFile{f: f}
	if err := x.load(opt); err != nil {
		f.Close()
		return nil, fmt.Errorf("update %s: %w", dst, err)
	}
	return x, nil
}

func (x *xlsxFile) load(opt Options) error {
	sheets := x.f.GetSheetList()
	if len(sheets) == 0 {
		return errors.New("the workbook has no sheets")
	}
	x.sheet = sheets[0]
	if opt.Sheet != "" {
		x.sheet = ""
		for _, s := range sheets {
			if strings.EqualFold(s, opt.Sheet) {
				x.sheet = s
				break
			}
		}
		if x.sheet == "" {
			return fmt.Errorf("no sheet %q; the sheets are %q", opt.Sheet, sheets)
		}
	}
	rows, err := x.f.Rows(x.sheet)
	if err != nil {
		return fmt.Errorf("sheet %q: %w", x.sheet, err)
	}
	defer rows.Close()
	finder, err := fieldmap.NewFinder(fieldmap.Options{Mapping: opt.Mapping})
	if err != nil {
		return err
	}
	var table *fieldmap.Table
	var headers, prev []string // the header row's cells; the row before
	sku := -1
	for row := 1; rows.Next(); row++ {
		cells, err := rows.Columns()
		if err != nil {
			return fmt.Errorf("sheet %q row %d: %w", x.sheet, row, err)
		}
		if table == nil {
			t, consumed, err := finder.Row(row, cells)
			if err != nil {
				return fmt.Errorf("sheet %q: %w", x.sheet, err)
			}
			if t == nil {
				prev = cells
				continue
			}
			// The finder decides on the row after the header: this one, unless
			// it was the header's lower half.
			table, headers = t, prev
			if consumed {
				headers = cells
			}
			if sku, x.stock = t.Column(catalog.FieldSKU), t.Column(catalog.FieldQuantity); x.stock < 0 {
				return fmt.Errorf("sheet %q: %w", x.sheet, noStockColumn(t, cells))
			}
			x.header = at(headers, x.stock)
			if consumed {
				continue
			}
		}
		s := catalog.NormalizeSKU(at(cells, sku))
		if s == "" || s == at(headers, sku) {
			continue
		}
		x.list = append(x.list, entry{sku: s, row: row, from: parseStock(at(cells, x.stock), true)})
	}
	if err := rows.Error(); err != nil {
		return fmt.Errorf("sheet %q: %w", x.sheet, err)
	}
	if table == nil {
		t, err := finder.End()
		if err != nil {
			return fmt.Errorf("sheet %q: %w", x.sheet, err)
		}
		if t.Column(catalog.FieldQuantity) < 0 {
			return fmt.Errorf("sheet %q: %w", x.sheet, noStockColumn(t, prev))
		}
	}
	return nil
}

func (x *xlsxFile) entries() []entry { return x.list }

func (x *xlsxFile) column() string { return x.header }

func (x *xlsxFile) Close() error { return x.f.Close() }

// write sets the stock cells as numbers and saves the workbook.
func (x *xlsxFile) write(w io.Writer, edits []edit) error {
	for _, e := range edits {
		cell, err := excelize.CoordinatesToCellName(x.stock+1, x.list[e.index].row)
		if err != nil {
			return err
		}
		if err := x.f.SetCellValue(x.sheet, cell, e.to.Float64()); err != nil {
			return fmt.Errorf("sheet %q cell %s: %w", x.sheet, cell, err)
		}
	}
	_, err := x.f.WriteTo(w)
	return err
}
