package moysklad

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/conformance"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// fields are the canonical fields an assortment export carries (no
// warehouse in a single file, no availability flag, no images).
var fields = []string{"sku", "quantity", "price", "purchased_price", "currency", "name", "description", "category",
	"barcode", "parent_sku", "properties"}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// kopecks renders a canonical price as MoySklad's hundredths.
func kopecks(v string) json.Number {
	d, err := decimal.MustParse(v).Shift(2)
	if err != nil {
		panic(err)
	}
	return json.Number(d.String())
}

// writeAssortment writes rows as an entity/assortment answer with stock
// fields, one row per line from line 2.
func writeAssortment(rows []conformance.Row) []byte {
	var b strings.Builder
	b.WriteString(`{"context":{"employee":{"meta":{"type":"employee"}}},"meta":{"href":"https://api.moysklad.ru/api/remap/1.2/entity/assortment","type":"assortment","size":` + mustJSON(len(rows)) + `,"limit":1000,"offset":0},"rows":[` + "\n")
	for i, r := range rows {
		m := map[string]any{"meta": map[string]string{"type": "product"}, "article": r["sku"]}
		if q := r["quantity"]; q != "" {
			if json.Valid([]byte(q)) {
				m["stock"] = json.Number(q)
			} else {
				m["stock"] = q
			}
		}
		if p := r["price"]; p != "" {
			price := map[string]any{"value": kopecks(p), "priceType": map[string]string{"name": "Ціна продажу"}}
			if c := r["currency"]; c != "" {
				price["currency"] = map[string]string{"isoCode": c}
			}
			m["salePrices"] = []any{price}
		}
		if p := r["purchased_price"]; p != "" {
			m["buyPrice"] = map[string]any{"value": kopecks(p)}
		}
		for k, field := range map[string]string{"name": "name", "description": "description", "pathName": "category"} {
			if v := r[field]; v != "" {
				m[k] = v
			}
		}
		if bc := r["barcode"]; bc != "" {
			m["barcodes"] = []map[string]string{{"ean13": bc}}
		}
		var chars []map[string]string
		for _, p := range r.Properties() {
			chars = append(chars, map[string]string{"name": p.Name, "value": p.Value})
		}
		if chars != nil {
			m["characteristics"] = chars
		}
		if p := r["parent_sku"]; p != "" {
			m["meta"] = map[string]string{"type": "variant"}
			m["product"] = map[string]any{"meta": map[string]string{"type": "product"}, "article": p}
		}
		b.WriteString(mustJSON(m))
		if i < len(rows)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]}\n")
	return []byte(b.String())
}

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Case{
		Format: Format{},
		Fields: fields,
		Write: func(t testing.TB, dir string, _ []string, rows []conformance.Row) string {
			return kittest.Write(t, dir, "assortment.json", writeAssortment(rows))
		},
		Row:    func(i int) int { return 2 + i },
		Column: func(f string) string { return map[string]string{"sku": "article", "quantity": "stock"}[f] },
	})
}

func read(t *testing.T, location string, opt connector.ReadOptions) (*kittest.Collect, connector.SourceInfo) {
	t.Helper()
	c, info, err := kittest.Read(t, Format{}, location, opt)
	if err != nil {
		t.Fatal(err)
	}
	return c, info
}

func hasNote(notes []string, parts ...string) bool {
	for _, n := range notes {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(n, p)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestReportStockAll(t *testing.T) {
	path := testenv.Fixture(t, "moysklad/report_stock_all.json")
	// By article (the default): 14 of the 16 rows have none, and the two
	// that have one hold negative stock, so nothing is usable.
	c, info := read(t, path, connector.ReadOptions{})
	if len(c.Items) != 0 || len(c.Problems) != 20 {
		t.Fatalf("%d items, %d problems; want 0 and 20", len(c.Items), len(c.Problems))
	}
	got := c.ProblemLines()
	for _, want := range []string{
		"19|stock|quantity|Ar23|-30|negative quantity",
		`46|article|sku||code "00006", id cc99c055-fa34-11e5-9464-e4de00000069|empty SKU`,
		"410|stock|quantity|Артикулс|-1|negative quantity",
	} {
		if !contains(got, want) {
			t.Errorf("no problem %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
	if !info.Delta || !hasNote(info.Notes, "not a full snapshot", "report/stock/all: 16 of its 26 rows") ||
		!hasNote(info.Notes, "14 rows without an article but with a code: --key code") {
		t.Errorf("info %+v", info)
	}

	// By code: ten items; six negative stocks; 00002 on a product and a
	// variant (the planner's duplicate), both negative here.
	c, info = read(t, path, connector.ReadOptions{Key: "code"})
	if len(c.Items) != 10 || len(c.Problems) != 6 {
		t.Fatalf("--key code: %d items, %d problems; want 10 and 6", len(c.Items), len(c.Problems))
	}
	it := c.SKU("00001")
	// stock 69, reserve 20, quantity ("available") 49: the stock is read.
	if it == nil || it.Quantity != kittest.Num("69") || it.Price != kittest.Num("1230") || it.PurchasedPrice != kittest.Num("502.608695652174") ||
		it.Name != "Трололоша" || it.Currency != "" || it.Pos.Row != 384 {
		t.Errorf("00001 = %+v", it)
	}
	if it := c.SKU("00006"); it == nil || it.Quantity != kittest.Num("4") || it.Price.Known || it.PurchasedPrice.Known || it.Pos.Row != 46 {
		t.Errorf("00006 = %+v (prices of 0 are unknown)", it)
	}
	want := []string{
		"19|stock|quantity|one1|-30|negative quantity",
		"280|stock|quantity|00002|-6438|negative quantity",
		"306|stock|quantity|00003|-113|negative quantity",
		"332|stock|quantity|00002|-21|negative quantity",
		"358|stock|quantity|00004|-1|negative quantity",
		"410|stock|quantity|00214|-1|negative quantity",
	}
	if got := c.ProblemLines(); !reflect.DeepEqual(got, want) {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !info.Delta || hasNote(info.Notes, "--key code") || info.Format != "moysklad" || info.Encoding != "utf-8" || len(info.SHA256) != 64 ||
		!reflect.DeepEqual(info.Fields, []string{"sku", "quantity", "price", "purchased_price", "name", "category"}) {
		t.Errorf("info %+v", info)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestEntityAssortment(t *testing.T) {
	path := testenv.Fixture(t, "moysklad/entity_assortment.json")
	c, info := read(t, path, connector.ReadOptions{})
	// product, service (skipped), bundle (a problem), product, 2 variants.
	if len(c.Items) != 4 || len(c.Problems) != 1 {
		t.Fatalf("%d items, %d problems; want 4 and 1", len(c.Items), len(c.Problems))
	}
	if got := c.ProblemLines()[0]; got != "237|meta.type|quantity|50000000|bundle|"+errBundle.Error() {
		t.Errorf("bundle problem %q", got)
	}
	first := c.Items[0]
	if first.SKU != "100000000" || first.Price != kittest.Num("15") || first.PurchasedPrice != kittest.Num("5") || first.Barcode != "2000000000015" ||
		first.Quantity.Known || first.Name != "product" || first.Pos.Row != 22 {
		t.Errorf("first = %+v", first)
	}
	// Variants share the article "T01 (MO1)" (a duplicate for the planner)
	// and name their product, read two rows before them.
	blue, red := c.Items[2], c.Items[3]
	if blue.SKU != "T01 (MO1)" || red.SKU != "T01 (MO1)" || blue.ParentSKU != "2000000000000" || red.ParentSKU != "2000000000000" ||
		!reflect.DeepEqual(blue.Properties, []catalog.Property{{Name: "color", Value: "blue"}}) || red.Barcode != "2000000000077" || red.Price != kittest.Num("18") {
		t.Errorf("variants %+v %+v", blue, red)
	}
	if info.Delta || !hasNote(info.Notes, "1 service row skipped") || !hasNote(info.Notes, "1 bundle row reported") || !hasNote(info.Notes, "carries no stock values") {
		t.Errorf("info %+v", info)
	}
	c, _ = read(t, path, connector.ReadOptions{Key: "code"})
	if len(c.Items) != 4 || c.Items[2].SKU != "00002" || c.Items[2].ParentSKU != "00004" || c.Items[3].SKU != "00003" {
		t.Errorf("--key code: %+v", c.Items)
	}
	// --price-type picks a price by its type's name.
	c, info = read(t, path, connector.ReadOptions{PriceTypes: map[string]string{"price": "цена продажи", "purchased_price": "Оптовая"}})
	if c.Items[0].Price != kittest.Num("15") || c.Items[0].PurchasedPrice.Known || !hasNote(info.Notes, "without the price type --price-type names") {
		t.Errorf("--price-type: %+v %q", c.Items[0], info.Notes)
	}
}

func TestNeedsAssortment(t *testing.T) {
	for _, f := range []string{"report_stock_bystore.json", "report_stock_all_current.json", "report_stock_bystore_current_freestock.json"} {
		_, _, err := kittest.Read(t, Format{}, testenv.Fixture(t, "moysklad/"+f), connector.ReadOptions{})
		if err == nil || !strings.Contains(err.Error(), "names items only by their MoySklad id") || !strings.Contains(err.Error(), f) {
			t.Errorf("%s: %v", f, err)
		}
	}
	_, _, err := kittest.Read(t, Format{}, testenv.Fixture(t, "moysklad/webhookstock_payload.json"), connector.ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "webhook notification") || !strings.Contains(err.Error(), "changedSince=2022-09-24") {
		t.Errorf("webhook: %v", err)
	}
}

// folder copies shared fixtures and writes files into a new folder.
func folder(t *testing.T, fixtures []string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range fixtures {
		b, err := os.ReadFile(testenv.Fixture(t, "moysklad/"+f))
		if err != nil {
			t.Fatal(err)
		}
		kittest.Write(t, dir, f, b)
	}
	for name, text := range files {
		kittest.Write(t, dir, name, []byte(text))
	}
	return dir
}

func TestByStoreFolder(t *testing.T) {
	// report/stock/all names the bystore rows: same UUIDs, with codes.
	dir := folder(t, []string{"report_stock_all.json", "report_stock_bystore.json"}, nil)
	loc, _ := connector.ParseLocation(dir)
	if !(Format{}).Detect(loc, nil) {
		t.Error("folder not detected")
	}
	c, info := read(t, dir, connector.ReadOptions{Key: "code"})
	if len(c.Items) != 13 || len(c.Problems) != 1 {
		t.Fatalf("%d items, %d problems; want 13 and 1", len(c.Items), len(c.Problems))
	}
	bystore := filepath.Join(dir, "report_stock_bystore.json")
	const main, other = "850ee995-f504-11e5-8a84-bae500000160", "86c857d6-0302-11e6-9464-e4de00000072"
	if got := c.ProblemLines()[0]; got != "19|stockByStore[0].stock|quantity|one1|-30|negative quantity" || c.Problems[0].File != bystore {
		t.Errorf("problem %q in %s", got, c.Problems[0].File)
	}
	it := c.Items[2] // 00006 at the main warehouse
	if it.SKU != "00006" || it.Warehouse != main || it.WarehouseName != "Основной склад" || it.Quantity != kittest.Num("4") ||
		it.Name != "ТоварБезШК" || it.Pos.File != bystore || it.Pos.Row != 53 {
		t.Errorf("00006 = %+v", it)
	}
	if it := c.Items[1]; it.SKU != "00006" || it.Warehouse != other || it.Quantity != kittest.Num("0") {
		t.Errorf("00006 elsewhere = %+v", it)
	}
	if want := []connector.Warehouse{{ID: other, Name: "Не основной склад"}, {ID: main, Name: "Основной склад"}}; !reflect.DeepEqual(info.Warehouses, want) {
		t.Errorf("warehouses %+v", info.Warehouses)
	}
	if !info.Delta || !hasNote(info.Notes, "report/stock/bystore: 7 of its 225 rows") || len(info.SHA256) != 64 {
		t.Errorf("info %+v", info)
	}
	// By article, the report names only one of them (Ar23: -30 and 0).
	c, info = read(t, dir, connector.ReadOptions{})
	if len(c.Items) != 1 || c.Items[0].SKU != "Ar23" || c.Items[0].Quantity != kittest.Num("0") || len(c.Problems) != 7 ||
		c.ProblemLines()[0] != "19|stockByStore[0].stock|quantity|Ar23|-30|negative quantity" || !hasNote(info.Notes, "6 rows without an article but with a code") {
		t.Errorf("by article: %d items, problems %q, notes %q", len(c.Items), c.ProblemLines(), info.Notes)
	}

	// An assortment that lacks the rows: each is a problem naming the id.
	dir = folder(t, []string{"entity_assortment.json", "report_stock_bystore.json"}, nil)
	c, info = read(t, dir, connector.ReadOptions{})
	if len(c.Items) != 0 || len(c.Problems) != 7 || c.Problems[0].Value != "c02e3a5c-007e-11e6-9464-e4de00000006" ||
		c.Problems[0].Column != "meta.href" || c.Problems[0].Error != errNotInAssortment.Error() || !hasNote(info.Notes, "7 rows naming an id that the assortment export lacks") {
		t.Errorf("missing ids: %q %q", c.ProblemLines(), info.Notes)
	}
}

// assortmentFor writes an assortment naming the current reports' items.
const currentAssortment = `{"meta":{"type":"assortment","size":3,"offset":0},"rows":[
{"meta":{"href":"https://api.moysklad.ru/api/remap/1.2/entity/product/12345678-5838-aaeb-0a80-003a003ef439","type":"product"},"id":"12345678-5838-aaeb-0a80-003a003ef439","article":"A-1","name":"Один","barcodes":[{"ean13":"4820000000001"}]},
{"meta":{"href":"https://api.moysklad.ru/api/remap/1.2/entity/product/12345678-279c-aaeb-0a80-00d6001f847c","type":"product"},"id":"12345678-279c-aaeb-0a80-00d6001f847c","article":"B-2","name":"Два"},
{"meta":{"href":"https://api.moysklad.ru/api/remap/1.2/entity/service/12345678-279c-aaeb-0a80-00d6001f1981","type":"service"},"id":"12345678-279c-aaeb-0a80-00d6001f1981","name":"Послуга"}
]}`

const stores = `{"meta":{"type":"store","size":2},"rows":[
{"meta":{"href":"https://api.moysklad.ru/api/remap/1.2/entity/store/12345678-b123-aaee-0a80-012b0001bb10","type":"store"},"id":"12345678-b123-aaee-0a80-012b0001bb10","name":"Київ"},
{"meta":{"href":"https://api.moysklad.ru/api/remap/1.2/entity/store/12345678-b123-aaee-0a80-012b0001bb12","type":"store"},"id":"12345678-b123-aaee-0a80-012b0001bb12","name":"Львів"}]}`

func TestCurrentFolder(t *testing.T) {
	dir := folder(t, []string{"report_stock_all_current.json"}, map[string]string{"assortment.json": currentAssortment, "notes.txt": "x"})
	c, info := read(t, dir, connector.ReadOptions{})
	if len(c.Items) != 2 || len(c.Problems) != 0 || c.Items[0].SKU != "A-1" || c.Items[0].Quantity != kittest.Num("11") ||
		c.Items[0].Barcode != "4820000000001" || c.Items[1].SKU != "B-2" || c.Items[1].Quantity != kittest.Num("46.5") || c.Items[1].Pos.Row != 3 {
		t.Fatalf("items %+v problems %+v", c.Items, c.Problems)
	}
	if info.Delta || !hasNote(info.Notes, "include=zeroLines") || !hasNote(info.Notes, "not read: notes.txt") {
		t.Errorf("info %+v", info)
	}
	// stockType=quantity is "available": refused.
	dir = folder(t, []string{"report_stock_all_current_zerolines.json"}, map[string]string{"assortment.json": currentAssortment})
	_, _, err := kittest.Read(t, Format{}, dir, connector.ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "stockType=quantity (available") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("stockType=quantity: %v", err)
	}
	dir = folder(t, []string{"report_stock_bystore_current_freestock.json"}, map[string]string{"assortment.json": currentAssortment})
	if _, _, err := kittest.Read(t, Format{}, dir, connector.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "stockType=freeStock") {
		t.Errorf("stockType=freeStock: %v", err)
	}
	// bystore/current with stockType=stock, named by the store list.
	byStore := `[
  {"assortmentId":"12345678-5838-aaeb-0a80-003a003ef439","storeId":"12345678-b123-aaee-0a80-012b0001bb10","stock":4},
  {"assortmentId":"12345678-5838-aaeb-0a80-003a003ef439","storeId":"12345678-b123-aaee-0a80-012b0001bb12","stock":7},
  {"assortmentId":"12345678-279c-aaeb-0a80-00d6001f847c","storeId":null,"stock":-5},
  {"assortmentId":"12345678-279c-aaeb-0a80-00d6001f1981","storeId":"12345678-b123-aaee-0a80-012b0001bb10","stock":0},
  {"assortmentId":"99999999-279c-aaeb-0a80-00d6001f847c","storeId":"12345678-b123-aaee-0a80-012b0001bb10","stock":46}
]`
	dir = folder(t, nil, map[string]string{"assortment.json": currentAssortment, "stores.json": stores, "bystore.json": byStore})
	c, info = read(t, dir, connector.ReadOptions{})
	if len(c.Items) != 2 || c.Items[0].Warehouse != "12345678-b123-aaee-0a80-012b0001bb10" || c.Items[0].WarehouseName != "Київ" ||
		c.Items[1].WarehouseName != "Львів" || c.Items[1].Quantity != kittest.Num("7") {
		t.Errorf("items %+v", c.Items)
	}
	if got := c.ProblemLines(); !reflect.DeepEqual(got, []string{"6|assortmentId|sku||99999999-279c-aaeb-0a80-00d6001f847c|" + errNotInAssortment.Error()}) {
		t.Errorf("problems %q", got)
	}
	if !hasNote(info.Notes, "1 row without a warehouse") || !hasNote(info.Notes, "1 service row skipped") || len(info.Warehouses) != 2 {
		t.Errorf("info %+v", info)
	}
	// Totals and per-warehouse reports do not mix; by-id reports need names.
	dir = folder(t, []string{"report_stock_all_current.json"}, map[string]string{"assortment.json": currentAssortment, "bystore.json": byStore})
	if _, _, err := kittest.Read(t, Format{}, dir, connector.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "mixes per-warehouse reports") {
		t.Errorf("mixed: %v", err)
	}
	dir = folder(t, []string{"report_stock_all_current.json"}, nil)
	if _, _, err := kittest.Read(t, Format{}, dir, connector.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "needs the pages of GET /entity/assortment") {
		t.Errorf("no assortment: %v", err)
	}
}

// reportPage writes one page of report/stock/all.
func reportPage(offset, size int, next, filter string, codes ...string) string {
	var rows []string
	for _, c := range codes {
		rows = append(rows, `{"meta":{"href":"https://api.moysklad.ru/api/remap/1.2/entity/product/`+c+`","type":"product"},"code":"`+c+`","article":"`+c+`","stock":1}`)
	}
	href := "https://api.moysklad.ru/api/remap/1.2/report/stock/all"
	if filter != "" {
		href += "?filter=" + filter
	}
	m := `{"href":"` + href + `","type":"stock","size":` + mustJSON(size) + `,"limit":2,"offset":` + mustJSON(offset)
	if next != "" {
		m += `,"nextHref":"` + next + `"`
	}
	return `{"meta":` + m + `},"rows":[` + strings.Join(rows, ",\n") + "]}"
}

func TestCoverage(t *testing.T) {
	// Every page of an export with zero rows: a full snapshot.
	dir := folder(t, nil, map[string]string{
		"p1.json": reportPage(0, 3, "https://api.moysklad.ru/api/remap/1.2/report/stock/all?filter=quantityMode=all&limit=2&offset=2", "quantityMode=all", "A", "B"),
		"p2.json": reportPage(2, 3, "", "quantityMode=all", "C"),
	})
	c, info := read(t, dir, connector.ReadOptions{})
	if len(c.Items) != 3 || info.Delta || len(info.Notes) != 0 {
		t.Errorf("all pages: %d items, info %+v", len(c.Items), info)
	}
	// The digest covers the files, whatever their order.
	first := info.SHA256
	os.Rename(filepath.Join(dir, "p1.json"), filepath.Join(dir, "z1.json"))
	if _, info := read(t, dir, connector.ReadOptions{}); info.SHA256 != first {
		t.Error("the folder digest depends on file names")
	}
	// A page missing; the same page twice.
	dir = folder(t, nil, map[string]string{"p1.json": reportPage(0, 3, "x", "quantityMode=all", "A", "B")})
	if _, info := read(t, dir, connector.ReadOptions{}); !info.Delta || !hasNote(info.Notes, "2 of its 3 rows") {
		t.Errorf("missing page: %+v", info)
	}
	if _, info, _ := kittest.ReadBytes(t, Format{}, "p2.json", []byte(reportPage(2, 0, "", "", "C")), connector.ReadOptions{}); !info.Delta || !hasNote(info.Notes, "its first page (offset 0) is missing") {
		t.Errorf("a last page alone: %+v", info)
	}
	dir = folder(t, nil, map[string]string{"p1.json": reportPage(0, 3, "", "", "A", "B"), "p2.json": reportPage(0, 3, "", "", "A", "B")})
	if _, _, err := kittest.Read(t, Format{}, dir, connector.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "the same page of report/stock/all (offset 0)") {
		t.Errorf("duplicate page: %v", err)
	}
	// Filters that leave items out, and changedSince.
	for filter, why := range map[string]string{
		"store=https://api.moysklad.ru/api/remap/1.2/entity/store/1": "filtered (store=",
		"quantityMode=nonEmpty":                   "quantityMode=nonEmpty",
		"stockMode=positiveOnly;quantityMode=all": "stockMode=positiveOnly",
	} {
		c, info, err := kittest.ReadBytes(t, Format{}, "stock.json", []byte(reportPage(0, 1, "", filter, "A")), connector.ReadOptions{})
		if err != nil || len(c.Items) != 1 || !info.Delta || !hasNote(info.Notes, why) {
			t.Errorf("filter %s: %+v %v", filter, info, err)
		}
	}
	text := strings.Replace(reportPage(0, 1, "", "", "A"), "report/stock/all", "report/stock/all?changedSince=2024-01-01%2010:00:00", 1)
	if _, info, _ := kittest.ReadBytes(t, Format{}, "stock.json", []byte(text), connector.ReadOptions{}); !info.Delta || !hasNote(info.Notes, "changedSince=2024-01-01 10:00:00") {
		t.Errorf("changedSince: %+v", info)
	}
	// archived and moment filters keep a full list; a request without
	// quantityMode=all is noted, not marked.
	_, info, _ = kittest.ReadBytes(t, Format{}, "stock.json", []byte(reportPage(0, 1, "", "archived=false;moment=2024-01-01", "A")), connector.ReadOptions{})
	if info.Delta || !hasNote(info.Notes, "requested without filter=quantityMode=all") {
		t.Errorf("archived: %+v", info)
	}
	_, info, _ = kittest.ReadBytes(t, Format{}, "stock.json", []byte(reportPage(0, 1, "", "", "A")), connector.ReadOptions{})
	if info.Delta || !hasNote(info.Notes, "the file does not show how the report was requested") {
		t.Errorf("no query: %+v", info)
	}
}

func TestRows(t *testing.T) {
	text := `[
{"meta":{"type":"product"},"article":" A-1 ","stock":"1 234,5","salePrice":"12 345"},
{"meta":{"type":"product"},"article":12345,"stock":2.9999999999999996,"folder":{"name":"Взуття"}},
{"meta":{"type":"product"},"article":{"x":1},"stock":true},
{"meta":{"type":"product"},"article":"C","stock":null,"salePrice":-100,"price":"abc"},
{"meta":{"type":"product"},"article":"D","name":5},
{"meta":{"type":"consignment"},"article":"E","stock":1},
{"meta":{"type":"product"},"article":"F","stock":1e400},
7,
{"meta":{"type":"variant","href":"https://api.moysklad.ru/api/remap/1.2/entity/variant/v1"},"id":"v1","article":"G","product":{"meta":{"href":"https://api.moysklad.ru/api/remap/1.2/entity/product/p-later"}}},
{"meta":{"type":"product","href":"https://api.moysklad.ru/api/remap/1.2/entity/product/p-later"},"id":"p-later","article":"P","pathName":"Взуття/Кросівки","salePrices":[{"value":100,"currency":{"isoCode":"uah"}}]}
]`
	c, info, err := kittest.ReadBytes(t, Format{}, "rows.json", []byte(text), connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, n, g, p := c.SKU("A-1"), c.SKU("12345"), c.SKU("G"), c.SKU("P")
	if a == nil || a.Quantity != kittest.Num("1234.5") || a.Price != kittest.Num("123.45") || a.Pos.Row != 2 {
		t.Errorf("A-1 = %+v", a)
	}
	if n == nil || n.Quantity != kittest.Num("3") || n.Category != "Взуття" {
		t.Errorf("12345 = %+v (float noise rounded away)", n)
	}
	if g == nil || g.ParentSKU != "" || p == nil || p.Category != "Кросівки" || p.Currency != "UAH" || p.Price != kittest.Num("1") {
		t.Errorf("G = %+v, P = %+v", g, p)
	}
	want := []string{
		`4|article|sku||{"x":1}|not a text value`,
		"4|stock|quantity||true|not a number",
		"5|salePrice|price|C|-100|negative number",
		"5|price|purchased_price|C|abc|not a number",
		"6|name|name||number|a JSON number where MoySklad writes a string",
		"8|stock|quantity|F|1e400|number out of range",
		"9|rows[]|sku||number|a JSON number where MoySklad writes an object",
	}
	if got := c.ProblemLines(); !reflect.DeepEqual(got, want) {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !hasNote(info.Notes, "1 batch (consignment) row skipped") || !hasNote(info.Notes, "1 variant without its product's SKU") ||
		!hasNote(info.Notes, "2 rows without a stock value") || !hasNote(info.Notes, "a …/current report leaves out zero rows") {
		t.Errorf("notes %q", info.Notes)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name, text string
		want       error
		msg        string
	}{
		{"cut off", `{"meta":{},"rows":[` + "\n" + `{"article":"A","stock":1},` + "\n" + `{"article":"B","st`, connector.ErrTruncated, "line 3"},
		{"cut after rows", `{"rows":[{"article":"A"}]`, connector.ErrTruncated, ""},
		{"invalid", `{"rows":[` + "\n\n" + `{"article":"A",,}]}`, nil, "line 3: invalid JSON"},
		{"trailing", `{"rows":[]} {"rows":[]}`, nil, "more than one JSON value"},
		{"no rows", `{"meta":{"size":0}}`, nil, "not a MoySklad export: the object has no rows"},
		{"rows not array", `{"rows":{}}`, nil, "rows is a JSON object, not an array"},
		{"two rows", `{"rows":[],"rows":[]}`, nil, "two rows arrays"},
		{"scalar", `"text"`, nil, "the file holds a JSON string"},
		{"empty", ``, nil, "the file is empty"},
		{"error answer", `{"errors":[{"error":"Ошибка аутентификации","code":1056}]}`, nil, "MoySklad error answer: Ошибка аутентификации"},
		{"bad meta", `{"meta":{"size":"x"},"rows":[]}`, nil, "meta.size is not a int64"},
		{"huge line", `{"rows":[{"article":"` + strings.Repeat("x", 2<<20) + `"}]}`, connector.ErrTooLarge, "line 1"},
		{"huge key", `{"` + strings.Repeat("x", 2<<20) + `":1}`, connector.ErrTooLarge, "line 1"},
		{"deep", `{"rows":[` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `]}`, nil, "exceeded max depth"},
		{"windows-1251", "{\"rows\":[{\"article\":\"\xc0\"}]}", nil, "invalid utf-8"},
		{"binary", "{\"rows\":[\x00]}", nil, "binary"},
		{"zip", "PK\x03\x04", connector.ErrNotText, ""},
		{"store list", stores, nil, "a list of MoySklad warehouses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := kittest.ReadBytes(t, Format{}, "stock.json", []byte(tt.text), connector.ReadOptions{})
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "stock.json") {
				t.Errorf("err = %v; want %v mentioning %q and the file", err, tt.want, tt.msg)
			}
		})
	}
	// --encoding reads a Windows-1251 file.
	c, _, err := kittest.ReadBytes(t, Format{}, "stock.json", []byte("{\"rows\":[{\"article\":\"\xc0\"}]}"), connector.ReadOptions{Encoding: "windows-1251"})
	if err != nil || len(c.Items) != 1 || c.Items[0].SKU != "А" {
		t.Errorf("--encoding: %+v %v", c, err)
	}
}

func TestDetectAndOpen(t *testing.T) {
	for path, want := range map[string]bool{"stock.json": true, "stock.JSON": true, "stock.jsonl": false, "stock.xml": false} {
		loc, _ := connector.ParseLocation(path)
		if got := (Format{}).Detect(loc, []byte(`{"rows":[]}`)); got != want {
			t.Errorf("Detect(%s) = %v", path, got)
		}
	}
	stdin, _ := connector.ParseLocation("-")
	if (Format{}).Detect(stdin, nil) {
		t.Error("standard input detected as MoySklad (it is JSON lines unless --format moysklad)")
	}
	// A folder with XML is CommerceML's; one whose JSON is not MoySklad's is
	// nobody's.
	for files, want := range map[[2]string]bool{{"a.json", `{"rows":[]}`}: true, {"a.json", `{"x":1}`}: false} {
		dir := folder(t, nil, map[string]string{files[0]: files[1]})
		loc, _ := connector.ParseLocation(dir)
		if got := (Format{}).Detect(loc, nil); got != want {
			t.Errorf("Detect(folder with %s) = %v", files[1], got)
		}
	}
	dir := folder(t, nil, map[string]string{"a.json": `{"rows":[]}`, "import.xml": "<x/>"})
	loc, _ := connector.ParseLocation(dir)
	if (Format{}).Detect(loc, nil) {
		t.Error("a folder with XML detected as MoySklad")
	}
	for _, opt := range []connector.ReadOptions{{Key: "barcode"}, {Sheet: "x"}, {NoHeader: true}, {Encoding: "nope"}, {PriceTypes: map[string]string{"weight": "x"}}} {
		if _, err := (Format{}).Open(t.Context(), stdin, opt); err == nil {
			t.Errorf("Open accepted %+v", opt)
		}
	}
	empty, _ := connector.ParseLocation(t.TempDir())
	if _, err := (Format{}).Open(t.Context(), empty, connector.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "no *.json files") {
		t.Errorf("empty folder: %v", err)
	}
	c, info, err := kittest.Read(t, Format{}, "-", connector.ReadOptions{Stdin: bytes.NewReader([]byte(`{"rows":[{"article":"A","stock":1}]}`))})
	if err != nil || len(c.Items) != 1 || c.Items[0].Pos.File != "-" || len(info.SHA256) != 64 {
		t.Errorf("stdin: %+v %+v %v", c, info, err)
	}
}

func TestHelpers(t *testing.T) {
	for _, tt := range []struct {
		codes []map[string]string
		want  string
	}{
		{nil, ""},
		{[]map[string]string{{"code128": "C1", "ean8": "E8"}}, "E8"},
		{[]map[string]string{{"other": " X "}}, "X"},
		{[]map[string]string{{"ean13": " "}}, ""},
	} {
		if got := barcode(tt.codes); got != tt.want {
			t.Errorf("barcode(%v) = %q, want %q", tt.codes, got, tt.want)
		}
	}
	for text, want := range map[string]string{`{"rows":5}`: "number", `{"rows":true}`: "boolean", `{"rows":null}`: "null", `{"rows":"x"}`: "string", `{"rows":[]`: ""} {
		_, _, err := kittest.ReadBytes(t, Format{}, "x.json", []byte(text), connector.ReadOptions{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", text, err)
		}
	}
	// Each kind of wrong value names its field.
	text := `{"rows":[
{"article":"A","pathName":1},
{"article":"A","barcodes":{}},
{"article":"A","characteristics":[1]},
{"article":"A","salePrices":"x"},
{"article":"A","buyPrice":[]},
{"article":"A","stockByStore":{}},
{"article":"A","product":"x"},
{"article":"A","description":[]},
{"article":"A","meta":{"href":5}}
]}`
	c, _, err := kittest.ReadBytes(t, Format{}, "x.json", []byte(text), connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, p := range c.Problems {
		fields = append(fields, p.Field+":"+p.Column)
	}
	want := []string{"category:pathName", "barcode:barcodes", "properties:characteristics", "price:salePrices", "purchased_price:buyPrice",
		"quantity:stockByStore", "parent_sku:product", "description:description", "sku:meta.href"}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("fields %q\nwant %q", fields, want)
	}
	if !strings.Contains(c.Problems[1].Error, "where MoySklad writes an array") || !strings.Contains(c.Problems[0].Error, "a JSON number where MoySklad writes a string") {
		t.Errorf("errors %q", c.ProblemLines())
	}
}

func TestFolderShapes(t *testing.T) {
	// Empty pages are classified by their meta; a store list with no rows
	// and an empty bystore page read as nothing.
	dir := folder(t, nil, map[string]string{
		"a.json": `{"meta":{"type":"assortment","size":0},"rows":[]}`,
		"s.json": `{"meta":{"type":"store","size":0},"rows":[]}`,
		"b.json": `{"meta":{"type":"stockbystore","size":0},"rows":[]}`,
		"c.json": currentAssortment,
	})
	c, _, err := kittest.Read(t, Format{}, dir, connector.ReadOptions{})
	if err != nil || len(c.Items) != 0 || len(c.Problems) != 0 {
		t.Errorf("empty pages: %+v %v", c, err)
	}
	// An assortment alone is the source, its variants named by products
	// that come after them; a report's rows get barcodes and parents from it.
	variantFirst := `{"meta":{"type":"assortment","size":2},"rows":[
{"meta":{"href":"x/variant/v1","type":"variant"},"id":"v1","article":"V-1","product":{"meta":{"href":"x/product/p1"}}},
{"meta":{"href":"x/product/p1","type":"product"},"id":"p1","article":"P-1","barcodes":[{"ean13":"482"}]}]}`
	c, _, err = kittest.Read(t, Format{}, folder(t, nil, map[string]string{"a.json": variantFirst}), connector.ReadOptions{})
	if err != nil || len(c.Items) != 2 || c.Items[0].ParentSKU != "P-1" {
		t.Errorf("assortment alone: %+v %v", c.Items, err)
	}
	report := `{"meta":{"href":"https://api.moysklad.ru/api/remap/1.2/report/stock/all?filter=quantityMode=all","size":2},"rows":[
{"meta":{"href":"x/variant/v1","type":"variant"},"article":"V-1","stock":2},
{"meta":{"href":"x/product/p1","type":"product"},"article":"P-1","stock":0}]}`
	c, info, err := kittest.Read(t, Format{}, folder(t, nil, map[string]string{"a.json": variantFirst, "r.json": report}), connector.ReadOptions{})
	if err != nil || len(c.Items) != 2 || c.Items[0].ParentSKU != "P-1" || c.Items[1].Barcode != "482" || info.Delta || len(info.Notes) != 0 {
		t.Errorf("report with assortment: %+v %+v %v", c.Items, info, err)
	}
	// A variant whose product is nowhere.
	orphan := `{"rows":[{"meta":{"href":"x/variant/v1","type":"variant"},"id":"v1","article":"V-1","product":{"meta":{"href":"x/product/p9"}}}]}`
	_, info, _ = kittest.Read(t, Format{}, folder(t, nil, map[string]string{"a.json": orphan}), connector.ReadOptions{})
	if !hasNote(info.Notes, "1 variant without its product's SKU") {
		t.Errorf("orphan: %q", info.Notes)
	}
	// A bad file in a folder is named.
	_, _, err = kittest.Read(t, Format{}, folder(t, nil, map[string]string{"a.json": `{"rows":[7]}`}), connector.ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "a.json line 1: the first row is not a MoySklad row") {
		t.Errorf("bad first row: %v", err)
	}
	_, _, err = kittest.Read(t, Format{}, folder(t, nil, map[string]string{"a.json": currentAssortment, "b.json": `{"rows":[{"meta":{"type":"store"}},{"stockByStore":[]}]}`}), connector.ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "b.json line 1: report/stock/bystore rows in a file of entity/store rows") {
		t.Errorf("mixed file: %v", err)
	}
}
