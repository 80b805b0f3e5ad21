package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

// sharedWorkbook builds a workbook of rows five-column rows as Excel writes
// them: every text in the shared strings (names shared by many rows), numbers
// in <v>, a style on the price.
func sharedWorkbook(tb testing.TB, rows int) []byte {
	var sst, sheet strings.Builder
	texts := []string{"Артикул", "Назва", "Кількість", "Ціна", "Виробник", "ТОВ «Взуття & Ко»"}
	const names = 12
	for i := range names {
		texts = append(texts, fmt.Sprintf("Кросівки бігові, розмір %d", 36+i))
	}
	first := len(texts)
	fmt.Fprintf(&sst, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, 4*rows+5, first+rows)
	for _, s := range texts {
		fmt.Fprintf(&sst, `<si><t>%s</t></si>`, strings.ReplaceAll(s, "&", "&amp;"))
	}
	for i := range rows {
		fmt.Fprintf(&sst, `<si><t>SHOE-%d</t></si>`, i)
	}
	sst.WriteString(`</sst>`)
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:E` + fmt.Sprint(rows+1) + `"/><sheetData>`)
	sheet.WriteString(`<row r="1" spans="1:5"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c></row>`)
	for i := range rows {
		r := i + 2
		fmt.Fprintf(&sheet, `<row r="%d" spans="1:5"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c><c r="C%d"><v>%d</v></c><c r="D%d" s="1"><v>%g</v></c><c r="E%d" t="s"><v>5</v></c></row>`,
			r, r, first+i, r, 6+i%names, r, i%97, r, 500.5+float64(i%3000), r)
	}
	sheet.WriteString(`</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`)
	return pack(tb, sheet.String(), sst.String())
}

// entry finds a part's directory entry and where its data starts.
func entry(t testing.TB, data []byte, name string) (*zip.File, int64) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			off, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			return f, off
		}
	}
	t.Fatalf("no part %s", name)
	return nil, 0
}

func readWith(t *testing.T, f Format, data []byte) (*collect, error) {
	t.Helper()
	loc, err := connector.ParseLocation(writeBytes(t, data))
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.Open(context.Background(), loc, connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := &collect{}
	return c, r.Read(context.Background(), c)
}

// TestDamagedSheet flips one byte at 95% of a real sheet's compressed data
// (issue 8 item 1): excelize read such a file as a shorter sheet, without an
// error, and --missing zero then zeroed the rows it lost.
func TestDamagedSheet(t *testing.T) {
	const rows = 3000
	good := sharedWorkbook(t, rows)
	c, err := readWith(t, Format{}, good)
	if err != nil || len(c.items) != rows {
		t.Fatalf("intact workbook: %d items, %v", len(c.items), err)
	}
	f, off := entry(t, good, "xl/worksheets/sheet1.xml")
	for _, at := range []float64{0.95, 0.5, 0.999} {
		bad := bytes.Clone(good)
		bad[off+int64(float64(f.CompressedSize64)*at)] ^= 0x20
		c, err := readWith(t, Format{}, bad)
		if err == nil {
			t.Errorf("a byte flipped at %.1f%% of the sheet: read %d items without an error", at*100, len(c.items))
			continue
		}
		if !strings.Contains(err.Error(), "xl/worksheets/sheet1.xml") {
			t.Errorf("flipped at %.1f%%: the error does not name the part: %v", at*100, err)
		}
	}
	// Stored without compression, a flipped digit leaves the XML valid:
	// only the CRC tells.
	stored := storeSheet(t, good)
	f, off = entry(t, stored, "xl/worksheets/sheet1.xml")
	body := stored[off : off+int64(f.CompressedSize64)]
	at := off + int64(bytes.LastIndex(body[:len(body)*95/100], []byte("<v>"))) + 3
	stored[at] = '9' - (stored[at]-'0'+1)%10
	if _, err := readWith(t, Format{}, stored); !errors.Is(err, zip.ErrChecksum) || !strings.Contains(err.Error(), "xl/worksheets/sheet1.xml") {
		t.Errorf("a stored sheet with a changed digit: %v", err)
	}
}

// storeSheet rewrites a package with its sheet stored, not deflated.
func storeSheet(t testing.TB, data []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, f := range zr.File {
		h := f.FileHeader
		if f.Name == "xl/worksheets/sheet1.xml" {
			h.Method = zip.Store
		}
		w, err := z.CreateHeader(&h)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(w, rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSheetCutShort: a sheet that ends inside sheetData is truncated, never a
// shorter sheet, even when the ZIP entry itself is intact.
func TestSheetCutShort(t *testing.T) {
	rows := `<row r="1">` + is("A1", "SKU") + is("B1", "Qty") + `</row><row r="2">` + is("A2", "A") + n("B2", "1") + `</row>`
	for name, sheet := range map[string]string{
		"after a row":     `<worksheet><sheetData>` + rows,
		"inside a cell":   `<worksheet><sheetData>` + rows + `<row r="3"><c r="A3"><v>1`,
		"without its end": `<worksheet><sheetData>` + rows + `</sheetData>`,
	} {
		_, err := readWith(t, Format{}, pack(t, sheet, ""))
		if !errors.Is(err, connector.ErrTruncated) || !strings.Contains(err.Error(), "xl/worksheets/sheet1.xml") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestBadXML: any XML error fails the read, naming the part and the row.
func TestBadXML(t *testing.T) {
	head := `<row r="1">` + is("A1", "SKU") + is("B1", "Qty") + `</row>`
	tests := []struct{ name, sheetData, want string }{
		{"mismatched tags", head + `<row r="2"><c r="A2"><v>A</c></row>`, "row 2: cell A2: </c> closes <v>"},
		{"unknown entity", head + `<row r="2"><c r="A2" t="inlineStr"><is><t>A&nbsp;</t></is></c></row>`, `row 2: cell A2: unknown entity "&nbsp;"`},
		{"invalid UTF-8", head + `<row r="2"><c r="A2" t="inlineStr"><is><t>A` + "\xff" + `</t></is></c></row>`, "row 2: cell A2: invalid UTF-8"},
		{"control character", head + `<row r="2"><c r="A2"><v>&#1;</v></c></row>`, "row 2: cell A2: illegal character code U+0001"},
		{"unquoted attribute", head + `<row r=2></row>`, "row 1: <row>: attribute r is not quoted"},
		{"rows out of order", head + `<row r="3"></row><row r="2"></row>`, "row 2 after row 3"},
		{"cells out of order", head + `<row r="2">` + n("B2", "1") + n("A2", "2") + `</row>`, "cell A2 is out of order"},
		{"bad reference", head + `<row r="2"><c r="2A"><v>1</v></c></row>`, `invalid cell reference "2A"`},
		{"shared string index not a number", head + `<row r="2"><c r="A2" t="s"><v>x</v></c></row>`, `cell A2: shared string index "x" is not a number`},
		{"shared string without a table", head + `<row r="2"><c r="A2" t="s"><v>0</v></c></row>`, "cell A2: shared string 0 is beyond the table of 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readWith(t, Format{}, minimal(t, tt.sheetData))
			if err == nil || !strings.Contains(err.Error(), "xl/worksheets/sheet1.xml: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want the part and %q", err, tt.want)
			}
		})
	}
	doctype := `<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY x "SKU">]><worksheet><sheetData>` + head + `</sheetData></worksheet>`
	if _, err := readWith(t, Format{}, pack(t, doctype, "")); err == nil || !strings.Contains(err.Error(), "DOCTYPE") {
		t.Errorf("a DOCTYPE: %v", err)
	}
	badSST := `<sst><si><t>SKU</t></si><si><t>A</x></si></sst>`
	if _, err := readWith(t, Format{}, pack(t, worksheet(head), badSST)); err == nil || !strings.Contains(err.Error(), "xl/sharedStrings.xml: string item 1: </x> closes <t>") {
		t.Errorf("damaged shared strings: %v", err)
	}
}

// TestBounds: what a part may unpack to, and what a cell and the shared
// strings may hold (issue 8 item 5), each with a small crafted file.
func TestBounds(t *testing.T) {
	head := `<row r="1">` + is("A1", "SKU") + is("B1", "Qty") + `</row>`
	sstSheet := worksheet(head + `<row r="2"><c r="A2" t="s"><v>1</v></c>` + n("B2", "1") + `</row>`)
	long := strings.Repeat("x", DefaultLimits.CellBytes+1)
	var many strings.Builder
	many.WriteString(`<sst>`)
	for range 1000 {
		many.WriteString(`<si/>`)
	}
	many.WriteString(`</sst>`)
	// Spaces between rows pack about a thousand times smaller.
	bomb := worksheet(head + strings.Repeat(" ", 3<<20))
	tests := []struct {
		name string
		lim  Limits
		data []byte
		want string
	}{
		{"part ratio", Limits{}, pack(t, bomb, ""), `part "xl/worksheets/sheet1.xml" unpacks 3145`},
		{"part size", Limits{PartBytes: 500}, minimal(t, head), `part "[Content_Types].xml" unpacks to 676 bytes, more than 500 (limits: xlsx_part_bytes in the config file)`},
		{"a long inline cell", Limits{}, minimal(t, head+`<row r="2">`+is("A2", long)+`</row>`), "row 2: cell A2: record too large: the cell holds more than 65536 bytes"},
		{"a long number cell", Limits{CellBytes: 8}, minimal(t, head+`<row r="2">`+is("A2", "A")+n("B2", "1234567890")+`</row>`), "row 2: cell B2: record too large: the cell holds more than 8 bytes"},
		{"a long shared string used", Limits{CellBytes: 8}, pack(t, sstSheet, `<sst><si><t>SKU</t></si><si><t>ABCDEFGHIJ</t></si></sst>`), "row 2: cell A2: record too large: shared string 1 holds more than 8 bytes"},
		{"shared strings past their cap", Limits{SharedStringBytes: 10}, pack(t, sstSheet, `<sst><si><t>SKU</t></si><si><t>ABCDEFGHIJ</t></si></sst>`), "xl/sharedStrings.xml: string item 1: record too large: the shared strings hold more than 10 bytes"},
		{"more shared strings than the sheet can use", Limits{}, pack(t, sstSheet, many.String()), "more strings than the sheets could use"},
		{"a shared string index past the table", Limits{}, pack(t, worksheet(head+`<row r="2"><c r="A2" t="s"><v>7</v></c></row>`), `<sst><si><t>A</t></si></sst>`), "row 2: cell A2: shared string 7 is beyond the table of 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readWith(t, Format{Limits: tt.lim}, tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	// A long string no cell uses costs nothing and fails nothing.
	c, err := readWith(t, Format{Limits: Limits{CellBytes: 8}}, pack(t, sstSheet, `<sst><si><t>SKU</t></si><si><t>A</t></si><si><t>`+long+`</t></si></sst>`))
	if err != nil || len(c.items) != 1 || c.items[0].SKU != "A" {
		t.Errorf("an unused long shared string: %+v, %v", c, err)
	}
}

// TestDeclaredSize: a part that unpacks to more than its directory entry
// declares fails, whatever the ratio and size limits allowed.
func TestDeclaredSize(t *testing.T) {
	good := sharedWorkbook(t, 50)
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if f.Name != "xl/worksheets/sheet1.xml" {
			if err := z.Copy(f); err != nil {
				t.Fatal(err)
			}
			continue
		}
		h := f.FileHeader
		h.UncompressedSize64 /= 2
		w, err := z.CreateRaw(&h)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := f.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := readWith(t, Format{}, buf.Bytes()); !errors.Is(err, zip.ErrFormat) || !strings.Contains(err.Error(), "xl/worksheets/sheet1.xml") {
		t.Errorf("a sheet longer than declared: %v", err)
	}
}

// TestNoTemporaryFiles: a workbook from a file or from standard input leaves
// nothing in the temporary directory, and a large one on standard input is
// refused rather than spooled.
func TestNoTemporaryFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	data := sharedWorkbook(t, 100)
	if c, err := readWith(t, Format{}, data); err != nil || len(c.items) != 100 {
		t.Fatalf("file: %d items, %v", len(c.items), err)
	}
	loc, _ := connector.ParseLocation("-")
	for _, lim := range []Limits{{}, {StdinBytes: int64(len(data) - 1)}} {
		r, err := Format{Limits: lim}.Open(context.Background(), loc, connector.ReadOptions{Stdin: bytes.NewReader(data)})
		if err != nil {
			t.Fatal(err)
		}
		c := &collect{}
		err = r.Read(context.Background(), c)
		r.Close()
		if lim.StdinBytes == 0 && (err != nil || len(c.items) != 100) {
			t.Errorf("stdin: %d items, %v", len(c.items), err)
		}
		if lim.StdinBytes != 0 && (err == nil || !strings.Contains(err.Error(), "give its path instead")) {
			t.Errorf("stdin past its limit: %v", err)
		}
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left behind in the temporary directory: %s", e.Name())
	}
}

// TestByteOrderMark: parts that start with a UTF-8 byte order mark, as some
// generators write them, read as without one.
func TestByteOrderMark(t *testing.T) {
	const bom = "\xEF\xBB\xBF"
	sheet := worksheet(`<row r="1">` + is("A1", "SKU") + is("B1", "Qty") + `</row><row r="2"><c r="A2" t="s"><v>0</v></c>` + n("B2", "4") + `</row>`)
	c, err := readWith(t, Format{}, pack(t, bom+sheet, bom+`<sst><si><t>A-1</t></si></sst>`))
	if err != nil || len(c.items) != 1 || c.items[0].SKU != "A-1" || c.items[0].Quantity != dec("4") {
		t.Errorf("items %+v, %v", c.items, err)
	}
}
