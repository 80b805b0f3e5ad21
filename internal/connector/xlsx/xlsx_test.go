package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/conformance"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

var ruHeaders = map[string]string{
	"sku": "Артикул", "quantity": "Количество товара на складе", "warehouse": "Склад", "available": "Наличие",
	"price": "Актуальная цена", "purchased_price": "Закупочная цена", "currency": "Валюта", "name": "Название товара",
	"description": "Описание", "category": "Категория", "barcode": "Штрихкод", "weight": "Вес", "length": "Длина",
	"width": "Ширина", "height": "Высота", "image_url": "Картинки", "parent_sku": "Родительский артикул",
	"properties": "Свойства",
}

// cell renders a demo value as a spreadsheet holds it: numbers as doubles,
// availability as Rozetka's words, images ';'-separated.
func cell(field, v string) any {
	switch field {
	case "quantity", "price", "purchased_price", "weight", "length", "width", "height":
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	case "available":
		return map[string]string{"yes": "Есть", "no": "Отсутсвует"}[v]
	case "image_url":
		return strings.Join(strings.Fields(v), ";")
	}
	return v
}

// writeStream writes with excelize's stream writer: inline strings, the header
// on row 1.
func writeStream(t testing.TB, dir string, cols []string, rows []conformance.Row) string {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = ruHeaders[c]
	}
	if err := sw.SetRow("A1", head); err != nil {
		t.Fatal(err)
	}
	for r, row := range rows {
		vals := make([]any, len(cols))
		for i, c := range cols {
			if v := row[c]; v != "" {
				vals[i] = cell(c, v)
			}
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", r+2), vals); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	return save(t, f, dir)
}

func save(t testing.TB, f *excelize.File, dir string) string {
	p := filepath.Join(dir, "stock.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeReport writes as a 1C report does: a second sheet first in the file's
// list is not; shared strings, numbers as text, a title block, and the SKU
// header merged down over a two-row header whose price sits under a merged
// "Ціни" group.
func writeReport(t testing.TB, dir string, cols []string, rows []conformance.Row) string {
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetCellValue("Sheet1", "A1", "Залишки товарів"))
	must(f.SetCellValue("Sheet1", "A2", "на 01.02.2025"))
	for i, c := range cols {
		top, _ := excelize.CoordinatesToCellName(i+1, 4)
		low, _ := excelize.CoordinatesToCellName(i+1, 5)
		switch c {
		case "price":
			must(f.SetCellValue("Sheet1", top, "Ціна"))
			must(f.SetCellValue("Sheet1", low, "Роздрібна"))
		case "purchased_price":
			must(f.SetCellValue("Sheet1", low, "Закупівельна"))
		default:
			must(f.SetCellValue("Sheet1", top, ukHeader(c)))
			must(f.MergeCell("Sheet1", top, low))
		}
	}
	for r, row := range rows {
		for i, c := range cols {
			name, _ := excelize.CoordinatesToCellName(i+1, r+6)
			if v := row[c]; v != "" {
				must(f.SetCellStr("Sheet1", name, fmt.Sprint(cell(c, v))))
			}
		}
	}
	return save(t, f, dir)
}

func ukHeader(field string) string {
	return map[string]string{
		"sku": "Код товару", "quantity": "Кількість", "warehouse": "Склад", "available": "Наявність", "currency": "Валюта",
		"name": "Назва позиції", "description": "Опис", "category": "Група", "barcode": "Штрих-код", "weight": "Вага, кг",
		"length": "Довжина, см", "width": "Ширина, см", "height": "Висота, см", "image_url": "Посилання зображення",
		"parent_sku": "Батьківський артикул", "properties": "Характеристики",
	}[field]
}

func TestConformance(t *testing.T) {
	t.Run("stream", func(t *testing.T) {
		conformance.Run(t, conformance.Case{
			Format: Format{},
			Write:  writeStream,
			Row:    func(i int) int { return i + 2 },
			Column: func(f string) string { return ruHeaders[f] },
		})
	})
	t.Run("report", func(t *testing.T) {
		conformance.Run(t, conformance.Case{
			Format: Format{},
			Write:  writeReport,
			Row:    func(i int) int { return i + 6 },
			Column: func(f string) string {
				if f == "price" {
					return "Ціна Роздрібна"
				}
				return ukHeader(f)
			},
		})
	})
}

type collect struct {
	items    []catalog.Item
	problems []catalog.Problem
}

func (c *collect) Item(it *catalog.Item) error { c.items = append(c.items, *it); return nil }
func (c *collect) Problem(p catalog.Problem)   { c.problems = append(c.problems, p) }
func (c *collect) sku(s string) *catalog.Item {
	for i := range c.items {
		if c.items[i].SKU == s {
			return &c.items[i]
		}
	}
	return nil
}

func readFile(t *testing.T, path string, opt connector.ReadOptions) (*collect, connector.SourceInfo, error) {
	t.Helper()
	loc, err := connector.ParseLocation(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Format{}.Open(context.Background(), loc, opt)
	if err != nil {
		return nil, connector.SourceInfo{}, err
	}
	defer r.Close()
	c := &collect{}
	err = r.Read(context.Background(), c)
	return c, r.Info(), err
}

func dec(s string) catalog.Num { return catalog.Known(decimal.MustParse(s)) }

func TestPromExport(t *testing.T) {
	path := testenv.Fixture(t, "xlsx/prom_export_products.xlsx")
	c, info, err := readFile(t, path, connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 172 rows: 3 have no Код_товару.
	if len(c.items) != 169 || len(c.problems) != 3 {
		t.Fatalf("%d items, %d problems; want 169 and 3", len(c.items), len(c.problems))
	}
	for _, p := range c.problems {
		if p.Field != "sku" || p.Column != "Код_товару" || p.Error != "empty SKU" {
			t.Errorf("problem %+v", p)
		}
	}
	first := c.items[0]
	if first.SKU != "68596318AB" || first.Quantity != dec("2") || first.Price != dec("9200") || first.Currency != "UAH" ||
		first.Available != catalog.FlagYes || first.Pos.Row != 2 || len(first.ImageURLs) != 5 || !strings.HasPrefix(first.Name, "Корпус масляного фильтра") {
		t.Errorf("first item %+v", first)
	}
	if it := c.sku("926959"); it == nil || it.Quantity != dec("0") || it.Available != catalog.FlagNo || it.Price != dec("14200") {
		t.Errorf("926959: %+v", it)
	}
	if last := c.items[len(c.items)-1]; last.SKU != "mu7c3ql/a" || last.Price != dec("32000") || last.Pos.Row != 173 {
		t.Errorf("last item %+v", last)
	}
	unknown := 0
	for _, it := range c.items {
		if !it.Quantity.Known {
			unknown++
		}
	}
	if unknown != 6 {
		t.Errorf("%d items without Кількість, want 6", unknown)
	}
	if !strings.Contains(strings.Join(info.Notes, "\n"), `"Export Products Sheet", the first of 2`) {
		t.Errorf("notes %q", info.Notes)
	}
	if len(info.SHA256) != 64 || info.Encoding != "" {
		t.Errorf("info %+v", info)
	}
}

func TestRozetkaTemplate(t *testing.T) {
	path := testenv.Fixture(t, "xlsx/rozetka_template_price.xlsx")
	for _, sheet := range []string{"", "Price", "price"} {
		c, _, err := readFile(t, path, connector.ReadOptions{Sheet: sheet})
		if err != nil {
			t.Fatalf("--sheet %q: %v", sheet, err)
		}
		if len(c.items) != 5 || len(c.problems) != 0 {
			t.Fatalf("--sheet %q: %d items, %d problems; want 5 and 0", sheet, len(c.items), len(c.problems))
		}
		first := c.items[0]
		if first.SKU != "0590000300140" || first.Quantity != dec("100") || first.Price != dec("389") || first.Available != catalog.FlagYes ||
			first.Category != "Джинсы (для девочек)" || first.Currency != "UAH" {
			t.Errorf("first item %+v", first)
		}
		if it := c.sku("0590000300152"); it == nil || it.Available != catalog.FlagNo || it.Pos.Row != 4 {
			t.Errorf("0590000300152: %+v", it)
		}
	}
	_, _, err := readFile(t, path, connector.ReadOptions{Sheet: "Товари"})
	if err == nil || !strings.Contains(err.Error(), `no sheet "Товари"; the sheets are "Price", "Shop info", "Currencies", "Categories", "Lists"`) {
		t.Errorf("wrong sheet: %v", err)
	}
	_, _, err = readFile(t, path, connector.ReadOptions{Sheet: "Currencies"})
	var nse *fieldmap.NoSKUError
	if !errors.As(err, &nse) || !strings.Contains(err.Error(), `"Валюта", "Курс"`) {
		t.Errorf("sheet without a SKU column: %v", err)
	}
}

// minimal builds the smallest workbook excelize reads, around one sheet's
// sheetData, with inline strings and no sharedStrings part (as Prom writes).
func minimal(t testing.TB, sheetData string) []byte {
	return pack(t, worksheet(sheetData), "")
}

func worksheet(sheetData string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + sheetData + `</sheetData></worksheet>`
}

// pack builds a workbook of one sheet from its XML and, unless sst is empty,
// a shared strings part.
func pack(t testing.TB, sheet, sst string) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	sstRel := ""
	if sst != "" {
		sstRel = `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
	}
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Залишки" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` + sstRel + `</Relationships>`},
		{"xl/worksheets/sheet1.xml", sheet},
	}
	if sst != "" {
		parts = append(parts, struct{ name, body string }{"xl/sharedStrings.xml", sst})
	}
	for _, p := range parts {
		w, err := z.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bomb is a valid package whose directory claims a 2 GB styles part: excelize
// would allocate that much before noticing.
func bomb(t testing.TB) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	r, err := zip.NewReader(bytes.NewReader(minimal(t, "")), int64(len(minimal(t, ""))))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.File {
		if err := z.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, err := z.CreateRaw(&zip.FileHeader{Name: "xl/styles.xml", Method: zip.Deflate, CompressedSize64: 20, UncompressedSize64: 2e9})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 20)); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func is(ref, s string) string {
	return `<c r="` + ref + `" t="inlineStr"><is><t>` + s + `</t></is></c>`
}
func n(ref, v string) string { return `<c r="` + ref + `"><v>` + v + `</v></c>` }

func writeBytes(t *testing.T, b []byte) string {
	p := filepath.Join(t.TempDir(), "stock.xlsx")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCells(t *testing.T) {
	sheet := `<row r="1">` + is("A1", "Артикул") + is("B1", "Кількість") + is("C1", "Ціна") + is("D1", "Ціна") + `</row>` +
		`<row r="2">` + is("A2", "A-1") + n("B2", "9.9999999999E-2") + n("C2", "0.10589999999999999") + n("D2", "5") + `</row>` +
		// A row missing from the XML still counts: B sits on row 4.
		`<row r="4">` + n("A4", "4820000000421") + is("B4", "1 234,5") + is("C4", " 12,50 грн") + `</row>` +
		`<row r="5">` + is("A5", "C-3") + `<c r="B5" t="e"><v>#N/A</v></c>` + `<c r="C5" t="b"><v>1</v></c>` + `</row>`
	c, info, err := readFile(t, writeBytes(t, minimal(t, sheet)), connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.items) != 2 || len(c.problems) != 2 {
		t.Fatalf("items %+v problems %+v", c.items, c.problems)
	}
	if it := c.items[0]; it.SKU != "A-1" || it.Quantity != dec("0.1") || it.Price != dec("0.1059") || it.Pos.Row != 2 {
		t.Errorf("float noise: %+v", it)
	}
	if it := c.items[1]; it.SKU != "4820000000421" || it.Quantity != dec("1234.5") || it.Price != dec("12.5") || it.Currency != "UAH" || it.Pos.Row != 4 {
		t.Errorf("numbers as text: %+v", it)
	}
	if p := c.problems[0]; p.Row != 5 || p.SKU != "C-3" || p.Value != "#N/A" || p.Column != "Кількість" {
		t.Errorf("error cell: %+v", p)
	}
	// TRUE is not a price of 1 (issue 9 item 5).
	if p := c.problems[1]; p.Row != 5 || p.SKU != "C-3" || p.Value != "TRUE" || p.Column != "Ціна" || p.Field != "price" || p.Error != "boolean cell in a number column" {
		t.Errorf("boolean cell: %+v", p)
	}
	if !strings.Contains(strings.Join(info.Notes, "\n"), `price is read from column "Ціна"`) {
		t.Errorf("notes %q", info.Notes)
	}
}

func TestBadWorkbooks(t *testing.T) {
	wide := `<row r="1">` + is("A1", "SKU")
	for i := 2; i <= 1100; i++ {
		ref, _ := excelize.CoordinatesToCellName(i, 1)
		wide += is(ref, "x")
	}
	wide += `</row>`
	tests := []struct {
		name string
		data []byte
		opt  connector.ReadOptions
		want string
	}{
		{"empty sheet", minimal(t, ""), connector.ReadOptions{}, "the sheet is empty"},
		{"no SKU column", minimal(t, `<row r="1">`+is("A1", "Назва")+is("B1", "Ціна")+`</row>`), connector.ReadOptions{}, `"Назва", "Ціна"`},
		{"too wide", minimal(t, wide), connector.ReadOptions{}, "more than 1024 columns"},
		{"not a zip", []byte("sku;qty\nA;1\n"), connector.ReadOptions{}, "--format csv"},
		{"an xls", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), connector.ReadOptions{}, "save it as .xlsx"},
		{"cut off", minimal(t, `<row r="1">`+is("A1", "SKU")+`</row>`)[:300], connector.ReadOptions{}, "not a readable XLSX workbook"},
		{"a part claiming more than it holds", bomb(t), connector.ReadOptions{}, `part "xl/styles.xml" unpacks 2000000000 bytes from 20`},
		{"header only", minimal(t, `<row r="1">`+is("A1", "SKU")+`</row>`), connector.ReadOptions{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, info, err := readFile(t, writeBytes(t, tt.data), tt.opt)
			if tt.want == "" {
				if err != nil || len(c.items) > 0 || !reflect.DeepEqual(info.Notes, []string{"no data rows after the header"}) {
					t.Errorf("err %v, notes %q", err, info.Notes)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "stock.xlsx") {
				t.Errorf("err = %v, want it to mention %q and the file", err, tt.want)
			}
		})
	}
}

func TestStdin(t *testing.T) {
	data := minimal(t, `<row r="1">`+is("A1", "SKU")+is("B1", "Qty")+`</row><row r="2">`+is("A2", "A")+n("B2", "3")+`</row>`)
	loc, _ := connector.ParseLocation("-")
	r, err := Format{}.Open(context.Background(), loc, connector.ReadOptions{Stdin: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	c := &collect{}
	if err := r.Read(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if len(c.items) != 1 || c.items[0].Quantity != dec("3") || c.items[0].Pos.File != "-" {
		t.Errorf("items %+v", c.items)
	}
}

func TestNoHeader(t *testing.T) {
	data := minimal(t, `<row r="1">`+is("A1", "BOSCH")+is("B1", "0 986 452 041")+n("C1", "250.5")+n("D1", "4")+`</row>`)
	c, _, err := readFile(t, writeBytes(t, data), connector.ReadOptions{NoHeader: true, Mapping: map[string]string{"sku": "2", "price": "3", "quantity": "4"}})
	if err != nil || len(c.items) != 1 || c.items[0].SKU != "0 986 452 041" || c.items[0].Price != dec("250.5") || c.items[0].Pos.Row != 1 {
		t.Fatalf("items %+v err %v", c.items, err)
	}
}

func TestOpenErrors(t *testing.T) {
	loc, _ := connector.ParseLocation("stock.xlsx")
	for _, opt := range []connector.ReadOptions{{Encoding: "cp1251"}, {Key: "code"}, {Mapping: map[string]string{"qty": "A"}}} {
		if _, err := (Format{}).Open(context.Background(), loc, opt); err == nil {
			t.Errorf("Open accepted %+v", opt)
		}
	}
}

// Text cells are numbers as in CSV: "1,250" in a column whose other text
// cells write decimals with "." is a problem naming the column, not 1.25,
// even when the deciding value stands after it (issue 9 item 3). A boolean
// cell in the same sheet stays a problem, and the header reaches SourceInfo
// for 9.17's messages.
func TestAmbiguousThousands(t *testing.T) {
	sheet := `<row r="1">` + is("A1", "Артикул") + is("B1", "Залишок") + is("C1", "Ціна") + `</row>` +
		`<row r="2">` + is("A2", "A-1") + is("B2", "1,250") + n("C2", "5") + `</row>` +
		`<row r="3">` + is("A3", "A-2") + n("B3", "7") + `<c r="C3" t="b"><v>0</v></c>` + `</row>` +
		`<row r="4">` + is("A4", "A-3") + is("B4", "12.5") + n("C4", "6") + `</row>` +
		`<row r="5">` + is("A5", "A-4") + is("B5", "1.250") + n("C5", "7") + `</row>`
	c, info, err := readFile(t, writeBytes(t, minimal(t, sheet)), connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.items) != 2 || len(c.problems) != 2 {
		t.Fatalf("items %+v problems %+v", c.items, c.problems)
	}
	// Held rows come out after the column's mark is known, so look items up by SKU.
	if it := c.sku("A-3"); it == nil || it.Quantity != dec("12.5") {
		t.Errorf("A-3: %+v", it)
	}
	if it := c.sku("A-4"); it == nil || it.Quantity != dec("1.25") {
		t.Errorf("A-4 (1.250 with . decimals): %+v", it)
	}
	wantProbs := map[int]catalog.Problem{
		2: {Row: 2, Column: "Залишок", Field: "quantity", SKU: "A-1", Value: "1,250", Error: `ambiguous number: 1250 or 1.25? (the column writes decimals with ".")`},
		3: {Row: 3, Column: "Ціна", Field: "price", SKU: "A-2", Value: "FALSE", Error: "boolean cell in a number column"},
	}
	for _, p := range c.problems {
		want := wantProbs[p.Row]
		want.File = p.File
		if p != want {
			t.Errorf("problem\n got %+v\nwant %+v", p, want)
		}
	}
	if h := info.Header; h == nil || h.Row != 1 || !reflect.DeepEqual(h.Cells, []string{"Артикул", "Залишок", "Ціна"}) || h.Columns["quantity"] != "Залишок" {
		t.Errorf("header %+v", h)
	}
}
