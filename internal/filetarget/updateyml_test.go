package filetarget

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/yml"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
)

const promFeed = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE yml_catalog SYSTEM "shops.dtd">
<yml_catalog date="2026-07-19 09:07">
<shop>
<name>Магазин</name>
<offers>
<offer id="A-1" available="true" group_id="7">
<price>3480</price>
<currencyId>UAH</currencyId>
<quantity_in_stock>1</quantity_in_stock>
<description><![CDATA[<p>Опис &mdash; <b>жирний</b></p>]]></description>
</offer>
<offer available='false' id="B-2">
<price>100</price>
<quantity_in_stock/>
</offer>
<offer id="C-3" available="true">
  <name>Без кількості</name>
</offer>
<offer id="D-4" available="true"><quantity_in_stock>5</quantity_in_stock></offer>
</offers>
</shop>
</yml_catalog>
`

func TestUpdateYML(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prom.xml")
	writeFile(t, path, promFeed)
	res, err := Update(context.Background(), path, values("A-1", "0", "B-2", "3", "C-3", "2", "D-4", "5", "Z-9", "1"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer(
		`<offer id="A-1" available="true" group_id="7">`, `<offer id="A-1" available="false" group_id="7">`,
		"<quantity_in_stock>1</quantity_in_stock>", "<quantity_in_stock>0</quantity_in_stock>",
		`<offer available='false' id="B-2">`, `<offer available='true' id="B-2">`,
		"<quantity_in_stock/>", "<quantity_in_stock>3</quantity_in_stock>",
		"  <name>Без кількості</name>\n</offer>", "  <name>Без кількості</name>\n  <quantity_in_stock>2</quantity_in_stock>\n</offer>",
	).Replace(promFeed)
	if got, _ := os.ReadFile(path); string(got) != want {
		t.Errorf("updated feed\n%s\nwant\n%s", got, want)
	}
	if res.Column != "quantity_in_stock" || len(res.Changed) != 3 || res.Unchanged != 1 || !reflect.DeepEqual(res.NotInFile, []string{"Z-9"}) {
		t.Errorf("result %+v", res)
	}
	if c := res.Changed[0]; c.SKU != "A-1" || c.Row != 7 || c.From != catalog.Known(dec("1")) {
		t.Errorf("first change %+v", c)
	}
	got := map[string]view{}
	for _, v := range readBack(t, path, yml.Format{}, connector.ReadOptions{}) {
		got[v.SKU] = view{Quantity: v.Quantity, Available: v.Available}
	}
	for sku, q := range map[string]string{"A-1": "0", "B-2": "3", "C-3": "2", "D-4": "5"} {
		if v := got[sku]; v.Quantity != catalog.Known(dec(q)) || v.Available != stockFlag(dec(q)) {
			t.Errorf("%s read back as %+v, want %s", sku, v, q)
		}
	}
}

func TestUpdateYMLWindows1251(t *testing.T) {
	text := "<?xml version=\"1.0\" encoding=\"windows-1251\"?>\r\n<yml_catalog><shop><offers>\r\n<offer id=\"Ж-1\"><name>Шафа</name><stock_quantity>2</stock_quantity></offer>\r\n</offers></shop></yml_catalog>\r\n"
	raw, _ := charmap.Windows1251.NewEncoder().String(text)
	path := filepath.Join(t.TempDir(), "feed.xml")
	writeFile(t, path, raw)
	if _, err := Update(context.Background(), path, values("Ж-1", "7"), Options{}); err != nil {
		t.Fatal(err)
	}
	want, _ := charmap.Windows1251.NewEncoder().String(strings.Replace(text, ">2<", ">7<", 1))
	assertIntact(t, path, want)
}

func TestUpdateYMLWithoutQuantities(t *testing.T) {
	const feed = `<yml_catalog><offers><offer id="A" available="true"><price>1</price></offer><offer id="B" available="false"/></offers></yml_catalog>`
	path := filepath.Join(t.TempDir(), "epicentr.xml")
	writeFile(t, path, feed)
	_, err := Update(context.Background(), path, values("A", "0"), Options{})
	if err == nil || !strings.Contains(err.Error(), "--feed-dialect") {
		t.Fatalf("Update = %v, want a hint at --feed-dialect", err)
	}
	assertIntact(t, path, feed)
	res, err := Update(context.Background(), path, values("A", "0", "B", "0"), Options{Dialect: DialectEpicentr})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changed) != 1 || res.Unchanged != 1 || res.Column != "@available" {
		t.Errorf("result %+v", res)
	}
	assertIntact(t, path, strings.Replace(feed, `"A" available="true"`, `"A" available="false"`, 1))
}

func TestUpdateYMLErrors(t *testing.T) {
	for name, feed := range map[string]string{
		"not yml":  `<rss><channel/></rss>`,
		"cut off":  `<yml_catalog><shop><offers><offer id="A">`,
		"bad xml":  `<yml_catalog><offers></shop></yml_catalog>`,
		"no root":  ``,
		"entity":   `<yml_catalog>&unknown;</yml_catalog>`,
		"too deep": "<yml_catalog>" + strings.Repeat("<a>", 70) + strings.Repeat("</a>", 70) + "</yml_catalog>",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "feed.xml")
			writeFile(t, path, feed)
			if _, err := Update(context.Background(), path, values("A", "1"), Options{}); err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("Update = %v, want an error naming the file", err)
			}
			assertIntact(t, path, feed)
		})
	}
}

// TestUpdateRealPromFeed updates a real Prom.ua stock update feed from the
// shared fixtures: only the changed offers' stock and availability differ.
func TestUpdateRealPromFeed(t *testing.T) {
	path := copyFile(t, testenv.Fixture(t, "yml/prom_stock_update.xml"), t.TempDir())
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Update(context.Background(), path, values("110904206", "4", "110679723", "0"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changed) != 1 || res.Unchanged != 1 {
		t.Fatalf("result %+v", res)
	}
	want := strings.Replace(string(before), "<offer id=\"110904206\" available=\"true\">\n<price>3480</price>\n<currencyId>UAH</currencyId>\n<quantity_in_stock>1<",
		"<offer id=\"110904206\" available=\"true\">\n<price>3480</price>\n<currencyId>UAH</currencyId>\n<quantity_in_stock>4<", 1)
	if want == string(before) {
		t.Fatal("fixture changed: offer 110904206 not found as expected")
	}
	assertIntact(t, path, want)
}

func TestUpdateYMLByKey(t *testing.T) {
	const feed = `<yml_catalog><shop><offers>
<offer id="110904206" available="true"><vendorCode>SH-1</vendorCode><param name="Артикул">P-1</param><quantity_in_stock>1</quantity_in_stock></offer>
<offer id="110679723" available="true"><vendorCode> SH-2 </vendorCode><quantity_in_stock>4</quantity_in_stock></offer>
</offers></shop></yml_catalog>`
	path := filepath.Join(t.TempDir(), "prom.xml")
	writeFile(t, path, feed)
	res, err := Update(context.Background(), path, values("SH-1", "3", "SH-2", "4", "110679723", "9"), Options{Key: "vendorCode"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changed) != 1 || res.Changed[0].SKU != "SH-1" || res.Unchanged != 1 {
		t.Errorf("result %+v", res)
	}
	assertIntact(t, path, strings.Replace(feed, "<quantity_in_stock>1<", "<quantity_in_stock>3<", 1))
	snap, err := Current(context.Background(), path, Options{Key: "param:Артикул"})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := snap.Values["P-1"]; !ok || v.Quantity != catalog.Known(dec("3")) {
		t.Errorf("Current by param: %+v", snap.Values)
	}
	res, err = Update(context.Background(), path, values("P-1", "0"), Options{Key: "param:Артикул", DryRun: true})
	if err != nil || len(res.Changed) != 1 || len(res.NotInValues) != 0 {
		t.Errorf("Update by param: %+v, %v", res, err)
	}
	if _, err := Update(context.Background(), path, values("P-1", "0"), Options{Key: "barcode"}); err == nil || !strings.Contains(err.Error(), "--key") {
		t.Errorf("a bad key: %v", err)
	}
}
