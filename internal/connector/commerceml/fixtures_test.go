package commerceml

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
)

// fixture returns a shared fixture folder or file (never copied into the
// repository), or skips as testenv says.
func fixture(t *testing.T, rel string) string {
	t.Helper()
	return testenv.Fixture(t, "commerceml/"+rel)
}

// planned runs what the planner makes of a read: the duplicates and problems a
// diff would report.
func planned(t *testing.T, res *result) ([]plan.Duplicate, []catalog.Problem) {
	t.Helper()
	idx, err := plan.NewIndex(plan.IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range res.items {
		if err := idx.Item(&it); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range res.problems {
		idx.Problem(p)
	}
	if err := idx.Finish(); err != nil {
		t.Fatal(err)
	}
	p, err := plan.Compute(idx, plan.Snapshot{}, plan.Options{Command: plan.CmdDiff, Delta: res.info.Delta})
	if err != nil {
		t.Fatal(err)
	}
	return p.Duplicates, p.Problems
}

func mustRead(t *testing.T, location string, opt connector.ReadOptions) *result {
	t.Helper()
	res := readAll(t, location, opt)
	if res.err != nil {
		t.Fatalf("read %s: %v", location, res.err)
	}
	return res
}

func checkCounts(t *testing.T, res *result, items, problems int) {
	t.Helper()
	if len(res.items) != items || len(res.problems) != problems {
		t.Fatalf("%d items and %d problems, want %d and %d; first problems %+v", len(res.items), len(res.problems), items, problems, res.problems[:min(3, len(res.problems))])
	}
}

func checkNotes(t *testing.T, res *result, want ...string) {
	t.Helper()
	if len(res.info.Notes) != len(want) {
		t.Fatalf("notes %q, want %d notes like %q", res.info.Notes, len(want), want)
	}
	for i, w := range want {
		if !strings.Contains(res.info.Notes[i], w) {
			t.Errorf("note %d = %q, want it to say %q", i, res.info.Notes[i], w)
		}
	}
}

// checkItem compares the fields of want that are set (and the quantity, which
// may be an explicit zero) with got.
func checkItem(t *testing.T, got, want catalog.Item) {
	t.Helper()
	g := got
	if want.Pos.File == "" {
		g.Pos = catalog.Position{}
	}
	if want.Name == "" {
		g.Name = ""
	}
	if want.Category == "" {
		g.Category = ""
	}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("item\n got %+v\nwant %+v", got, want)
	}
}

func byKey(items []catalog.Item, sku, warehouse string) *catalog.Item {
	for i := range items {
		if items[i].SKU == sku && items[i].Warehouse == warehouse {
			return &items[i]
		}
	}
	return nil
}

const ut11Shoes = "b6112590-41ba-11dd-ac9d-0015e9b8c48d"

// УТ 11 demo: variants inherit the product's Артикул, so with the default key
// they are duplicates; per-warehouse stock of one warehouse declared in the
// offer package's Склады; the offer's characteristics win over its name.
func TestUT11Demo(t *testing.T) {
	dir := fixture(t, "ut11-demo-2.07")
	res := mustRead(t, dir, connector.ReadOptions{PerWarehouse: true})
	checkCounts(t, res, 5, 0)
	checkNotes(t, res)
	checkItem(t, res.items[0], catalog.Item{
		SKU: "Б-130001", Warehouse: ut11Shoes, WarehouseName: `Магазин "Обувь"`, WarehouseColumn: "Предложение/Склад/@ИдСклада", Quantity: num("20"),
		Price: num("1719"), Currency: "RUB", Name: "Женские ботфорты коричневые (38)", Category: "Обувь",
		ParentSKU: "Б-130001", Pos: catalog.Position{File: "offers.xml", Row: 241},
		Properties: []catalog.Property{{Name: "Размер", Value: "40"}, {Name: "Тип кожи", Value: "натуральная кожа"}, {Name: "Цвет", Value: "Коричневый"}},
	})
	var qty []string
	for _, it := range res.items {
		qty = append(qty, it.SKU+"="+it.Quantity.String())
	}
	if want := []string{"Б-130001=20", "Б-130001=19", "Б- 130005=120", "Б- 130005=15", "Б- 130005=45"}; !slices.Equal(qty, want) {
		t.Errorf("quantities %q, want %q", qty, want)
	}
	if w := res.info.Warehouses; len(w) != 5 || w[0] != (connector.Warehouse{ID: ut11Shoes, Name: `Магазин "Обувь"`}) {
		t.Errorf("warehouses %+v", w)
	}
	if res.info.Delta || res.info.Encoding != "utf-8" {
		t.Errorf("delta %v, encoding %q", res.info.Delta, res.info.Encoding)
	}
	if want := []string{"sku", "quantity", "warehouse", "price", "currency", "name", "category", "parent_sku", "properties"}; !slices.Equal(res.info.Fields, want) {
		t.Errorf("fields %q, want %q", res.info.Fields, want)
	}
	dups, _ := planned(t, res)
	// The planner names the warehouse by its name; the rows are the lines of
	// the offers' Склад entries.
	want := []plan.Duplicate{
		{SKU: "Б- 130005", Warehouse: `Магазин "Обувь"`, Rows: []int{285, 307, 329}},
		{SKU: "Б-130001", Warehouse: `Магазин "Обувь"`, Rows: []int{241, 263}},
	}
	if !reflect.DeepEqual(dups, want) {
		t.Errorf("duplicates %+v, want %+v", dups, want)
	}

	t.Run("key id", func(t *testing.T) {
		res := mustRead(t, dir, connector.ReadOptions{PerWarehouse: true, Key: "id"})
		checkCounts(t, res, 5, 0)
		if dups, _ := planned(t, res); len(dups) != 0 {
			t.Errorf("duplicates %+v with --key id", dups)
		}
		it := res.items[1]
		if it.SKU != "bd72d910-55bc-11d9-848a-00112f43529a#e5a4c316-a659-11dd-acee-0015e9b8c48d" || it.ParentSKU != "bd72d910-55bc-11d9-848a-00112f43529a" || it.Quantity != num("19") {
			t.Errorf("item %+v", it)
		}
	})
	t.Run("key barcode", func(t *testing.T) {
		// Only the product Б-130001 has a barcode; its variants do not
		// inherit it (a barcode names one exact thing).
		res := mustRead(t, dir, connector.ReadOptions{PerWarehouse: true, Key: "barcode"})
		checkCounts(t, res, 0, 5)
		if p := res.problems[0]; p.Column != pathBarcode || p.Error != "empty SKU" || p.Row != 204 || p.File != "offers.xml" {
			t.Errorf("problem %+v", p)
		}
	})
	t.Run("zip", func(t *testing.T) {
		files := map[string]string{}
		for _, name := range []string{"import.xml", "offers.xml"} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			files[name] = string(b)
		}
		z := filepath.Join(t.TempDir(), "ut11.zip")
		writeZip(t, z, files)
		got := mustRead(t, z, connector.ReadOptions{PerWarehouse: true})
		if !reflect.DeepEqual(got.items, res.items) || len(got.problems) != 0 {
			t.Errorf("the zip read differently from the folder: %d items", len(got.items))
		}
		if got.info.SHA256 != res.info.SHA256 || got.info.SHA256 != packageDigest(files["import.xml"], files["offers.xml"]) {
			t.Errorf("zip digest %s, folder digest %s", got.info.SHA256, res.info.SHA256)
		}
	})
}

// A real shop's export: three warehouses per offer whose Количество is their
// sum, unique articles, 8 offers for goods missing from this catalogue.
func TestCrazyboom(t *testing.T) {
	res := mustRead(t, fixture(t, "crazyboom-2.07"), connector.ReadOptions{PerWarehouse: true})
	checkCounts(t, res, 132, 0)
	checkNotes(t, res, "8 offers are not in the catalogue")
	want := []struct {
		wh, name, qty string
		row           int
	}{
		{"6abdb0b5-18fd-11e7-80c2-0cc47ab29cd1", "Владивосток", "1", 76},
		{"d2a52d49-19c9-11e7-80c2-0cc47ab29cd1", "Новосибирск", "0", 77},
		{"dd306af1-19c9-11e7-80c2-0cc47ab29cd1", "Москва", "376", 78},
	}
	for i, w := range want {
		checkItem(t, res.items[i], catalog.Item{
			SKU: "PM-421-WP", Warehouse: w.wh, WarehouseName: w.name, WarehouseColumn: "Предложение/Склад/@ИдСклада", Quantity: num(w.qty), Price: num("100"), Currency: "RUB",
			Barcode: "8809288404089", Category: "Коврики для дома", Pos: catalog.Position{File: "offers0_1.xml", Row: w.row},
		})
	}
	orphan := byKey(res.items, "HKS-345-SW", "dd306af1-19c9-11e7-80c2-0cc47ab29cd1")
	if orphan == nil || orphan.Category != "" || orphan.Name == "" || !orphan.Quantity.Known {
		t.Errorf("offer outside the catalogue: %+v", orphan)
	}
	if len(res.info.Warehouses) != 3 {
		t.Errorf("warehouses %+v", res.info.Warehouses)
	}
	if dups, _ := planned(t, res); len(dups) != 0 {
		t.Errorf("duplicates %+v", dups)
	}
}

const bitrixFirst = "235ccc6d-ab81-11e4-944a-00155d020201#a5abd77f-93f6-11e5-9468-00155d020201"

// The split 3.x exchange: a classifier with 8 price types and 12 warehouses,
// goods/import.xml with empty Артикул elements, offers.xml with names and 6
// offers marked deleted, prices.xml, and rests.xml with 86 × 12 zero
// quantities; every section holds changes only.
func TestBitrix31(t *testing.T) {
	dir := fixture(t, "bitrix-cml3.1")
	res := mustRead(t, dir, connector.ReadOptions{PerWarehouse: true})
	checkCounts(t, res, 0, 80)
	checkNotes(t, res, "prices were not read: the package declares 8 price types", "6 offers marked deleted", "80 offers have no Артикул", "changes only")
	if p := res.problems[0]; p.File != "goods/rests.xml" || p.Row != 9 || p.Column != pathArticle || p.Error != "empty SKU" {
		t.Errorf("problem %+v", p)
	}

	res = mustRead(t, dir, connector.ReadOptions{PerWarehouse: true, Key: "id", PriceTypes: map[string]string{
		"price": "Отпускная цена", "purchased_price": "Основная цена приобретения", // declared cut to 25 characters
	}})
	checkCounts(t, res, 960, 6) // the 6 deleted offers, listed by their Ид
	checkNotes(t, res, "6 offers marked deleted", "changes only")
	if !res.info.Delta || len(res.info.Warehouses) != 12 || res.info.Warehouses[1] != (connector.Warehouse{ID: "a2975786-af00-11de-9055-00155d3ebc00", Name: "Офис Тюмень"}) {
		t.Errorf("delta %v, warehouses %+v", res.info.Delta, res.info.Warehouses)
	}
	whs := map[string]bool{}
	for _, it := range res.items {
		if it.Quantity != num("0") || it.Pos.File != "goods/rests.xml" {
			t.Fatalf("item %+v", it)
		}
		whs[it.Warehouse] = true
	}
	if len(whs) != 12 {
		t.Errorf("%d warehouses in the items", len(whs))
	}
	checkItem(t, res.items[1], catalog.Item{
		SKU: bitrixFirst, Warehouse: "a2975786-af00-11de-9055-00155d3ebc00", WarehouseName: "Офис Тюмень", WarehouseColumn: "Предложение/Остатки/Остаток/Склад/Ид", Quantity: num("0"),
		Price: num("2042.66"), Currency: "RUB", Category: "OSki", ParentSKU: "235ccc6d-ab81-11e4-944a-00155d020201",
		Name: "Windows 10 Education Lic (KW5-00336, WINEDU RUS SA OLP NL Acdmc, 2 года,  поддержка, для образовательных учреждений, электронная, No Level)",
		Pos:  catalog.Position{File: "goods/rests.xml", Row: 21}, // the line of its Количество

	})

	t.Run("key code", func(t *testing.T) {
		// Variants share their product's Код: 15 codes over 74 offers, in
		// each of 12 warehouses.
		res := mustRead(t, dir, connector.ReadOptions{PerWarehouse: true, Key: "code"})
		checkCounts(t, res, 960, 6) // the deleted offers, listed by their Код
		if dups, _ := planned(t, res); len(dups) != 15*12 {
			t.Errorf("%d duplicates, want %d", len(dups), 15*12)
		}
		if it := res.items[0]; it.SKU != "С0004962" || it.ParentSKU != "С0004962" { // a Cyrillic С, as 1C numbers codes
			t.Errorf("item %+v", it)
		}
	})
	t.Run("price types", func(t *testing.T) {
		for name, msg := range map[string]string{
			"Отпускная": `the name matches several price types: "Отпускная цена", "Отпускная, евро", "Отпускная, вал"`,
			"Роздрібна": `no such price type; the package declares "Основная цена", "Основная цена приобретени", `,
		} {
			res := readAll(t, dir, connector.ReadOptions{PerWarehouse: true, Key: "id", PriceTypes: map[string]string{"price": name}})
			if res.err == nil || !strings.Contains(res.err.Error(), msg) || !strings.Contains(res.err.Error(), "--price-type price="+name) {
				t.Errorf("--price-type price=%s: %v, want %q", name, res.err, msg)
			}
			if len(res.items) > 0 {
				t.Errorf("%d items read before the error", len(res.items))
			}
		}
	})
}

// UMI: three products with articles, fourteen offers, five price types.
func TestUMI(t *testing.T) {
	dir := fixture(t, "umi-2.04")
	res := mustRead(t, dir, connector.ReadOptions{PerWarehouse: true})
	checkCounts(t, res, 3, 11)
	checkNotes(t, res, `the package declares 5 price types ("www.altaytextil.ru", "инет", "Новое соглашение", "offers 31.08", "Exagreement")`, "11 offers are not in the catalogue")
	var got []string
	for _, it := range res.items {
		got = append(got, it.SKU+"="+it.Quantity.String()+" "+it.Price.String())
	}
	if want := []string{"КВ- 900=26 ", "К-7778=34 ", "КА-879=29 "}; !slices.Equal(got, want) {
		t.Errorf("items %q, want %q", got, want)
	}
	if p := res.problems[0]; p.Column != pathID || p.Value != "bd72d935-55bc-11d9-848a-00112f43529a" || p.Row != 219 || p.Field != "sku" {
		t.Errorf("problem %+v", p)
	}
	res = mustRead(t, dir, connector.ReadOptions{PerWarehouse: true, PriceTypes: map[string]string{"price": " ИНЕТ "}})
	if it := res.items[2]; it.Price != num("3037.5") || it.Currency != "RUB" {
		t.Errorf("with --price-type price=ИНЕТ: %+v", it)
	}
}

// ReadyScript: a product offered itself and as a '#' variant, both with the
// product's Артикул.
func TestReadyScript(t *testing.T) {
	res := mustRead(t, fixture(t, "readyscript-2.05"), connector.ReadOptions{PerWarehouse: true})
	checkCounts(t, res, 2, 0)
	checkNotes(t, res, "changes only")
	checkItem(t, res.items[0], catalog.Item{SKU: "П2", Quantity: num("0"), Price: num("12356"), Currency: "RUB", Pos: catalog.Position{File: "offers.xml", Row: 36}})
	checkItem(t, res.items[1], catalog.Item{
		SKU: "П2", Quantity: num("9"), Price: num("12356"), Currency: "RUB", ParentSKU: "П2", Name: "Платье 2 (39, Красный)",
		Properties: []catalog.Property{{Name: "Размер", Value: "39"}, {Name: "Цвет", Value: "Красный"}},
	})
	if !res.info.Delta {
		t.Error("not a delta")
	}
	dups, _ := planned(t, res)
	if want := []plan.Duplicate{{SKU: "П2", Rows: []int{36, 52}}}; !reflect.DeepEqual(dups, want) {
		t.Errorf("duplicates %+v, want %+v", dups, want)
	}
}

// УТ 10.3 through Bitrix: no catalogue, a misnamed import.xml holding an
// offer package, prices only (no quantity anywhere), Статус Удален.
func TestUT10Bitrix(t *testing.T) {
	dir := fixture(t, "ut10-bitrix-2.05")
	res := mustRead(t, dir, connector.ReadOptions{PerWarehouse: true})
	checkCounts(t, res, 0, 97)
	checkNotes(t, res, "6 offers marked deleted", "97 offers have no Артикул")

	res = mustRead(t, dir, connector.ReadOptions{PerWarehouse: true, Key: "id"})
	checkCounts(t, res, 97, 6) // the 6 deleted offers, listed by their Ид
	checkNotes(t, res, "6 offers marked deleted", "no offer states a quantity")
	priced := 0
	for _, it := range res.items {
		if it.Quantity.Known {
			t.Fatalf("a known quantity in a prices-only package: %+v", it)
		}
		if it.Price.Known {
			priced++
		}
	}
	if priced != 84-6 {
		t.Errorf("%d priced items, want 78", priced)
	}
	if it := byKey(res.items, bitrixFirst, ""); it == nil || it.Price != num("2042.66") || it.Currency != "RUB" || it.Pos.File != "offers.xml" {
		t.Errorf("item %+v", it)
	}
	for _, it := range []catalog.Item{res.items[0], res.items[18]} {
		if strings.Contains(it.SKU, "#") || it.Name == "" {
			t.Errorf("a product offer from import.xml: %+v", it)
		}
	}

	t.Run("misnamed import.xml alone", func(t *testing.T) {
		res := mustRead(t, filepath.Join(dir, "import.xml"), connector.ReadOptions{PerWarehouse: true, Key: "id"})
		checkCounts(t, res, 19, 0)
		checkNotes(t, res, "no offer states a quantity")
		if it := res.items[0]; it.Name != "Astra Linux Special Edition РУСБ." || it.Quantity.Known {
			t.Errorf("item %+v", it)
		}
	})
}

// The official 1C example: no Артикул anywhere, Товар Ид already in
// product#characteristic form with the characteristics, four price types in
// two currencies.
func TestOfficial204(t *testing.T) {
	dir := fixture(t, "1c-official-2.04")
	res := mustRead(t, dir, connector.ReadOptions{PerWarehouse: true})
	checkCounts(t, res, 0, 2)
	checkNotes(t, res, "the package declares 4 price types", "2 offers have no Артикул")
	if p := res.problems[1]; p.File != "offers.xml" || p.Row != 134 || p.Column != pathArticle || p.Error != "empty SKU" {
		t.Errorf("problem %+v", p)
	}
	res = mustRead(t, dir, connector.ReadOptions{PerWarehouse: true, Key: "id", PriceTypes: map[string]string{"price": "Розничная", "purchased_price": "Закупочная"}})
	checkCounts(t, res, 2, 0)
	checkNotes(t, res, "2 offers have price and purchased_price in different currencies")
	checkItem(t, res.items[1], catalog.Item{
		SKU: "05e26d70-01e4-11dc-a411-00055d80a2d1#218a1598-044b-11dc-a414-00055d80a2d1", Quantity: num("0"), Price: num("7"), Currency: "RUB",
		Name: "Стол обеденный", Category: "Мебель", ParentSKU: "05e26d70-01e4-11dc-a411-00055d80a2d1",
		Properties: []catalog.Property{{Name: "Цвет", Value: "Красный"}}, Pos: catalog.Position{File: "offers.xml", Row: 134},
	})
}
