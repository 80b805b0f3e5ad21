package commerceml

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/xmlscan"
)

// cmlDoc wraps sections in a document; each section starts on its own line.
func cmlDoc(sections ...string) string {
	return xmlDecl + rootPlain + "\n" + strings.Join(sections, "\n") + "\n" + rootEnd
}

// offersSection is an offer package with the given header and offers, one a
// line; the first offer is on line 4 of cmlDoc(offersSection(...)).
func offersSection(header string, offers ...string) string {
	return `<ПакетПредложений>` + header + "<Предложения>\n" + strings.Join(offers, "\n") + "\n</Предложения></ПакетПредложений>"
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	writeFile(t, p, content)
	return p
}

func readString(t *testing.T, content string, opt connector.ReadOptions) *result {
	t.Helper()
	return readAll(t, writeTemp(t, "offers.xml", content), opt)
}

const threeWarehouses = "testdata/three-warehouses"

func TestThreeWarehouses(t *testing.T) {
	res := mustRead(t, threeWarehouses, connector.ReadOptions{PerWarehouse: true})
	checkCounts(t, res, 21, 0)
	checkNotes(t, res)
	want := map[string][4]string{ // Київ, Львів, Одеса, price
		"KR-100-41": {"5", "2", "0", "2499"}, "KR-100-42": {"8", "3", "1", "2499"}, "KR-100-43": {"0", "4", "2", "2499"},
		"TS-200-M": {"15", "10", "5", "499"}, "TS-200-L": {"7", "0", "3", "499"}, "BP-300": {"4", "6", "0", "1299"},
		"LC-500": {"12.5", "3", "0.5", "19.9"},
	}
	names := []string{"Склад Київ", "Склад Львів", "Склад Одеса"}
	for _, it := range res.items {
		w, ok := want[it.SKU]
		col := slices.Index(names, it.WarehouseName)
		if !ok || col < 0 || it.Quantity != num(w[col]) || it.Price != num(w[3]) || it.Currency != "UAH" {
			t.Errorf("item %+v", it)
		}
		if parent := strings.Join(strings.Split(it.SKU, "-")[:2], "-"); strings.Count(it.SKU, "-") == 2 && it.ParentSKU != parent {
			t.Errorf("%s: parent_sku %q", it.SKU, it.ParentSKU)
		}
	}
	if got := res.info.Warehouses; len(got) != 3 || got[0].Name != "Склад Київ" || got[2].ID != "5d3c9a10-7b2e-11ee-8c41-0cc47a3b0003" {
		t.Errorf("warehouses %+v", got)
	}
	if it := res.items[0]; it.Barcode != "4820000001410" || it.Category != "Взуття" || !reflect.DeepEqual(it.Properties, []catalog.Property{{Name: "Розмір", Value: "41"}}) {
		t.Errorf("first item %+v", it)
	}
	if dups, _ := planned(t, res); len(dups) != 0 {
		t.Errorf("duplicates %+v", dups)
	}
}

func TestReadErrors(t *testing.T) {
	good := cmlDoc(offersSection("", `<Предложение><Ид>1</Ид><Артикул>A-1</Артикул><Количество>5</Количество></Предложение>`))
	for _, c := range []struct {
		name, content string
		want          []string
		is            error
	}{
		{"cut off", good[:strings.Index(good, "</Предложения>")], []string{"offers.xml: line 5", "cut off", "<Предложения> is not closed"}, connector.ErrTruncated},
		{"cut inside a tag", good[:strings.Index(good, "<Количество>")+5], []string{"line 4", "cut off"}, connector.ErrTruncated},
		{"wrong nesting", cmlDoc(offersSection("", `<Предложение><Ид>1</Ид><Артикул>A-1</Предложение>`)), []string{"line 4", "element <Артикул> closed by </Предложение>"}, nil},
		{"undeclared entity", cmlDoc(offersSection("", `<Предложение><Ид>1</Ид><Артикул>A&oops;1</Артикул></Предложение>`)), []string{"line 4", "XML syntax error", "&oops;"}, nil},
		{"entity bomb", `<?xml version="1.0"?><!DOCTYPE КоммерческаяИнформация [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>` + "\n" + `<КоммерческаяИнформация><ПакетПредложений><Предложения><Предложение><Артикул>&c;</Артикул></Предложение></Предложения></ПакетПредложений></КоммерческаяИнформация>`, []string{"line 1", "DOCTYPE with an internal subset is not read"}, xmlscan.ErrDTD},
		{"content after the root", good + "<КоммерческаяИнформация/>", []string{"after the end of the root element"}, nil},
		{"text after the root", good + "garbage", []string{"text outside the root element"}, nil},
		{"another root", `<?xml version="1.0"?><yml_catalog date="2025-01-01"><shop/></yml_catalog>`, []string{"not a CommerceML document (the root element is <yml_catalog>)"}, errNotCommerceML},
		{"empty file", "", []string{"no root element"}, errNotCommerceML},
		{"deep nesting", cmlDoc(strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300)), []string{"nested deeper than 128 levels"}, connector.ErrTooLarge},
		{"mixed encodings", cmlDoc(offersSection("", `<Предложение><Ид>1</Ид><Наименование>Кросівки</Наименование><Артикул>A-1</Артикул></Предложение>`, "<Предложение><Наименование>\xca\xf0\xee\xf1</Наименование></Предложение>")), []string{"line 5", "invalid utf-8"}, nil},
		{"unknown declared encoding", `<?xml version="1.0" encoding="x-klingon"?>` + "\n<КоммерческаяИнформация/>", []string{"encoding \"x-klingon\""}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := readString(t, c.content, connector.ReadOptions{PerWarehouse: true})
			if res.err == nil {
				t.Fatalf("no error; %d items", len(res.items))
			}
			t.Log(res.err)
			for _, w := range c.want {
				if !strings.Contains(res.err.Error(), w) {
					t.Errorf("error %q does not say %q", res.err, w)
				}
			}
			if c.is != nil && !errors.Is(res.err, c.is) {
				t.Errorf("error %q is not %v", res.err, c.is)
			}
		})
	}
}

// endless is a document whose one text node never ends.
type endless struct {
	head []byte
	n    int64
}

func (e *endless) Read(p []byte) (int, error) {
	if len(e.head) > 0 {
		n := copy(p, e.head)
		e.head = e.head[n:]
		return n, nil
	}
	for i := range p {
		p[i] = 'a'
	}
	e.n += int64(len(p))
	return len(p), nil
}

// A gigabyte on one line in one token is refused at the token limit, with
// memory bounded by it, instead of being buffered.
func TestHugeToken(t *testing.T) {
	src := &endless{head: []byte(xmlDecl + rootPlain + "<ПакетПредложений><Предложения><Предложение><Наименование>")}
	loc, _ := connector.ParseLocation("-")
	r, err := Format{}.Open(context.Background(), loc, connector.ReadOptions{PerWarehouse: true, Format: "commerceml", Stdin: src})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	start := time.Now()
	err = r.Read(context.Background(), collect{&result{}})
	if !errors.Is(err, connector.ErrTooLarge) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("err %v", err)
	}
	if src.n > 2*maxToken {
		t.Errorf("read %d bytes of the token before refusing it", src.n)
	}
	t.Logf("refused after %d bytes in %v", src.n, time.Since(start))
}

func TestZipLimits(t *testing.T) {
	doc := cmlDoc(offersSection("", `<Предложение><Ид>1</Ид><Артикул>A-1</Артикул><Количество>5</Количество></Предложение>`))
	var packed bytes.Buffer
	zw := zip.NewWriter(&packed)
	w, _ := zw.Create("x")
	w.Write([]byte(doc))
	zw.Close()
	zr, _ := zip.NewReader(bytes.NewReader(packed.Bytes()), int64(packed.Len()))
	raw, _ := zr.File[0].OpenRaw()
	deflated, _ := io.ReadAll(raw)
	crc := zr.File[0].CRC32

	rawZip := func(t *testing.T, size uint64) string {
		p := filepath.Join(t.TempDir(), "bomb.zip")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		w, err := zw.CreateRaw(&zip.FileHeader{Name: "offers.xml", Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(len(deflated)), UncompressedSize64: size})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(deflated)
		zw.Close()
		f.Close()
		return p
	}
	for _, c := range []struct {
		name string
		size uint64
		want string
	}{
		{"ratio", uint64(len(deflated)) * 5000, "a zip bomb"},
		{"entry size", 3 << 30, "a zip bomb"},
		{"declared smaller than the data", 10, "zip: not a valid zip file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := readAll(t, rawZip(t, c.size), connector.ReadOptions{PerWarehouse: true})
			t.Log(res.err)
			if res.err == nil || !strings.Contains(res.err.Error(), c.want) || !strings.Contains(res.err.Error(), "offers.xml") {
				t.Errorf("err %v, want %q", res.err, c.want)
			}
		})
	}
	t.Run("no CommerceML inside", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "other.zip")
		writeZip(t, p, map[string]string{"readme.txt": "hello", "feed.xml": `<?xml version="1.0"?><yml_catalog/>`, "broken.xml": "\x00\x01"})
		res := readAll(t, p, connector.ReadOptions{PerWarehouse: true})
		if res.err == nil || !strings.Contains(res.err.Error(), "no CommerceML document (root element КоммерческаяИнформация) among its 2 .xml files") {
			t.Errorf("err %v", res.err)
		}
		if (Format{}).Detect(connector.Location{Kind: connector.KindFile, Path: p, Ext: "zip"}, nil) {
			t.Error("detected as CommerceML")
		}
	})
	t.Run("zip from standard input", func(t *testing.T) {
		loc, _ := connector.ParseLocation("-")
		r, _ := Format{}.Open(context.Background(), loc, connector.ReadOptions{PerWarehouse: true, Stdin: bytes.NewReader(packed.Bytes())})
		if err := r.Read(context.Background(), collect{&result{}}); err == nil || !strings.Contains(err.Error(), "standard input") {
			t.Errorf("err %v", err)
		}
	})
}

func TestEncodings(t *testing.T) {
	body := cmlDoc(offersSection(`<Склады><Склад><Ид>w1</Ид><Наименование>Склад Київ</Наименование></Склад></Склады>`,
		`<Предложение><Ид>1</Ид><Артикул>Б-1</Артикул><Наименование>Кросівки «Легкість»</Наименование><Склад ИдСклада="w1" КоличествоНаСкладе="3"/></Предложение>`))
	cp, err := charmap.Windows1251.NewEncoder().String(body)
	if err != nil {
		t.Fatal(err)
	}
	declared1251 := strings.Replace(cp, `encoding="UTF-8"`, `encoding="windows-1251"`, 1)
	noDecl := strings.Replace(cp, xmlDecl, "", 1)
	for _, c := range []struct {
		name, content, note string
	}{
		{"utf-8", body, ""},
		{"utf-8 with a byte-order mark", "\ufeff" + body, ""},
		{"windows-1251 declared", declared1251, ""},
		{"windows-1251 declared as utf-8", cp, `offers.xml declares encoding "utf-8", but its bytes are Windows-1251`},
		{"windows-1251 without a declaration", noDecl, "declares no encoding"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := readString(t, c.content, connector.ReadOptions{PerWarehouse: true})
			if res.err != nil || len(res.items) != 1 {
				t.Fatalf("err %v, %d items", res.err, len(res.items))
			}
			it := res.items[0]
			if it.SKU != "Б-1" || it.Name != "Кросівки «Легкість»" || it.WarehouseName != "Склад Київ" || it.Quantity != num("3") {
				t.Errorf("item %+v", it)
			}
			if c.note == "" {
				checkNotes(t, res)
			} else {
				checkNotes(t, res, c.note)
			}
			wantEnc := "utf-8"
			if c.content != body && !strings.HasPrefix(c.content, "\ufeff") {
				wantEnc = "windows-1251"
			}
			if res.info.Encoding != wantEnc {
				t.Errorf("encoding %q, want %q", res.info.Encoding, wantEnc)
			}
		})
	}
	t.Run("--encoding", func(t *testing.T) {
		res := readString(t, cp, connector.ReadOptions{PerWarehouse: true, Encoding: "cp1251"})
		if res.err != nil || len(res.items) != 1 || res.items[0].Name != "Кросівки «Легкість»" || len(res.info.Notes) != 0 {
			t.Errorf("err %v, items %+v, notes %q", res.err, res.items, res.info.Notes)
		}
	})
}

// Offers as 1C and site modules really write them, one quirk each.
func TestOfferQuirks(t *testing.T) {
	catalogue := `<Классификатор><Группы><Группа><Ид>g1</Ид><Наименование>Взуття</Наименование><Группы><Группа><Ид>g2</Ид><Наименование>Кросівки</Наименование></Группа></Группы></Группа></Группы></Классификатор>` +
		`<Каталог><Товары><Товар><Ид>p1</Ид><Артикул>SH-1</Артикул><Наименование>Кросівки</Наименование><Группы><Ид>g2</Ид></Группы>` +
		`<ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>Код</Наименование><Значение>00-0001</Значение></ЗначениеРеквизита></ЗначенияРеквизитов></Товар>` +
		`<Товар><Ид>p2</Ид><ПометкаУдаления>true</ПометкаУдаления><Артикул>OLD-1</Артикул></Товар></Товары></Каталог>`
	header := `<ТипыЦен><ТипЦены><Ид>t1</Ид><Наименование>Роздрібна</Наименование><Валюта>грн</Валюта></ТипЦены></ТипыЦен>` +
		`<Склады><Склад><Ид>w1</Ид><Наименование> Склад Київ </Наименование></Склад><Склад><Ид>w2</Ид><Наименование>Склад Львів</Наименование></Склад></Склады>`
	doc := cmlDoc(catalogue, offersSection(header,
		`<Предложение><Ид>p1#s41</Ид><Наименование>Кросівки 41</Наименование><Цены><Цена><ИдТипаЦены>t1</ИдТипаЦены><ЦенаЗаЕдиницу>1299.50</ЦенаЗаЕдиницу></Цена></Цены><Количество>30.5</Количество><Склад ИдСклада="w1" КоличествоНаСкладе="31.5"/><Склад ИдСклада="w2" КоличествоНаСкладе="-1.00"/></Предложение>`,
		`<Предложение/>`,
		`<Предложение>   </Предложение>`,
		`<Предложение><Ид>p2</Ид><Количество>4</Количество></Предложение>`,
		`<Предложение><Ид>p1#s42</Ид><ПометкаУдаления>true</ПометкаУдаления><Количество>4</Количество></Предложение>`,
		`<Предложение><Ид>x9</Ид><Артикул>OWN-1</Артикул><Количество>3</Количество><Склад ИдСклада="w9" КоличествоНаСкладе="2"/></Предложение>`,
		`<Предложение><Ид>x10</Ид><Количество>2</Количество></Предложение>`,
		`<Предложение><Ид>p1#s43</Ид><Цены><Цена><ИдТипаЦены>t1</ИдТипаЦены><ЦенаЗаЕдиницу>12,5 грн</ЦенаЗаЕдиницу></Цена></Цены><Количество>1</Количество></Предложение>`,
		`<Предложение><Ид>p1#s44</Ид><Статус>Удален</Статус></Предложение>`,
		`<Предложение><Ид>p1#s45</Ид><Количество></Количество><Склад ИдСклада="w1"/><Склад КоличествоНаСкладе="3"/></Предложение>`,
	))
	res := readString(t, doc, connector.ReadOptions{PerWarehouse: true})
	if res.err != nil {
		t.Fatal(res.err)
	}
	checkNotes(t, res,
		"2 empty offers (<Предложение/>) were skipped",
		"3 offers marked deleted in 1C",
		"1 offers are not in the catalogue (no Товар with their Ид); their SKU and name come from the offer alone",
		"1 offers are not in the catalogue and carry no Артикул themselves",
		"1 offers have a Количество that differs from the sum of their warehouses",
		`offers name warehouses the package does not declare (no Склады entry, so no name): "w9"`,
		"1 items state no quantity",
	)
	var got []string
	for _, it := range res.items {
		got = append(got, it.SKU+"@"+it.WarehouseName+"="+it.Quantity.String()+" "+it.Price.String()+" "+it.Currency+" "+it.Category+" "+it.ParentSKU)
	}
	want := []string{
		"SH-1@Склад Київ=31.5 1299.5 UAH Кросівки SH-1",
		"OWN-1@=2    ",
		"SH-1@Склад Київ=   Кросівки SH-1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("items\n got %q\nwant %q", got, want)
	}
	wantProblems := []catalog.Problem{
		{File: res.problems[0].File, Row: 5, Column: pathStockAttr, Field: "quantity", SKU: "SH-1", Value: "-1.00", Error: "negative quantity"},
		// Deleted offers are listed by SKU, so --missing zero never zeroes them.
		{File: res.problems[0].File, Row: 8, Column: pathDeleted, Field: "sku", SKU: "OLD-1", Value: "OLD-1", Error: deletedError},
		{File: res.problems[0].File, Row: 9, Column: pathDeleted, Field: "sku", SKU: "SH-1", Value: "SH-1", Error: deletedError},
		{File: res.problems[0].File, Row: 11, Column: pathID, Field: "sku", Value: "x10", Error: "offer not in the catalogue (no Товар with its Ид) and without Артикул of its own"},
		{File: res.problems[0].File, Row: 12, Column: pathPrice, Field: "price", SKU: "SH-1", Value: "12,5 грн", Error: "not a number"},
		{File: res.problems[0].File, Row: 13, Column: pathDeleted, Field: "sku", SKU: "SH-1", Value: "SH-1", Error: deletedError},
		{File: res.problems[0].File, Row: 14, Column: pathStockWhAttr, Field: "warehouse", SKU: "SH-1", Error: "no warehouse id"},
	}
	if !reflect.DeepEqual(res.problems, wantProblems) {
		t.Errorf("problems\n got %+v\nwant %+v", res.problems, wantProblems)
	}
	if w := res.info.Warehouses; len(w) != 3 || w[0].Name != "Склад Київ" || w[2] != (connector.Warehouse{ID: "w9"}) {
		t.Errorf("warehouses %+v", w)
	}

	t.Run("key code", func(t *testing.T) {
		res := readString(t, doc, connector.ReadOptions{PerWarehouse: true, Key: "code"})
		if res.err != nil || len(res.items) == 0 || res.items[0].SKU != "00-0001" || res.items[0].ParentSKU != "00-0001" {
			t.Fatalf("err %v, items %+v", res.err, res.items)
		}
	})
}

// The 3.x split: stock in rests.xml, names in offers.xml, prices in
// prices.xml, declarations in the top import.xml; offers in offers.xml
// without rests still become (unknown-stock) items.
func TestSplitPackage(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "import.xml"), cmlDoc(`<Классификатор СодержитТолькоИзменения="false"><ТипыЦен><ТипЦены><Ид>t1</Ид><Наименование>Роздрібна</Наименование><Валюта>UAH</Валюта></ТипЦены><ТипЦены><Ид>t2</Ид><Наименование>Закупівельна</Наименование><Валюта>UAH</Валюта></ТипЦены></ТипыЦен>`+
		`<Склады><Склад><Ид>w1</Ид><Наименование>Київ</Наименование></Склад><Склад><Ид>w2</Ид><Наименование>Львів</Наименование></Склад></Склады></Классификатор>`))
	writeFile(t, filepath.Join(dir, "goods", "1", "import.xml"), cmlDoc(`<Каталог СодержитТолькоИзменения="true"><Товары><Товар><Ид>p1</Ид><Артикул/><Штрихкод>482000000001</Штрихкод><Наименование>Кепка</Наименование></Товар></Товары></Каталог>`))
	writeFile(t, filepath.Join(dir, "goods", "1", "offers.xml"), cmlDoc(offersSection("",
		`<Предложение><Ид>p1#a</Ид><Артикул>CAP-A</Артикул><Наименование>Кепка синя</Наименование></Предложение>`,
		`<Предложение><Ид>p1#b</Ид><Артикул>CAP-B</Артикул><Наименование>Кепка біла</Наименование></Предложение>`)))
	writeFile(t, filepath.Join(dir, "goods", "1", "prices.xml"), cmlDoc(offersSection("",
		`<Предложение><Ид>p1#a</Ид><Цены><Цена><Представление>199,00 грн</Представление><ИдТипаЦены>t1</ИдТипаЦены><ЦенаЗаЕдиницу>199</ЦенаЗаЕдиницу></Цена><Цена><ИдТипаЦены>t2</ИдТипаЦены><ЦенаЗаЕдиницу>120</ЦенаЗаЕдиницу></Цена></Цены></Предложение>`)))
	writeFile(t, filepath.Join(dir, "goods", "1", "rests.xml"), cmlDoc(`<ПакетПредложений СодержитТолькоИзменения="true"><Предложения>`+"\n"+
		`<Предложение><Ид>p1#a</Ид><Остатки><Остаток><Склад><Ид>w1</Ид><Количество>5</Количество></Склад></Остаток><Остаток><Склад><Ид>w2</Ид><Количество>0</Количество></Склад></Остаток></Остатки></Предложение>`+"\n"+
		`<Предложение><Ид>p9</Ид><Артикул>TOTAL-1</Артикул><Остатки><Остаток><Количество>7</Количество></Остаток></Остатки></Предложение>`+"\n"+
		`</Предложения></ПакетПредложений>`))
	writeFile(t, filepath.Join(dir, "import_files", "notes.xml"), `<?xml version="1.0"?><notes/>`)
	var progress []int64
	res := mustRead(t, dir, connector.ReadOptions{
		PerWarehouse: true,
		PriceTypes:   map[string]string{"price": "роздрібна", "purchased_price": "Закуп"},
		Progress:     func(done, total int64) { progress = append(progress, done, total) },
	})
	var got []string
	for _, it := range res.items {
		got = append(got, it.Pos.File+":"+it.SKU+"@"+it.WarehouseName+"="+it.Quantity.String()+" "+it.Price.String()+"/"+it.PurchasedPrice.String()+" "+it.Name+" "+it.Barcode)
	}
	want := []string{
		"goods/1/rests.xml:CAP-A@Київ=5 199/120 Кепка синя ",
		"goods/1/rests.xml:CAP-A@Львів=0 199/120 Кепка синя ",
		"goods/1/rests.xml:TOTAL-1@=7 /  ",
		"goods/1/offers.xml:CAP-B@= / Кепка біла ",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("items\n got %q\nwant %q", got, want)
	}
	checkNotes(t, res, "import_files/notes.xml skipped: line 1: not a CommerceML document (the root element is <notes>)", "1 offers are not in the catalogue", "1 items state no quantity", "changes only")
	if !res.info.Delta || res.items[0].ParentSKU != "" {
		t.Errorf("delta %v, parent %q (the product's Артикул is empty)", res.info.Delta, res.items[0].ParentSKU)
	}
	if n := len(progress); n == 0 || progress[n-2] != progress[n-1] {
		t.Errorf("progress %v: want it to end at the total", progress)
	}
}

func TestChangesPackage(t *testing.T) {
	res := readString(t, cmlDoc(`<ИзмененияПакетаПредложений><Предложения>`+"\n"+
		`<Предложение><Ид>1</Ид><Артикул>A-1</Артикул><Количество>3</Количество></Предложение>`+"\n</Предложения></ИзмененияПакетаПредложений>"), connector.ReadOptions{PerWarehouse: true})
	if res.err != nil || len(res.items) != 1 || !res.info.Delta || res.items[0].Quantity != num("3") {
		t.Errorf("err %v, items %+v, delta %v", res.err, res.items, res.info.Delta)
	}
}

func TestCatalogueOnly(t *testing.T) {
	res := readString(t, cmlDoc(`<Каталог><Товары><Товар><Ид>p1</Ид><Артикул>A</Артикул></Товар></Товары></Каталог>`), connector.ReadOptions{PerWarehouse: true})
	if res.err != nil || len(res.items) != 0 {
		t.Fatalf("err %v, %d items", res.err, len(res.items))
	}
	checkNotes(t, res, "the document holds no offers")
}

func TestPriceTypes(t *testing.T) {
	header := `<ТипыЦен><ТипЦены><Ид>t1</Ид><Наименование>Основная цена приобретени</Наименование><Валюта>UAH</Валюта></ТипЦены>` +
		`<ТипЦены><Ид>t2</Ид><Наименование>Основная цена</Наименование><Валюта>USD</Валюта></ТипЦены></ТипыЦен>`
	doc := cmlDoc(offersSection(header, `<Предложение><Ид>1</Ид><Артикул>A</Артикул><Цены>`+
		`<Цена><ИдТипаЦены>t1</ИдТипаЦены><ЦенаЗаЕдиницу>80</ЦенаЗаЕдиницу></Цена>`+
		`<Цена><ИдТипаЦены>t2</ИдТипаЦены><ЦенаЗаЕдиницу>100</ЦенаЗаЕдиницу><Валюта>грн</Валюта></Цена></Цены></Предложение>`))
	for _, c := range []struct {
		types      map[string]string
		price, cur string
		err        string
	}{
		{types: map[string]string{"price": "Основная цена приобретения"}, price: "80", cur: "UAH"}, // cut by 1C, typed in full
		{types: map[string]string{"price": "основная цена"}, price: "100", cur: "UAH"},             // the price's own Валюта wins
		{types: map[string]string{"price": "t2"}, price: "100", cur: "UAH"},                        // by Ид
		{types: map[string]string{"price": "Основная"}, err: `matches several price types: "Основная цена приобретени", "Основная цена"`},
		{types: map[string]string{"price": "Основная цена продажи"}, err: `no such price type; the package declares "Основная цена приобретени", "Основная цена"`},
		{types: nil, price: "", cur: ""},
	} {
		res := readString(t, doc, connector.ReadOptions{PerWarehouse: true, PriceTypes: c.types})
		if c.err != "" {
			if res.err == nil || !strings.Contains(res.err.Error(), c.err) {
				t.Errorf("%v: err %v, want %q", c.types, res.err, c.err)
			}
			continue
		}
		if res.err != nil || len(res.items) != 1 || res.items[0].Price.String() != c.price || res.items[0].Currency != c.cur {
			t.Errorf("%v: err %v, items %+v", c.types, res.err, res.items)
		}
	}
}

func TestOptions(t *testing.T) {
	loc, _ := connector.ParseLocation(threeWarehouses)
	for _, c := range []struct {
		opt  connector.ReadOptions
		want string
	}{
		{connector.ReadOptions{PerWarehouse: true, Key: "sku"}, `--key "sku": CommerceML keys are article`},
		{connector.ReadOptions{PerWarehouse: true, PriceTypes: map[string]string{"weight": "x"}}, "--price-type weight: a price type fills price or purchased_price"},
		{connector.ReadOptions{PerWarehouse: true, Mapping: map[string]string{"sku": "Код"}}, "--map does not apply to commerceml sources"},
		{connector.ReadOptions{PerWarehouse: true, Sheet: "Аркуш1"}, "--sheet does not apply"},
		{connector.ReadOptions{PerWarehouse: true, Encoding: "klingon"}, "--encoding: unknown encoding"},
	} {
		if _, err := (Format{}).Open(context.Background(), loc, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.opt, err, c.want)
		}
	}
	missing, _ := connector.ParseLocation(filepath.Join(t.TempDir(), "gone") + "/")
	if _, err := (Format{}).Open(context.Background(), missing, connector.ReadOptions{PerWarehouse: true}); err == nil || !strings.Contains(err.Error(), "gone") {
		t.Errorf("a missing folder: %v", err)
	}
}

func TestDetect(t *testing.T) {
	cp, _ := charmap.Windows1251.NewEncoder().String(`<?xml version="1.0" encoding="windows-1251"?><КоммерческаяИнформация/>`)
	for head, want := range map[string]bool{
		xmlDecl + rootNS: true,
		"\ufeff" + xmlDecl + "<!-- 1C -->\n" + rootPlain:                                                true,
		`<!DOCTYPE x [<!ENTITY a "b">]><cml:КоммерческаяИнформация xmlns:cml="urn:1C.ru:commerceml_3">`: true,
		cp: true,
		`<?xml version="1.0"?><yml_catalog date="2025-01-01">`:               false,
		`<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0">`: false,
		"Артикул;Кількість":                                                  false,
		`<?xml version="1.0"`:                                                false,
	} {
		if got := (Format{}).Detect(connector.Location{Kind: connector.KindFile, Ext: "xml"}, []byte(head)); got != want {
			t.Errorf("Detect(%q) = %v", head, got)
		}
	}
	if (Format{}).Detect(connector.Location{Kind: connector.KindFile, Ext: "csv"}, []byte(rootPlain)) {
		t.Error("a .csv detected")
	}
	if !(Format{}).Detect(connector.Location{Kind: connector.KindDir, Path: "testdata"}, nil) {
		t.Error("a folder with a package below it not detected")
	}
	empty := t.TempDir()
	writeFile(t, filepath.Join(empty, "feed.xml"), `<?xml version="1.0"?><yml_catalog/>`)
	if (Format{}).Detect(connector.Location{Kind: connector.KindDir, Path: empty}, nil) {
		t.Error("a folder without CommerceML detected")
	}
	z := filepath.Join(t.TempDir(), "exchange.zip")
	writeZip(t, z, map[string]string{"import_files/a.jpg": "jpeg", "offers.xml": cmlDoc()})
	if !(Format{}).Detect(connector.Location{Kind: connector.KindFile, Path: z, Ext: "zip"}, nil) {
		t.Error("a zip package not detected")
	}
}

// A document read from standard input (--format commerceml) streams in one
// pass and is hashed like a file.
func TestStdin(t *testing.T) {
	doc := cmlDoc(offersSection("", `<Предложение><Ид>1</Ид><Артикул>A-1</Артикул><Количество>5</Количество></Предложение>`))
	loc, _ := connector.ParseLocation("-")
	r, err := Format{}.Open(context.Background(), loc, connector.ReadOptions{PerWarehouse: true, Stdin: strings.NewReader(doc)})
	if err != nil {
		t.Fatal(err)
	}
	res := &result{}
	if err := r.Read(context.Background(), collect{res}); err != nil || len(res.items) != 1 || res.items[0].Pos.File != "-" {
		t.Fatalf("err %v, items %+v", err, res.items)
	}
	if got := r.Info().SHA256; got != sha(doc) {
		t.Errorf("SHA256 %s", got)
	}
}

// TestSourceFailsMidway: a source whose read fails, inside the head the
// encoding is judged from or after it, fails the read with its error, after
// the offers read before it.
func TestSourceFailsMidway(t *testing.T) {
	offer := `<Предложение><Ид>1</Ид><Артикул>A-1</Артикул><Количество>5</Количество></Предложение>`
	doc := cmlDoc(offersSection("", strings.Repeat(offer, 100)))
	errDisk := errors.New("disk on fire")
	loc, _ := connector.ParseLocation("-")
	for _, cut := range []int{100, 600, 5000} {
		src := io.MultiReader(strings.NewReader(doc[:cut]), iotest.ErrReader(errDisk))
		r, err := Format{}.Open(context.Background(), loc, connector.ReadOptions{PerWarehouse: true, Stdin: src})
		if err != nil {
			t.Fatal(err)
		}
		res := &result{}
		err = r.Read(context.Background(), collect{res})
		if !errors.Is(err, errDisk) || (cut == 5000) != (len(res.items) > 0) {
			t.Errorf("cut at %d: err %v, %d items", cut, err, len(res.items))
		}
	}
}

// TestWholeOfferQuantity: written to one KeyCRM warehouse (--warehouse), an
// offer's quantity is its own Количество, as 1C states it; the Склад
// breakdown is read only when a warehouse map routes it, and stands in for a
// missing Количество. An offer with a Количество and no Склад is an item in
// both modes.
func TestWholeOfferQuantity(t *testing.T) {
	header := `<Склады><Склад><Ид>w1</Ид><Наименование>Київ</Наименование></Склад><Склад><Ид>w2</Ид><Наименование>Львів</Наименование></Склад></Склады>`
	doc := cmlDoc(offersSection(header,
		`<Предложение><Ид>1</Ид><Артикул>A</Артикул><Количество>7</Количество><Склад ИдСклада="w1" КоличествоНаСкладе="5"/><Склад ИдСклада="w2" КоличествоНаСкладе="1"/></Предложение>`,
		`<Предложение><Ид>2</Ид><Артикул>B</Артикул><Количество>3</Количество></Предложение>`,
		`<Предложение><Ид>3</Ид><Артикул>C</Артикул><Склад ИдСклада="w1" КоличествоНаСкладе="2"/><Склад ИдСклада="w2" КоличествоНаСкладе="4"/></Предложение>`,
		`<Предложение><Ид>4</Ид><Артикул>D</Артикул><Количество>4</Количество><Склад ИдСклада="w1" КоличествоНаСкладе="4"/></Предложение>`,
		`<Предложение><Ид>5</Ид><Артикул>E</Артикул><Количество>-2</Количество><Склад ИдСклада="w1" КоличествоНаСкладе="2"/></Предложение>`,
		`<Предложение><Ид>6</Ид><Артикул>F</Артикул><Количество>9</Количество><Склад ИдСклада="w1" КоличествоНаСкладе="1"/><Склад ИдСклада="w2" КоличествоНаСкладе="1"/></Предложение>`,
	))
	items := func(res *result) []string {
		var got []string
		for _, it := range res.items {
			got = append(got, it.SKU+"@"+it.WarehouseName+"="+it.Quantity.String())
		}
		return got
	}
	whole := readString(t, doc, connector.ReadOptions{})
	if whole.err != nil {
		t.Fatal(whole.err)
	}
	if got, want := items(whole), []string{"A@=7", "B@=3", "C@=6", "D@=4", "F@=9"}; !reflect.DeepEqual(got, want) {
		t.Errorf("one warehouse: items %q, want %q", got, want)
	}
	if len(whole.problems) != 1 || whole.problems[0].SKU != "E" || whole.problems[0].Column != pathTotal {
		t.Errorf("one warehouse: problems %+v", whole.problems)
	}
	checkNotes(t, whole, "2 offers have a Количество that differs from the sum of their warehouses (Склад); the offer's Количество was used")

	routed := readString(t, doc, connector.ReadOptions{PerWarehouse: true})
	if routed.err != nil {
		t.Fatal(routed.err)
	}
	want := []string{"A@Київ=5", "A@Львів=1", "B@=3", "C@Київ=2", "C@Львів=4", "D@Київ=4", "E@Київ=2", "F@Київ=1", "F@Львів=1"}
	if got := items(routed); !reflect.DeepEqual(got, want) {
		t.Errorf("warehouse map: items %q, want %q", got, want)
	}
	checkNotes(t, routed, "2 offers have a Количество that differs from the sum of their warehouses; the per-warehouse quantities were used")
}
