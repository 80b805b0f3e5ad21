package filetarget

import (
	"archive/zip"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestWriteXLSXShape(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stock.xlsx")
	if err := Write(context.Background(), path, nil, demoRows, Options{}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	panes, err := f.GetPanes(sheetName)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v (%v), want the header row frozen", panes, err)
	}
	sheet := zipPart(t, path, "xl/worksheets/sheet1.xml")
	for _, cell := range []string{`<c r="B2"><v>7</v></c>`, `<c r="C2"><v>1299.5</v></c>`, `<c r="B3"><v>2.5</v></c>`} {
		if !strings.Contains(sheet, cell) {
			t.Errorf("the sheet has no number cell %s", cell)
		}
	}
	// E5 holds =HYPERLINK(...), A6 the SKU -MINUS: text with the quote prefix.
	plain, err := f.GetCellStyle(sheetName, "E2")
	if err != nil {
		t.Fatal(err)
	}
	for _, cell := range []string{"E5", "A6", "E6"} {
		style, err := f.GetCellStyle(sheetName, cell)
		if err != nil || style == plain {
			t.Errorf("%s has style %d (%v), want the quote-prefix style", cell, style, err)
		}
		if typ, _ := f.GetCellType(sheetName, cell); typ == excelize.CellTypeFormula {
			t.Errorf("%s is a formula", cell)
		}
	}
	if styles := zipPart(t, path, "xl/styles.xml"); !strings.Contains(styles, `quotePrefix="true"`) {
		t.Errorf("styles.xml has no quotePrefix: %s", styles)
	}
}

func zipPart(t *testing.T, path, name string) string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		if f.Name == name {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("%s has no part %s", path, name)
	return ""
}
