package commerceml

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/conformance"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// demoFields are the canonical fields CommerceML carries. available has no
// CommerceML element; description, weight, dimensions and images live on the
// Товар (Описание, Вес, Картинка as a path inside the package, not a URL) and
// are not kept in the catalogue index, which holds only what stock and
// product edits need.
var demoFields = []string{"quantity", "warehouse", "price", "purchased_price", "currency", "name", "category", "barcode", "parent_sku", "properties"}

// demoOptions choose the demo's price types by name.
var demoOptions = connector.ReadOptions{PerWarehouse: true, PriceTypes: map[string]string{"price": "Роздрібна", "purchased_price": "Закупівельна"}}

// demoColumns are the paths problems in the demo name.
var demoColumns = map[string]string{"sku": pathArticle, "quantity": pathTotal}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// cml is the demo catalogue as CommerceML: the classifier and catalogue on one
// line, the offer package's header on the next, then one offer per line, so
// that the i-th offer is on line i+4 of any file it is written to.
type cml struct {
	catalogue string   // Классификатор and Каталог
	header    string   // ПакетПредложений up to the first offer
	offers    []string // one Предложение each
}

// demoCML renders rows as 1C would: a Товар (with its group) for rows with a
// parent_sku or a category, whose offer Ид is product#variant; the SKU in the
// offer's Артикул; prices of two declared types with their Представление
// (which must not be read); stock as Количество plus a Склад entry when the
// row names a warehouse (declared nowhere, so it has no name).
func demoCML(rows []conformance.Row) cml {
	var groups, products strings.Builder
	var c cml
	cats := map[string]string{}
	for i, r := range rows {
		id := fmt.Sprintf("o%d", i)
		if r["parent_sku"] != "" || r["category"] != "" {
			pid := fmt.Sprintf("p%d", i)
			article := r["parent_sku"]
			if article == "" {
				pid, article = id, r["sku"]
			} else {
				id = pid + "#v" + fmt.Sprint(i)
			}
			fmt.Fprintf(&products, "<Товар><Ид>%s</Ид><Артикул>%s</Артикул><Наименование>Товар %d</Наименование>", pid, esc(article), i)
			if cat := r["category"]; cat != "" {
				if cats[cat] == "" {
					cats[cat] = fmt.Sprintf("g%d", len(cats))
					fmt.Fprintf(&groups, "<Группа><Ид>%s</Ид><Наименование>%s</Наименование></Группа>", cats[cat], esc(cat))
				}
				fmt.Fprintf(&products, "<Группы><Ид>%s</Ид></Группы>", cats[cat])
			}
			products.WriteString("</Товар>")
		}
		var o strings.Builder
		fmt.Fprintf(&o, "<Предложение><Ид>%s</Ид>", id)
		if v := r["barcode"]; v != "" {
			fmt.Fprintf(&o, "<Штрихкод>%s</Штрихкод>", esc(v))
		}
		fmt.Fprintf(&o, "<Артикул>%s</Артикул>", esc(r["sku"]))
		if v := r["name"]; v != "" {
			fmt.Fprintf(&o, "<Наименование>%s</Наименование>", esc(v))
		}
		if props := r.Properties(); len(props) > 0 {
			o.WriteString("<ХарактеристикиТовара>")
			for _, p := range props {
				fmt.Fprintf(&o, "<ХарактеристикаТовара><Наименование>%s</Наименование><Значение>%s</Значение></ХарактеристикаТовара>", esc(p.Name), esc(p.Value))
			}
			o.WriteString("</ХарактеристикиТовара>")
		}
		if r["price"] != "" || r["purchased_price"] != "" {
			o.WriteString("<Цены>")
			for _, p := range []struct{ typ, v string }{{"retail", r["price"]}, {"cost", r["purchased_price"]}} {
				if p.v == "" {
					continue
				}
				fmt.Fprintf(&o, "<Цена><Представление>%s грн за шт</Представление><ИдТипаЦены>%s</ИдТипаЦены><ЦенаЗаЕдиницу>%s</ЦенаЗаЕдиницу>", strings.ReplaceAll(p.v, ".", ","), p.typ, p.v)
				if cur := r["currency"]; cur != "" {
					fmt.Fprintf(&o, "<Валюта>%s</Валюта>", esc(cur))
				}
				o.WriteString("<Коэффициент>1</Коэффициент></Цена>")
			}
			o.WriteString("</Цены>")
		}
		if q := r["quantity"]; q != "" {
			fmt.Fprintf(&o, "<Количество>%s</Количество>", esc(q))
		}
		if wh := r["warehouse"]; wh != "" {
			fmt.Fprintf(&o, "<Склад ИдСклада=%q", esc(wh))
			if q := r["quantity"]; q != "" {
				fmt.Fprintf(&o, " КоличествоНаСкладе=%q", esc(q))
			}
			o.WriteString("/>")
		}
		o.WriteString("</Предложение>")
		c.offers = append(c.offers, o.String())
	}
	c.catalogue = `<Классификатор><Ид>cls</Ид><Наименование>Класифікатор</Наименование><Группы>` + groups.String() + `</Группы></Классификатор>` +
		`<Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид><ИдКлассификатора>cls</ИдКлассификатора><Наименование>Каталог</Наименование><Товары>` + products.String() + `</Товары></Каталог>`
	c.header = `<ПакетПредложений СодержитТолькоИзменения="false"><Ид>cat#</Ид><ИдКаталога>cat</ИдКаталога><ТипыЦен>` +
		`<ТипЦены><Ид>retail</Ид><Наименование>Роздрібна</Наименование></ТипЦены>` +
		`<ТипЦены><Ид>cost</Ид><Наименование>Закупівельна</Наименование></ТипЦены></ТипыЦен><Предложения>`
	return c
}

const (
	xmlDecl    = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	rootNS     = `<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" xmlns:xs="http://www.w3.org/2001/XMLSchema" ВерсияСхемы="2.07" ДатаФормирования="2025-02-01T10:00:00">`
	rootPlain  = `<КоммерческаяИнформация ВерсияСхемы="2.04" ДатаФормирования="2025-02-01T10:00:00">`
	rootEnd    = "</КоммерческаяИнформация>\n"
	offersTail = "</Предложения></ПакетПредложений>\n"
)

func (c cml) offerLines() string { return strings.Join(c.offers, "\n") + "\n" }

// document is one file holding the whole package, as УТ 10 writes it (with a
// byte-order mark and the 2.x namespace).
func (c cml) document() string {
	return "\ufeff" + xmlDecl + rootNS + c.catalogue + "\n" + c.header + "\n" + c.offerLines() + offersTail + rootEnd
}

// pair is the classic import.xml + offers.xml, without a namespace.
func (c cml) pair() (importXML, offersXML string) {
	return xmlDecl + rootPlain + c.catalogue + "\n" + rootEnd,
		xmlDecl + rootPlain + "\n" + c.header + "\n" + c.offerLines() + offersTail + rootEnd
}

func writeFile(t testing.TB, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeDocument(t testing.TB, dir string, _ []string, rows []conformance.Row) string {
	p := filepath.Join(dir, "offers.xml")
	writeFile(t, p, demoCML(rows).document())
	return p
}

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Case{
		Format:  Format{},
		Fields:  demoFields,
		Write:   writeDocument,
		Row:     func(i int) int { return i + 4 },
		Column:  func(f string) string { return demoColumns[f] },
		Options: demoOptions,
	})
}

// The conformance suite expects positions to name the location itself; in a
// folder or zip package they name the file inside it. So the package forms of
// the demo are checked here: they must read exactly as the single document,
// with offers.xml as the file.
func TestConformancePackage(t *testing.T) {
	var demo []conformance.Row
	for _, r := range conformance.Demo {
		row := conformance.Row{}
		for f, v := range r {
			if f == "sku" || slices.Contains(demoFields, f) {
				row[f] = v
			}
		}
		demo = append(demo, row)
	}
	c := demoCML(demo)
	docPath := filepath.Join(t.TempDir(), "all.xml")
	writeFile(t, docPath, c.document())
	want := readAll(t, docPath, demoOptions)
	if want.err != nil || len(want.items) != 7 || len(want.problems) != 3 {
		t.Fatalf("the document read as %d items, %d problems, err %v", len(want.items), len(want.problems), want.err)
	}
	for i := range want.items {
		want.items[i].Pos.File = "offers.xml"
	}
	for i := range want.problems {
		want.problems[i].File = "offers.xml"
	}
	imp, off := c.pair()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "import.xml"), imp)
	writeFile(t, filepath.Join(dir, "offers.xml"), off)
	zipPath := filepath.Join(t.TempDir(), "exchange.zip")
	writeZip(t, zipPath, map[string]string{"import.xml": imp, "offers.xml": off})
	for _, loc := range []string{dir, zipPath} {
		got := readAll(t, loc, demoOptions)
		if got.err != nil {
			t.Fatalf("%s: %v", loc, got.err)
		}
		if !reflect.DeepEqual(got.items, want.items) {
			t.Errorf("%s: items\n got %+v\nwant %+v", loc, got.items, want.items)
		}
		if !reflect.DeepEqual(got.problems, want.problems) {
			t.Errorf("%s: problems\n got %+v\nwant %+v", loc, got.problems, want.problems)
		}
		if !reflect.DeepEqual(got.info.Fields, want.info.Fields) {
			t.Errorf("%s: fields %q, want %q", loc, got.info.Fields, want.info.Fields)
		}
		if got.info.SHA256 != packageDigest(imp, off) {
			t.Errorf("%s: SHA256 %s, want the digest of the sorted file digests", loc, got.info.SHA256)
		}
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// packageDigest is SourceInfo.SHA256 of a package: the digest of its files'
// hex digests, sorted, one a line.
func packageDigest(files ...string) string {
	var sums []string
	for _, f := range files {
		sums = append(sums, sha(f))
	}
	slices.Sort(sums)
	return sha(strings.Join(sums, "\n") + "\n")
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// result is everything a read produced.
type result struct {
	items    []catalog.Item
	problems []catalog.Problem
	info     connector.SourceInfo
	err      error
}

type collect struct{ res *result }

func (c collect) Item(it *catalog.Item) error { c.res.items = append(c.res.items, *it); return nil }
func (c collect) Problem(p catalog.Problem)   { c.res.problems = append(c.res.problems, p) }

func readAll(t testing.TB, location string, opt connector.ReadOptions) *result {
	t.Helper()
	loc, err := connector.ParseLocation(location)
	if err != nil {
		t.Fatal(err)
	}
	res := &result{}
	r, err := Format{}.Open(context.Background(), loc, opt)
	if err != nil {
		res.err = err
		return res
	}
	defer r.Close()
	res.err = r.Read(context.Background(), collect{res})
	res.info = r.Info()
	return res
}

func writeZip(t testing.TB, p string, files map[string]string) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	for _, name := range sortedKeys(files) {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func num(s string) catalog.Num { return catalog.Known(decimal.MustParse(s)) }
