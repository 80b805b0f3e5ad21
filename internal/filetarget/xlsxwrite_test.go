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

func TestUpdateXLSX(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prom.xlsx")
	f := excelize.NewFile()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "Товари"))
	_, err := f.NewSheet("Інше")
	must(err)
	must(f.SetCellValue("Інше", "A1", "не чіпати"))
	for cell, v := range map[string]any{
		"A1": "Експорт товарів", "A3": "Код_товару", "B3": "Назва", "C3": "Ціна", "D3": "Кількість",
		"A4": "P-1", "B4": "=не формула", "C4": 10.5, "D4": 3,
		"A5": "P-2", "B5": "Друга", "C5": 7, "D5": "2",
		"A6": "P-3", "B6": "Третя", "C6": 1,
	} {
		must(f.SetCellValue("Товари", cell, v))
	}
	style, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	must(err)
	must(f.SetCellStyle("Товари", "D4", "D4", style))
	must(f.SaveAs(path))
	must(f.Close())

	res, err := Update(context.Background(), path, values("P-1", "8", "P-2", "2", "P-3", "0.5", "P-4", "1"), Options{})
	must(err)
	if res.Column != "Кількість" || len(res.Changed) != 2 || res.Unchanged != 1 || res.Changed[0].Row != 4 {
		t.Fatalf("result %+v", res)
	}
	g, err := excelize.OpenFile(path)
	must(err)
	defer g.Close()
	for cell, want := range map[string]string{"A1": "Експорт товарів", "B4": "=не формула", "C4": "10.5", "D4": "8", "D5": "2", "D6": "0.5"} {
		if got, _ := g.GetCellValue("Товари", cell); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
	if got, _ := g.GetCellStyle("Товари", "D4"); got != style {
		t.Errorf("D4 lost its style: %d, want %d", got, style)
	}
	if got, _ := g.GetCellValue("Інше", "A1"); got != "не чіпати" {
		t.Errorf("the other sheet changed: %q", got)
	}
}

func TestUpdateXLSXErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "noqty.xlsx")
	f := excelize.NewFile()
	if err := f.SetSheetRow("Sheet1", "A1", &[]any{"SKU", "Name"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err := Update(context.Background(), path, values("A", "1"), Options{})
	if err == nil || !strings.Contains(err.Error(), `no stock column in the header (row 1: "SKU", "Name")`) {
		t.Errorf("Update = %v", err)
	}
	_, err = Update(context.Background(), path, values("A", "1"), Options{Sheet: "Nope"})
	if err == nil || !strings.Contains(err.Error(), `no sheet "Nope"`) {
		t.Errorf("Update = %v", err)
	}
	bad := filepath.Join(dir, "bad.xlsx")
	writeFile(t, bad, "not a zip")
	if _, err := Update(context.Background(), bad, values("A", "1"), Options{}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Update = %v", err)
	}
	assertIntact(t, bad, "not a zip")
}
