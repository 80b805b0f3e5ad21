package filetarget

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/keycrm-sync/keycrm-sync/internal/connector/csv"
)

// sheetName is the one sheet a written workbook has.
const sheetName = "Stock"

// xlsxEncoder writes a workbook through excelize's StreamWriter, which holds
// one row at a time instead of the whole sheet.
type xlsxEncoder struct{ headers map[string]string }

func (e xlsxEncoder) encode(ctx context.Context, w io.Writer, rows []Row) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheetName)
	if err != nil {
		return err
	}
	// Panes must be set before the first row.
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	quoted, err := quotePrefixStyle(f)
	if err != nil {
		return err
	}
	cols := usedColumns(rows)
	record := make([]any, len(cols))
	for c, h := range cols.header(e.headers) {
		record[c] = textCell(h, quoted)
	}
	if err := sw.SetRow("A1", record); err != nil {
		return err
	}
	err = eachRow(ctx, rows, func(i int, r Row) error {
		for c := range cols {
			v := cols.cell(c, r)
			switch {
			case !cols.numeric(c):
				record[c] = textCell(v, quoted)
			case v == "":
				record[c] = nil
			default:
				// A spreadsheet number is a double; the reader rounds the
				// binary noise away again (numparse.RoundFloat).
				n, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return fmt.Errorf("row %d (SKU %q) column %s: %w", i+2, r.SKU, cols[c], err)
				}
				record[c] = n
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, record)
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// textCell is a text cell; text a spreadsheet would take for a formula gets
// the quote-prefix style, Excel's own way of saying "this is text": the value
// stays as it is, so readers see the same text.
func textCell(v string, quoted int) any {
	if v != "" && csv.IsFormulaStart(v[0]) {
		return excelize.Cell{StyleID: quoted, Value: v}
	}
	return v
}

// quotePrefixStyle adds a text-format style with Excel's quotePrefix flag.
// excelize's Style has no field for the flag, so it is set on the cell format
// record excelize created.
func quotePrefixStyle(f *excelize.File) (int, error) {
	text := "@"
	id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &text})
	if err != nil {
		return 0, err
	}
	xfs := f.Styles.CellXfs.Xf
	if id <= 0 || id >= len(xfs) {
		return 0, fmt.Errorf("excelize returned style %d of %d", id, len(xfs))
	}
	yes := true
	xfs[id].QuotePrefix = &yes
	return id, nil
}
