package xlsx

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
)

// scanRows reads every row of a sheet with the scanner, rows the sheet
// leaves out as empty ones, as the reader sees them.
func scanRows(data []byte, sheet string) ([][]string, error) {
	var rows [][]string
	err := eachRow(data, sheet, func(row int, cells [][]byte) {
		for len(rows) < row-1 {
			rows = append(rows, nil)
		}
		var r []string
		for _, c := range cells {
			r = append(r, string(c))
		}
		rows = append(rows, r)
	})
	return rows, err
}

// eachRow hands every row of a sheet, as the scanner reads it, to fn.
func eachRow(data []byte, sheet string, fn func(row int, cells [][]byte)) error {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	p, err := openPackage(z, int64(len(data)), DefaultLimits)
	if err != nil {
		return err
	}
	sheets, sstPart, err := p.workbook()
	if err != nil {
		return err
	}
	var ref sheetRef
	for _, s := range sheets {
		if s.name == sheet {
			ref = s
		}
	}
	var sst *sharedStrings
	if sstPart != "" {
		src, err := p.open(sstPart)
		if err != nil {
			return err
		}
		defer src.Close()
		if sst, err = readSharedStrings(src, src.name, DefaultLimits, p.maxSharedStrings(sheets)); err != nil {
			return err
		}
	}
	src, err := p.open(ref.part)
	if err != nil {
		return err
	}
	defer src.Close()
	sc := newSheetScanner(src, src.name, sst, DefaultLimits.CellBytes)
	for {
		ok, err := sc.next()
		if err != nil || !ok {
			return err
		}
		fn(sc.row, sc.cells)
	}
}

// excelizeRows reads a sheet with excelize's Rows/Columns, raw values, as
// the reader did before it had its own scanner.
func excelizeRows(data []byte, sheet string) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var rows [][]string
	for it.Next() {
		row, err := it.Columns()
		if err != nil {
			return nil, err
		}
		if len(row) == 0 {
			row = nil
		}
		rows = append(rows, row)
	}
	return rows, it.Error()
}

// sheetNames lists a workbook's sheets as the scanner's metadata reader
// finds them.
func sheetNames(t *testing.T, data []byte) []string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := openPackage(z, int64(len(data)), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	sheets, _, err := p.workbook()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range sheets {
		names = append(names, s.name)
	}
	return names
}

// sameCells compares every sheet of a workbook both ways; both must read it.
func sameCells(t *testing.T, name string, data []byte) {
	t.Helper()
	sheets := sheetNames(t, data)
	if len(sheets) == 0 {
		t.Fatalf("%s: no sheets", name)
	}
	for _, sheet := range sheets {
		want, err := excelizeRows(data, sheet)
		if err != nil {
			t.Fatalf("%s sheet %q: excelize: %v", name, sheet, err)
		}
		got, err := scanRows(data, sheet)
		if err != nil {
			t.Fatalf("%s sheet %q: %v", name, sheet, err)
		}
		compareRows(t, fmt.Sprintf("%s sheet %q", name, sheet), got, want)
	}
}

func compareRows(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, excelize %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s row %d:\n got %q\nwant %q", what, i+1, got[i], want[i])
			return
		}
	}
}

// TestDifferentialFixtures: on every XLSX among the shared fixtures, the
// scanner's cells are excelize's.
func TestDifferentialFixtures(t *testing.T) {
	dir := testenv.FixturesDir(t)
	found := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := strings.ToLower(filepath.Ext(path)); ext != ".xlsx" && ext != ".xlsm" {
			return nil
		}
		found++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sameCells(t, path, data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 2 {
		t.Errorf("%d XLSX fixtures found under %s", found, dir)
	}
}

// excelizeWorkbook writes the cell kinds excelize knows through its own
// writer: shared strings with escapes and rich text, booleans, formulas,
// numbers, dates, a merged header, and a second sheet.
func excelizeWorkbook(t *testing.T) []byte {
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetRow("Sheet1", "A1", &[]any{"Артикул", "Кількість", "Ціна", "Наявність", "Примітка"}))
	must(f.SetSheetRow("Sheet1", "A2", &[]any{"A-1", 3, 12.5, true, "tab\there & <there>"}))
	must(f.SetSheetRow("Sheet1", "A3", &[]any{"  B-2  ", 0.1 + 0.2, "1 234,50", false, "line\r\nbreak"}))
	must(f.SetSheetRow("Sheet1", "B5", &[]any{-4, 1e21, "_x0041_ and _x005F_x0041_", nil, "Ünïcödé ✓ 😀"}))
	must(f.SetCellRichText("Sheet1", "A6", []excelize.RichTextRun{{Text: "rich "}, {Text: "text", Font: &excelize.Font{Bold: true}}}))
	must(f.SetCellFormula("Sheet1", "B6", "B2*2"))
	must(f.SetCellFormula("Sheet1", "C6", `"x"&"y"`))
	must(f.SetCellValue("Sheet1", "D6", "\x08 control"))
	must(f.MergeCell("Sheet1", "E1", "E2"))
	_, err := f.NewSheet("Другий")
	must(err)
	must(f.SetCellValue("Другий", "C3", "only cell"))
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

// TestDifferentialGenerated: generated workbooks, from excelize's writers and
// as Excel lays out shared strings.
func TestDifferentialGenerated(t *testing.T) {
	sameCells(t, "excelize's cell writers", excelizeWorkbook(t))
	sameCells(t, "shared strings", sharedWorkbook(t, 2000))
	stream, err := os.ReadFile(generate(t, t.TempDir(), 500))
	if err != nil {
		t.Fatal(err)
	}
	sameCells(t, "excelize's stream writer", stream)
}

// corpus reads the values of a fuzz target's seed corpus.
func corpus(t *testing.T, target string) map[string][]byte {
	dir := filepath.Join("testdata", "fuzz", target)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" {
			t.Fatalf("%s: not a one-value corpus file", e.Name())
		}
		lit := lines[1][strings.IndexByte(lines[1], '(')+1 : len(lines[1])-1]
		v, err := strconv.Unquote(lit)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		values[e.Name()] = []byte(v)
	}
	return values
}

// TestDifferentialCorpus: on the fuzz corpora, wherever the scanner reads a
// sheet its cells are excelize's (it refuses more damage than excelize does).
func TestDifferentialCorpus(t *testing.T) {
	workbooks := corpus(t, "FuzzRead")
	for name, sheetData := range corpus(t, "FuzzSheet") {
		workbooks["FuzzSheet/"+name] = minimal(t, string(sheetData))
	}
	for name, sheetData := range corpus(t, "FuzzDiff") {
		workbooks["FuzzDiff/"+name] = pack(t, worksheet(string(sheetData)), diffSST)
	}
	read := 0
	for name, data := range workbooks {
		if differ(t, name, data) {
			read++
		}
	}
	if read == 0 {
		t.Error("the scanner read none of the corpus")
	}
}

// differ compares the first sheet both ways when the scanner reads it, and
// says whether it did.
func differ(t *testing.T, name string, data []byte) bool {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return false
	}
	p, err := openPackage(z, int64(len(data)), DefaultLimits)
	if err != nil {
		return false
	}
	sheets, _, err := p.workbook()
	if err != nil || len(sheets) == 0 {
		return false
	}
	got, err := scanRows(data, sheets[0].name)
	if err != nil {
		return false
	}
	want, err := excelizeRows(data, sheets[0].name)
	if err != nil {
		t.Errorf("%s: the scanner read what excelize refuses: %v", name, err)
		return true
	}
	compareRows(t, name, got, want)
	return true
}

// diffSST is the shared strings table FuzzDiff's sheets may use.
const diffSST = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Артикул</t></si><si><t xml:space="preserve"> B-2 </t></si>` +
	`<si><r><t>ri</t></r><r><rPr><b/></rPr><t>ch</t></r><rPh><t>ignored</t></rPh></si><si><t>_x0041__x005F_x0042_</t></si><si/></sst>`

// FuzzDiff fuzzes a sheet's XML (with a shared strings table): wherever the
// scanner reads it, its cells must be excelize's.
func FuzzDiff(f *testing.F) {
	f.Add(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>2</v></c></row><row r="3"><c t="s"><v>1</v></c><c t="b"><v>1</v></c><c><f>A1</f></c><c r="F3" t="inlineStr"><is><t>x&amp;y</t></is></c></row>`)
	f.Fuzz(func(t *testing.T, sheetData string) {
		differ(t, "sheet", pack(t, worksheet(sheetData), diffSST))
	})
}
