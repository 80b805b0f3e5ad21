package fieldmap

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/numparse"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"Код_товару":              "код товару",
		"  Кількість  ":           "кількість",
		"\ufeffID":                "id",
		"Weight (lbs)":            "weight",
		"Attribute 1 value(s)":    "attribute 1 value",
		"Код_маркування_(GTIN)":   "код маркування",
		"Вага,кг":                 "вага",
		"Ціна, грн":               "ціна",
		"Артикул*":                "артикул",
		"Остаток:":                "остаток",
		"Кол-во":                  "кол-во",
		"Всё":                     "все",
		"Кiлькiсть":               "кількість", // Latin i typed in a Cyrillic word
		"SKU":                     "sku",
		"Price  in\u00a0UAH":      "price in uah",
		"GTIN, UPC, EAN, or ISBN": "gtin, upc, ean, or isbn",
		"Номенклатура.Код":        "номенклатура.код",
		"(empty)":                 "(empty)",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRecognize(t *testing.T) {
	tests := map[string]string{
		// Prom export.
		"Код_товару": "sku", "Назва_позиції": "name", "Ціна": "price", "Валюта": "currency",
		"Наявність": "available", "Кількість": "quantity", "Посилання_зображення": "image_url",
		"Вага,кг": "weight", "Ширина,см": "width", "Висота,см": "height", "Довжина,см": "length",
		"Код_маркування_(GTIN)": "barcode", "Назва_групи": "category", "Опис": "description",
		// Rozetka template.
		"Артикул": "sku", "Количество товара на складе": "quantity", "Актуальная цена": "price",
		"Наличие": "available", "Название товара": "name", "Картинки": "image_url", "Категория": "category",
		// WooCommerce export.
		"SKU": "sku", "Stock": "quantity", "Regular price": "price", "Parent": "parent_sku",
		"Name": "name", "In stock?": "available", "Weight (lbs)": "weight", "Categories": "category",
		"Images": "image_url", "Length (in)": "length",
		// MoySklad report and 1C/BAS.
		"Код": "sku", "Остаток": "quantity", "Наименование": "name", "Номенклатура": "name",
		"Номенклатура.Код": "sku", "Залишок": "quantity", "Кол-во": "quantity", "Штрихкод": "barcode",
		"Склад": "warehouse", "Роздрібна ціна": "price", "Закупочная цена": "purchased_price",
		// Canonical names.
		"purchased_price": "purchased_price", "image_url": "image_url", "parent_sku": "parent_sku",
		"properties": "properties", "available": "available",
	}
	for h, want := range tests {
		if got, ok := Recognize(h); !ok || got != want {
			t.Errorf("Recognize(%q) = %q, %v; want %q", h, got, ok, want)
		}
	}
	// Available stock (on hand minus reserves) must never be read as quantity,
	// and near misses must not be recognised at all.
	for _, h := range []string{"Доступно", "Вільний залишок", "Свободный остаток", "Free stock",
		"Оптова_ціна", "Ідентифікатор_товару", "Унікальний_ідентифікатор", "Sale price", "ID", "Ціна_від",
		"Назва_позиції_укр", "Назва_Характеристики", "Старая цена", "Резерв"} {
		if got, ok := Recognize(h); ok {
			t.Errorf("Recognize(%q) = %q, want not recognised", h, got)
		}
	}
}

// Each synonym must name one field only: init keeps the first and would hide a
// second silently.
// The kind constants index catalog.Fields.
func TestKinds(t *testing.T) {
	if len(catalog.Fields) != numKinds {
		t.Fatalf("%d kinds for %d fields", numKinds, len(catalog.Fields))
	}
	for f, k := range map[string]int{"sku": kSKU, "quantity": kQuantity, "available": kAvailable, "price": kPrice,
		"currency": kCurrency, "name": kName, "image_url": kImageURL, "parent_sku": kParentSKU, "properties": kProperties, "height": kHeight} {
		if catalog.Fields[k] != f {
			t.Errorf("kind of %s indexes %s", f, catalog.Fields[k])
		}
	}
}

func TestSynonymsUnambiguous(t *testing.T) {
	seen := map[string]string{}
	for _, f := range catalog.Fields {
		seen[Normalize(f)] = f
	}
	for f, names := range synonyms {
		for _, n := range names {
			k := Normalize(n)
			if other, dup := seen[k]; dup && other != f {
				t.Errorf("synonym %q names both %s and %s", n, other, f)
			}
			seen[k] = f
			if rejected[k] {
				t.Errorf("synonym %q of %s is also an available-stock header", n, f)
			}
		}
	}
}

func header(t *testing.T, heads []string, opt Options) *Table {
	t.Helper()
	tab, err := newTable(heads, nil, opt, 1)
	if err != nil {
		t.Fatalf("newTable(%q): %v", heads, err)
	}
	return tab
}

func TestTable(t *testing.T) {
	t.Run("best synonym wins and is explained", func(t *testing.T) {
		tab := header(t, []string{"Код", "Артикул", "Наименование", "Остаток", "Доступно"}, Options{})
		if got := tab.column("sku"); got != 1 {
			t.Errorf("sku column = %d, want 1 (Артикул over Код)", got)
		}
		if len(tab.Notes()) != 1 || !strings.Contains(tab.Notes()[0], `"Код"`) {
			t.Errorf("notes = %q", tab.Notes())
		}
		if got := tab.Fields(); !reflect.DeepEqual(got, []string{"sku", "quantity", "name"}) {
			t.Errorf("Fields() = %q", got)
		}
	})
	t.Run("repeated header: first wins", func(t *testing.T) {
		tab := header(t, []string{"SKU", "Ціна", "Ціна", "Кількість"}, Options{})
		if got := tab.column("price"); got != 1 {
			t.Errorf("price column = %d, want 1", got)
		}
	})
	t.Run("map by header, by number, and off", func(t *testing.T) {
		tab := header(t, []string{"Артикул", "Ціна", "Ціна", "Кількість", "Код"},
			Options{Mapping: map[string]string{"sku": "код", "price": "3", "quantity": ""}})
		if tab.column("sku") != 4 || tab.column("price") != 2 || tab.column("quantity") != -1 {
			t.Errorf("columns sku %d price %d quantity %d", tab.column("sku"), tab.column("price"), tab.column("quantity"))
		}
	})
	t.Run("net stock explained when quantity is missing", func(t *testing.T) {
		tab := header(t, []string{"Артикул", "Вільний залишок"}, Options{})
		if len(tab.Notes()) != 1 || !strings.Contains(tab.Notes()[0], "--map quantity=") {
			t.Errorf("notes = %q", tab.Notes())
		}
	})
	t.Run("WooCommerce attributes become properties", func(t *testing.T) {
		tab := header(t, []string{"SKU", "Attribute 1 name", "Attribute 1 value(s)", "Attribute 1 visible", "Attribute 2 name", "Attribute 2 value(s)"}, Options{})
		if len(tab.pairs) != 2 || tab.pairs[1] != (pair{4, 5}) {
			t.Errorf("pairs = %v", tab.pairs)
		}
		if got := tab.Fields(); !reflect.DeepEqual(got, []string{"sku", "properties"}) {
			t.Errorf("Fields() = %q", got)
		}
	})
	errs := []struct {
		name  string
		heads []string
		opt   Options
		want  string
	}{
		{"no sku", []string{"Назва", "Ціна"}, Options{}, `headers found (row 1) are "Назва", "Ціна"`},
		{"unknown field", []string{"SKU"}, Options{Mapping: map[string]string{"stock": "SKU"}}, `unknown field "stock"`},
		{"missing header", []string{"SKU"}, Options{Mapping: map[string]string{"price": "Ціна"}}, `--map price="Ціна": no such column; the headers are "SKU"`},
		{"column twice", []string{"SKU", "X"}, Options{Mapping: map[string]string{"price": "X", "quantity": "X"}}, `column "X" is mapped to both`},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newTable(tt.heads, nil, tt.opt, 1)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// find feeds rows to a Finder and returns the table and the first data row.
func find(t *testing.T, rows [][]string, opt Options) (*Table, int, error) {
	t.Helper()
	f, err := NewFinder(opt)
	if err != nil {
		return nil, 0, err
	}
	for i, r := range rows {
		tab, consumed, err := f.Row(i+1, r)
		if err != nil {
			return nil, 0, err
		}
		if tab != nil {
			if consumed {
				return tab, i + 2, nil
			}
			return tab, i + 1, nil
		}
	}
	tab, err := f.End()
	return tab, len(rows) + 1, err
}

func TestFinder(t *testing.T) {
	t.Run("header on the first row", func(t *testing.T) {
		tab, data, err := find(t, [][]string{{"Артикул", "Кількість"}, {"A-1", "5"}}, Options{})
		if err != nil || tab.Row() != 1 || data != 2 || tab.column("quantity") != 1 {
			t.Fatalf("tab %+v data %d err %v", tab, data, err)
		}
	})
	t.Run("after a title block", func(t *testing.T) {
		rows := [][]string{{"Прайс-лист ТОВ «Ромашка»"}, {"на 01.02.2025"}, {}, {"№", "Артикул", "Назва", "Ціна, грн"}, {"1", "A-1", "Товар", "12,50"}}
		tab, data, err := find(t, rows, Options{})
		if err != nil || tab.Row() != 4 || data != 5 || tab.column("price") != 3 {
			t.Fatalf("tab %+v data %d err %v", tab, data, err)
		}
	})
	t.Run("two-row header under merged cells", func(t *testing.T) {
		rows := [][]string{
			{"Артикул", "Назва", "Залишок", "", "", "Ціна", ""},
			{"", "", "Київ", "Львів", "Кількість", "роздрібна", "оптова"},
			{"A-1", "Товар", "1", "2", "3", "10", "8"},
		}
		tab, data, err := find(t, rows, Options{})
		if err != nil || data != 3 || tab.Row() != 2 {
			t.Fatalf("tab %+v data %d err %v", tab, data, err)
		}
		want := []string{"Артикул", "Назва", "Залишок Київ", "Залишок Львів", "Залишок Кількість", "Ціна роздрібна", "Ціна оптова"}
		if !reflect.DeepEqual(tab.headers, want) {
			t.Errorf("headers = %q, want %q", tab.headers, want)
		}
		// Recognised by the lower text alone, or by the whole name.
		if tab.column("quantity") != 4 || tab.column("price") != 5 {
			t.Errorf("quantity column %d, price column %d", tab.column("quantity"), tab.column("price"))
		}
	})
	t.Run("cell merged down from the row above", func(t *testing.T) {
		rows := [][]string{{"Товар", "", "Остаток"}, {"Артикул", "Наименование", ""}, {"A-1", "Товар", "5"}}
		tab, data, err := find(t, rows, Options{})
		if err != nil || data != 3 || tab.column("quantity") != 2 || tab.headers[2] != "Остаток" {
			t.Fatalf("tab %+v data %d err %v", tab, data, err)
		}
	})
	t.Run("data row right after the header is data", func(t *testing.T) {
		tab, data, err := find(t, [][]string{{"SKU", "Назва", ""}, {"", "Без артикула", ""}, {"A", "x", ""}}, Options{})
		if err != nil || data != 2 || tab.Row() != 1 {
			t.Fatalf("tab %+v data %d err %v", tab, data, err)
		}
	})
	t.Run("mapped SKU header", func(t *testing.T) {
		tab, data, err := find(t, [][]string{{"Код постачальника", "Qty"}, {"A", "1"}}, Options{Mapping: map[string]string{"sku": "Код постачальника"}})
		if err != nil || data != 2 || tab.column("sku") != 0 {
			t.Fatalf("tab %+v data %d err %v", tab, data, err)
		}
	})
	t.Run("header only", func(t *testing.T) {
		tab, _, err := find(t, [][]string{{"SKU", "Stock"}}, Options{})
		if err != nil || tab == nil {
			t.Fatalf("tab %v err %v", tab, err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		if _, _, err := find(t, [][]string{{}, {"", " "}}, Options{}); !errors.Is(err, ErrEmpty) {
			t.Fatalf("err = %v, want ErrEmpty", err)
		}
	})
	t.Run("no SKU column lists the first row", func(t *testing.T) {
		_, _, err := find(t, [][]string{{}, {"CHRYSLER", "68377850AA", "16400"}, {"CSF", "55038003AG", "6270"}}, Options{})
		var nse *NoSKUError
		if !errors.As(err, &nse) || nse.Row != 2 || !reflect.DeepEqual(nse.Headers, []string{"CHRYSLER", "68377850AA", "16400"}) {
			t.Fatalf("err = %v", err)
		}
		if !strings.Contains(err.Error(), "--no-header") {
			t.Errorf("error %q gives no hint", err)
		}
	})
	t.Run("search stops", func(t *testing.T) {
		rows := make([][]string, 500)
		for i := range rows {
			rows[i] = []string{"x", "y"}
		}
		f, _ := NewFinder(Options{})
		for i, r := range rows {
			if _, _, err := f.Row(i+1, r); err != nil {
				if i+1 != MaxHeaderSearch || !strings.Contains(err.Error(), "first 100 rows") {
					t.Fatalf("row %d: %v", i+1, err)
				}
				return
			}
		}
		t.Fatal("searched 500 rows")
	})
}

func TestNumbered(t *testing.T) {
	tab, err := Numbered(Options{NoHeader: true, Mapping: map[string]string{"sku": "2", "price": "3", "quantity": "4", "name": "5"}})
	if err != nil {
		t.Fatal(err)
	}
	if tab.Width() != 5 || tab.column("quantity") != 3 || tab.headers[3] != "4" {
		t.Errorf("table %+v", tab)
	}
	for _, m := range []map[string]string{nil, {"price": "3"}, {"sku": "B"}, {"sku": "0"}, {"sku": "1", "qty": "2"}} {
		if _, err := Numbered(Options{NoHeader: true, Mapping: m}); err == nil {
			t.Errorf("Numbered(%v) accepted", m)
		}
	}
}

func num(s string) catalog.Num { return catalog.Known(decimal.MustParse(s)) }

func TestConvert(t *testing.T) {
	heads := []string{"Артикул", "Кількість", "Ціна", "Валюта", "Наявність", "Назва", "Фото", "Характеристики", "Parent"}
	tab := header(t, heads, Options{})
	c := tab.NewConverter("stock.csv", false)

	var it catalog.Item
	probs, skip := Convert(c, 2, []string{" A-1\u00a0", "1 234,5", "₴ 99,90", "", "+", " Кросівки ", "https://x/1.jpg, https://x/2,3.jpg", "Розмір=42; Колір: синій", "A"}, &it)
	if skip || len(probs) > 0 {
		t.Fatalf("skip %v problems %v", skip, probs)
	}
	want := catalog.Item{
		SKU: "A-1", Quantity: num("1234.5"), Price: num("99.9"), Currency: "UAH", Available: catalog.FlagYes,
		Name: "Кросівки", ImageURLs: []string{"https://x/1.jpg", "https://x/2,3.jpg"},
		Properties: []catalog.Property{{Name: "Розмір", Value: "42"}, {Name: "Колір", Value: "синій"}},
		ParentSKU:  "A", Pos: catalog.Position{File: "stock.csv", Row: 2},
	}
	if !reflect.DeepEqual(it, want) {
		t.Errorf("item\n got %+v\nwant %+v", it, want)
	}

	// Empty cells stay unknown; a short row is padded with unknowns.
	probs, _ = Convert(c, 3, [][]byte{[]byte("B-2"), []byte(" ")}, &it)
	if len(probs) > 0 || it.Quantity.Known || it.Price.Known || it.Available != catalog.FlagUnknown || it.SKU != "B-2" {
		t.Errorf("short row: %+v %v", it, probs)
	}

	// Problems carry the SKU, the column as found and the value.
	probs, _ = Convert(c, 4, []string{"C-3", "abc", "-5", "", "maybe"}, &it)
	wantProbs := []catalog.Problem{
		{File: "stock.csv", Row: 4, Column: "Кількість", Field: "quantity", SKU: "C-3", Value: "abc", Error: "not a number"},
		{File: "stock.csv", Row: 4, Column: "Наявність", Field: "available", SKU: "C-3", Value: "maybe", Error: "not a yes/no value"},
		{File: "stock.csv", Row: 4, Column: "Ціна", Field: "price", SKU: "C-3", Value: "-5", Error: "negative number"},
	}
	if !sameProblems(probs, wantProbs) {
		t.Errorf("problems\n got %+v\nwant %+v", probs, wantProbs)
	}
	probs, _ = Convert(c, 5, []string{"D-4", "-1"}, &it)
	if len(probs) != 1 || probs[0].Error != "negative quantity" || probs[0].SKU != "D-4" {
		t.Errorf("negative quantity: %+v", probs)
	}
	probs, _ = Convert(c, 6, []string{"  ", "5", "", "", "", "Без артикула"}, &it)
	if len(probs) != 1 || probs[0].Field != "sku" || probs[0].Error != "empty SKU" || probs[0].Column != "Артикул" {
		t.Errorf("empty SKU: %+v", probs)
	}

	// Blank rows and repeated header rows are skipped, not problems.
	for _, cells := range [][]string{{}, {"", " ", "\u00a0"}, heads} {
		if probs, skip := Convert(c, 7, cells, &it); !skip || len(probs) > 0 {
			t.Errorf("row %q: skip %v problems %v", cells, skip, probs)
		}
	}
	if n := c.Notes(); len(n) != 1 || !strings.Contains(n[0], "1 rows repeating") {
		t.Errorf("notes = %q", n)
	}
}

func sameProblems(got, want []catalog.Problem) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}

func TestConvertSpreadsheet(t *testing.T) {
	tab := header(t, []string{"SKU", "Qty", "Price"}, Options{})
	var it catalog.Item
	probs, _ := Convert(tab.NewConverter("x.xlsx", true), 2, []string{"A", "9.9999999999E-2", "0.10589999999999999"}, &it)
	if len(probs) > 0 || it.Quantity != num("0.1") || it.Price != num("0.1059") {
		t.Errorf("item %+v problems %v", it, probs)
	}
}

func TestImagesCapped(t *testing.T) {
	tab := header(t, []string{"SKU", "Images"}, Options{})
	c := tab.NewConverter("x", false)
	var it catalog.Item
	Convert(c, 2, []string{"A", "a b c d e f g h"}, &it)
	if len(it.ImageURLs) != catalog.MaxImages || it.ImageURLs[5] != "f" || len(c.Notes()) != 1 {
		t.Errorf("images %q notes %q", it.ImageURLs, c.Notes())
	}
}

func TestParseFlag(t *testing.T) {
	for in, want := range map[string]catalog.Flag{
		"+": catalog.FlagYes, "-": catalog.FlagNo, "Есть": catalog.FlagYes, "Отсутсвует": catalog.FlagNo,
		"1": catalog.FlagYes, "0": catalog.FlagNo, "backorder": catalog.FlagYes, "true": catalog.FlagYes,
		"No": catalog.FlagNo, "out-of-stock": catalog.FlagNo, "В наявності": catalog.FlagYes, "3": catalog.FlagYes,
		"!": catalog.FlagYes, "&": catalog.FlagNo, "Немає в наявності": catalog.FlagNo,
	} {
		if got, err := ParseFlag(in); err != nil || got != want {
			t.Errorf("ParseFlag(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseFlag("maybe"); !errors.Is(err, ErrFlag) {
		t.Errorf("ParseFlag(maybe) err = %v", err)
	}
}

func TestSplitURLs(t *testing.T) {
	for in, want := range map[string][]string{
		"https://a/1.jpg, https://a/2.jpg":  {"https://a/1.jpg", "https://a/2.jpg"},
		"https://a/1.jpg;https://a/2.jpg":   {"https://a/1.jpg", "https://a/2.jpg"},
		"https://a/x,y.jpg,https://a/2.jpg": {"https://a/x,y.jpg", "https://a/2.jpg"},
		"https://a/1.jpg\nhttps://a/2.jpg":  {"https://a/1.jpg", "https://a/2.jpg"},
		" https://a/1.jpg , ":               {"https://a/1.jpg"},
	} {
		if got := SplitURLs(in); !reflect.DeepEqual(got, want) {
			t.Errorf("SplitURLs(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseProperties(t *testing.T) {
	got, err := ParseProperties("Розмір=42 | Колір: синій\nМатеріал=")
	want := []catalog.Property{{Name: "Розмір", Value: "42"}, {Name: "Колір", Value: "синій"}, {Name: "Матеріал", Value: ""}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ParseProperties = %v, %v", got, err)
	}
	for _, in := range []string{"синій", "=42"} {
		if _, err := ParseProperties(in); !errors.Is(err, ErrProperties) {
			t.Errorf("ParseProperties(%q) err = %v", in, err)
		}
	}
}

func TestSetValue(t *testing.T) {
	var it catalog.Item
	for f, v := range map[string]string{"quantity": "5", "currency": "грн", "barcode": " 482 ", "available": "так", "weight": ""} {
		if err := SetValue(&it, f, v); err != nil {
			t.Fatalf("SetValue(%s, %q): %v", f, v, err)
		}
	}
	if it.Quantity != num("5") || it.Currency != "UAH" || it.Barcode != "482" || it.Available != catalog.FlagYes || it.Weight.Known {
		t.Errorf("item %+v", it)
	}
	if err := SetValue(&it, "quantity", "-1"); !errors.Is(err, ErrNegative) {
		t.Errorf("negative: %v", err)
	}
}

func BenchmarkConvert(b *testing.B) {
	tab, err := newTable([]string{"Артикул", "Назва", "Кількість", "Ціна", "Бренд"}, nil, Options{}, 1)
	if err != nil {
		b.Fatal(err)
	}
	c := tab.NewConverter("x.csv", false)
	row := [][]byte{[]byte("SHOE-42"), []byte("Кросівки бігові"), []byte("7"), []byte("1299,50"), []byte("Nike")}
	var it catalog.Item
	b.ReportAllocs()
	for b.Loop() {
		if probs, _ := Convert(c, 2, row, &it); len(probs) > 0 {
			b.Fatal(probs)
		}
	}
}

type rows struct {
	items    []catalog.Item
	problems []catalog.Problem
}

func (r *rows) Item(it *catalog.Item) error { r.items = append(r.items, *it); return nil }
func (r *rows) Problem(p catalog.Problem)   { r.problems = append(r.problems, p) }

// Rows waiting for their column's decimal mark are bounded: past MaxHeld the
// oldest is settled by the fallback mark (here the file's ".", which makes
// "1,250" a problem), and a mark the column shows later settles the rest.
func TestDecimalsHeldBounded(t *testing.T) {
	d := NewDecimals(false)
	var out rows
	emit := func(row int, field, value string) {
		it := catalog.Item{SKU: "S" + strconv.Itoa(row), Pos: catalog.Position{File: "f", Row: row}}
		err := d.Number(&it, field, "Qty", value)
		if err == nil {
			err = d.Emit(&it, nil, &out)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	emit(1, catalog.FieldPrice, "12.5") // another column shows the file's "."
	for row := 2; row <= MaxHeld+3; row++ {
		emit(row, catalog.FieldQuantity, "1,250")
	}
	if len(out.items) != 1 || len(out.problems) != 2 || out.problems[0].Row != 2 || out.problems[1].Row != 3 {
		t.Fatalf("%d items, problems %v; want the two oldest rows settled as problems", len(out.items), out.problems[:min(len(out.problems), 3)])
	}
	emit(MaxHeld+4, catalog.FieldQuantity, "0,5") // the column shows ",": every held row is 1.25
	if err := d.Flush(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.items) != MaxHeld+2 || out.items[2].Quantity != num("1.25") || len(d.held) != 0 {
		t.Errorf("%d items (third %v), %d still held", len(out.items), out.items[2].Quantity, len(d.held))
	}
}

// Convert cannot hold a row: a spreadsheet cell reads by its column's mark so
// far, and by the lone-mark rule before the column has shown one (a stored
// number, "1.125", is never ambiguous to the workbook).
func TestConvertAmbiguousSpreadsheet(t *testing.T) {
	tab := header(t, []string{"SKU", "Qty"}, Options{})
	c := tab.NewConverter("x.xlsx", true)
	for _, tt := range []struct{ cell, want, problem string }{
		{"1.125", "1.125", ""},
		{"12.5", "12.5", ""},
		{"1,250", "", `ambiguous number: 1250 or 1.25? (the column writes decimals with ".")`},
	} {
		var it catalog.Item
		probs, _ := Convert(c, 2, []string{"A", tt.cell}, &it)
		switch {
		case tt.problem != "" && (len(probs) != 1 || probs[0].Error != tt.problem || probs[0].Column != "Qty"):
			t.Errorf("%s: problems %v", tt.cell, probs)
		case tt.problem == "" && (len(probs) > 0 || it.Quantity != num(tt.want)):
			t.Errorf("%s: item %+v problems %v", tt.cell, it, probs)
		}
	}
}

// TestSetBytes holds Set on bytes to SetValue on the same text, field by
// field, errors included.
func TestSetBytes(t *testing.T) {
	values := []string{"", " ", "5", " 1 234,50 грн ", "-1", "12.5 USD", "1e3", "abc", "так", " out of stock ", "usd", "\u00a0X-1\u00a0",
		"a; b|c, https://d", "Колір=синій; Розмір=42", "Колір", "\ufeff7\u200b", "1,250", "0"}
	for f, name := range catalog.Fields {
		if Field(f).String() != name {
			t.Fatalf("Field(%d) = %s, want %s", f, Field(f), name)
		}
		for _, v := range values {
			var want, got catalog.Item
			wantErr := SetValue(&want, name, v)
			gotErr := Set(&got, Field(f), []byte(v))
			if !reflect.DeepEqual(got, want) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Errorf("%s %q: Set gave %+v, %v; SetValue %+v, %v", name, v, got, gotErr, want, wantErr)
			}
		}
	}
}

// TestPlainNumber holds the fast path of Set to numparse: every string of up
// to six characters from digits, '.', ',' and '-' (and longer ones) that
// plainNumber reads, numparse reads as the same decimal, with no error and
// no currency, as a price and as a quantity.
func TestPlainNumber(t *testing.T) {
	alphabet := "0123456789.,-"
	var all []string
	var gen func(prefix string)
	gen = func(prefix string) {
		all = append(all, prefix)
		if len(prefix) < 6 {
			for i := range alphabet {
				if prefix == "" || i < 3 || i >= 10 || len(prefix) < 4 { // fewer long digit runs
					gen(prefix + alphabet[i:i+1])
				}
			}
		}
	}
	gen("")
	all = append(all, "123456789012345", "1234567890123.5", "12345678901234.5", "9999999999999999", "0.5", "0.050", "100.10", "1.2.3")
	read := 0
	for _, s := range all {
		d, ok := plainNumber([]byte(s))
		if !ok {
			continue
		}
		read++
		for _, price := range []bool{false, true} {
			want, cur, err := numparse.Parse(s, numparse.Options{Currency: price, Decimal: numparse.AnyMark})
			if err != nil || cur != "" || want != d {
				t.Fatalf("%q: plainNumber %v; numparse %v %q %v", s, d, want, cur, err)
			}
		}
	}
	if read < 1000 {
		t.Errorf("plainNumber read only %d of %d strings", read, len(all))
	}
}
