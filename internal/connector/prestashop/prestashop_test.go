package prestashop

import (
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb/shopdbtest"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
)

// shop loads PrestaShop's schema (1.6 or 8) with its installer placeholders
// filled, turns the 1.6 "fashion" demo catalogue into rows, and gives the
// combinations of product 1 references (the demo leaves them all empty).
func shop(t testing.TB, version, prefix string) *shopdbtest.DB {
	t.Helper()
	db := shopdbtest.New(t)
	db.Load(t, testenv.Fixture(t, "prestashop/"+version+"_db_structure.sql"),
		strings.NewReplacer("PREFIX_", prefix, "ENGINE_TYPE", "InnoDB", "COLLATION", ""))
	ps8 := version == "ps8"
	var b strings.Builder
	products := map[string]int{}
	for i, e := range entities(t, "product") {
		products[e["id"]] = i + 1
		fmt.Fprintf(&b, "INSERT INTO %sproduct (id_product, reference, price, active) VALUES (%d, '%s', %s, %s);\n", prefix, i+1, e["reference"], e["price"], e["active"])
	}
	for i, e := range entities(t, "product_attribute") {
		q := ", quantity"
		v := ", " + e["quantity"]
		if ps8 {
			q, v = "", "" // PrestaShop 8 dropped product_attribute.quantity
		}
		fmt.Fprintf(&b, "INSERT INTO %sproduct_attribute (id_product_attribute, id_product, reference, price%s) VALUES (%d, %d, '%s', %s%s);\n",
			prefix, q, i+1, products[e["id_product"]], e["reference"], e["price"], v)
	}
	for _, e := range entities(t, "stock_available") {
		q, v := "", ""
		if ps8 {
			q, v = ", physical_quantity", ", "+e["quantity"]
		}
		fmt.Fprintf(&b, "INSERT INTO %sstock_available (id_product, id_product_attribute, id_shop, id_shop_group, quantity%s) VALUES (%s, %s, %s, %s, %s%s);\n",
			prefix, q, e["id_product"], e["id_product_attribute"], e["id_shop"], e["id_shop_group"], e["quantity"], v)
	}
	fmt.Fprintf(&b, "UPDATE %[1]sproduct_attribute SET reference = CONCAT('demo_1-', id_product_attribute) WHERE id_product = 1;\n", prefix)
	fmt.Fprintf(&b, "UPDATE %[1]sproduct_attribute SET reference = 'DEMO 1 XL' WHERE id_product_attribute = 6;\n", prefix)
	fmt.Fprintf(&b, "INSERT INTO %[1]sproduct_lang (id_product, id_shop, id_lang, name, link_rewrite) VALUES (1, 1, 1, 'Faded Short Sleeve T-shirts', 'faded');\n", prefix)
	db.Exec(t, b.String())
	return db
}

// entities reads a fixture file of PrestaShop's installer: one element per
// row, one attribute per column.
func entities(t testing.TB, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(testenv.Fixture(t, "prestashop/ps16-fashion-fixtures/"+name+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var doc struct {
		Entities struct {
			Rows []struct {
				Attrs []xml.Attr `xml:",any,attr"`
			} `xml:",any"`
		} `xml:"entities"`
	}
	if err := xml.NewDecoder(f).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range doc.Entities.Rows {
		m := map[string]string{}
		for _, a := range r.Attrs {
			m[a.Name.Local] = a.Value
		}
		out = append(out, m)
	}
	return out
}

func TestRead(t *testing.T) {
	for _, v := range []struct{ version, prefix string }{{"ps16", "ps_"}, {"ps8", "shop8_"}} {
		t.Run(v.version, func(t *testing.T) {
			db := shop(t, v.version, v.prefix)
			c, info, err := kittest.Read(t, Format{}, db.URL("prestashop", "root", "", "prefix="+v.prefix), connector.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// 7 demo products, all with combinations; product 1's 6
			// combinations have references, the other 39 do not.
			if len(c.Items) != 6 || len(c.Problems) != 39 {
				t.Fatalf("%d items, %d problems", len(c.Items), len(c.Problems))
			}
			it := c.SKU("DEMO 1 XL")
			if it == nil || it.ParentSKU != "demo_1" || it.Quantity.String() != "300" || it.Price.String() != "16.51" || it.Name != "Faded Short Sleeve T-shirts" {
				t.Errorf("DEMO 1 XL = %+v", it)
			}
			if p := c.Problems[0]; p.Column != "product_attribute.reference" || p.Error != "empty SKU" {
				t.Errorf("problem %+v", p)
			}
			if len(info.Notes) != 1 || !strings.Contains(info.Notes[0], "7 products with combinations") {
				t.Errorf("notes %q", info.Notes)
			}
		})
	}
}

func stock(t testing.TB, db *shopdbtest.DB, product int) string {
	t.Helper()
	rows, err := db.Root.Query("SELECT id_product_attribute, id_shop, quantity, physical_quantity, reserved_quantity FROM ps_stock_available WHERE id_product = ? ORDER BY id_shop, id_product_attribute", product)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var a, s, q, ph, r int
		if err := rows.Scan(&a, &s, &q, &ph, &r); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%d@%d:%d/%d/%d ", a, s, q, ph, r)
	}
	return b.String()
}

func TestWriteAndRevert(t *testing.T) {
	db := shop(t, "ps8", "ps_")
	// A reservation on one combination, and shop 2 with its own stock rows.
	db.Exec(t, `UPDATE ps_stock_available SET reserved_quantity = 2, physical_quantity = quantity + 2 WHERE id_product = 1 AND id_product_attribute = 1;
		INSERT INTO ps_stock_available (id_product, id_product_attribute, id_shop, id_shop_group, quantity, physical_quantity)
		SELECT id_product, id_product_attribute, 2, 0, 5, 5 FROM ps_stock_available WHERE id_product = 1`)
	user, pass := db.User(t, [2]string{"SELECT", "*"}, [2]string{"UPDATE", "ps_stock_available"})
	ctx := context.Background()
	w, err := NewWriter(ctx, db.Location(t, "prestashop", user, pass, "shop=1"), shopdb.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rows, err := w.Snapshot(ctx, []string{"demo_1", "demo_1-1", "DEMO 1 XL", "demo_7"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s %s %s %v", r.Key, r.SKU, r.Quantity, r.Unwritable != ""))
	}
	if want := "stock_available#1 demo_1 1799 true|stock_available#8 demo_1-1 299 false|stock_available#13 DEMO 1 XL 300 false|stock_available#7 demo_7 1800 true"; strings.Join(got, "|") != want {
		t.Fatalf("snapshot %q\nwant     %q", strings.Join(got, "|"), want)
	}
	before, other := stock(t, db, 1), stock(t, db, 7)
	var chs []shopdb.Change
	for _, r := range rows[1:3] {
		chs = append(chs, shopdb.Change{Key: r.Key, SKU: r.SKU, Quantity: kittest.Num("10.7"), Expect: r.Quantity})
	}
	replaced, err := w.Write(ctx, chs)
	if err != nil {
		t.Fatal(err)
	}
	// 10 sellable + 2 reserved on combination 1; the product row is the sum
	// of its six combinations (4 × 300 + 2 × 10); shop 2 untouched.
	after := stock(t, db, 1)
	if !strings.HasPrefix(after, "0@1:1220/1222/0 1@1:10/12/2 2@1:300/300/0 3@1:300/300/0 4@1:300/300/0 5@1:300/300/0 6@1:10/10/0 0@2:5/5/0") {
		t.Errorf("after write: %s", after)
	}
	if len(replaced) != 3 || replaced[2].Quantity.String() != "1799" {
		t.Errorf("replaced %+v", replaced)
	}
	// Writing the product row itself is refused.
	if _, err := w.Write(ctx, []shopdb.Change{{Key: rows[0].Key, SKU: "demo_1", Quantity: kittest.Num("1")}}); err == nil || !strings.Contains(err.Error(), "sum of its combinations") {
		t.Errorf("product row: err = %v", err)
	}
	var revert []shopdb.Change
	for _, r := range replaced {
		revert = append(revert, shopdb.Change{Key: r.Key, SKU: r.SKU, Quantity: r.Quantity, Revert: true})
	}
	if _, err := w.Write(ctx, revert); err != nil {
		t.Fatal(err)
	}
	if got := stock(t, db, 1); got != before {
		t.Errorf("after revert:\n%s\nwant\n%s", got, before)
	}
	if got := stock(t, db, 7); got != other {
		t.Errorf("product 7 changed: %s", got)
	}
}

func TestOpenErrors(t *testing.T) {
	db := shopdbtest.New(t)
	for query, want := range map[string]string{
		"shop=0":   `shop="0": want the shop's id_shop`,
		"shop=one": `shop="one"`,
		"":         "table ps_product, ps_product_lang, ps_product_attribute, ps_stock_available not found",
	} {
		_, _, err := kittest.Read(t, Format{}, db.URL("prestashop", "root", "", query), connector.ReadOptions{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", query, err, want)
		}
	}
}

// TestWrite16 writes a PrestaShop 1.6 shop, whose stock_available has no
// physical or reserved quantity yet.
func TestWrite16(t *testing.T) {
	db := shop(t, "ps16", "ps_")
	ctx := context.Background()
	w, err := NewWriter(ctx, db.Location(t, "prestashop", "root", "", ""), shopdb.WriteOptions{Round: shopdb.RoundNone})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rows, err := w.Snapshot(ctx, []string{"demo_1-2"})
	if err != nil || len(rows) != 1 {
		t.Fatalf("snapshot %v, %v", rows, err)
	}
	if _, err := w.Write(ctx, []shopdb.Change{{Key: rows[0].Key, SKU: "demo_1-2", Quantity: kittest.Num("0.5")}}); err == nil || !strings.Contains(err.Error(), "has a fraction") {
		t.Fatalf("--round none: err = %v", err)
	}
	if _, err := w.Write(ctx, []shopdb.Change{{Key: rows[0].Key, SKU: "demo_1-2", Quantity: kittest.Num("0")}}); err != nil {
		t.Fatal(err)
	}
	var own, combo int
	if err := db.Root.QueryRow(`SELECT (SELECT quantity FROM ps_stock_available WHERE id_product = 1 AND id_product_attribute = 0),
		(SELECT quantity FROM ps_stock_available WHERE id_product = 1 AND id_product_attribute = 2)`).Scan(&own, &combo); err != nil {
		t.Fatal(err)
	}
	if own != 1799-300 || combo != 0 {
		t.Errorf("product row %d, combination %d", own, combo)
	}
}
