package opencart

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb/shopdbtest"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
)

// oc3 loads OpenCart 3.0's installer SQL (schema and demo catalogue) as the
// installer does, skipping its "-----" separator lines.
func oc3(t testing.TB) *shopdbtest.DB {
	t.Helper()
	db := shopdbtest.New(t)
	db.Load(t, testenv.Fixture(t, "opencart/opencart-3.0.x_install.sql"), nil)
	return db
}

// oc4 loads the OpenCart 4.1 tables and a master product with two variants
// whose SKUs live in product_code, one variant still on product.sku.
func oc4(t testing.TB) *shopdbtest.DB {
	t.Helper()
	db := shopdbtest.New(t)
	db.Load(t, "testdata/opencart4.sql", nil)
	db.Exec(t, `INSERT INTO oc_product (product_id, master_id, model, sku, quantity, price, status) VALUES
		(100, 0, 'M-100', '', 0, 500, 1), (101, 100, 'M-100', '', 4, 500, 1), (102, 100, 'M-100', '', 6, 520, 1), (103, 100, 'M-100', 'OLD-SKU', 1, 500, 0);
		INSERT INTO oc_product_code (product_id, code, value) VALUES (100, 'SKU', 'TEE'), (101, 'sku', 'TEE-S'), (102, 'Sku', 'TEE M'), (102, 'ean', '4820000000001');
		INSERT INTO oc_product_description (product_id, language_id, name) VALUES (100, 2, 'Футболка'), (100, 1, 'T-shirt'), (101, 1, 'T-shirt S');`)
	return db
}

func TestReadOpenCart3(t *testing.T) {
	db := oc3(t)
	c, info, err := kittest.Read(t, Format{}, db.URL("opencart", "root", "", ""), connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Items) != 19 || len(c.Problems) != 0 {
		t.Fatalf("%d items, problems %q", len(c.Items), c.ProblemLines())
	}
	for sku, want := range map[string]string{"Product 1": "939 100", "product 11": "970 101", "SAM1": "0 199.99"} {
		it := c.SKU(sku)
		if it == nil {
			t.Fatalf("no %q", sku)
		}
		if got := it.Quantity.String() + " " + it.Price.String(); got != want {
			t.Errorf("%s = %s, want %s", sku, got, want)
		}
	}
	if c.SKU("Product 1").Name != "HTC Touch HD" {
		t.Errorf("name = %q", c.SKU("Product 1").Name)
	}
	if len(info.Notes) != 1 || !strings.Contains(info.Notes[0], "16 option values") || !strings.Contains(info.Notes[0], "option_sku=COLUMN") {
		t.Errorf("notes = %q", info.Notes)
	}

	c, _, err = kittest.Read(t, Format{}, db.URL("opencart", "root", "", "key=sku"), connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Items) != 1 || c.Items[0].SKU != "test 1" || len(c.Problems) != 18 || !strings.Contains(c.ProblemLines()[0], "28|sku|sku|||empty SKU") {
		t.Errorf("key=sku: items %v, problems %q", c.Items, c.ProblemLines())
	}

	// An option-SKU module's column names option values.
	db.Exec(t, "ALTER TABLE oc_product_option_value ADD `sku` varchar(64) NOT NULL DEFAULT ''; UPDATE oc_product_option_value SET sku = CONCAT('OPT-', product_option_value_id) WHERE product_id = 30")
	c, info, err = kittest.Read(t, Format{}, db.URL("opencart", "root", "", "option_sku=sku"), connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if it := c.SKU("OPT-16"); it == nil || it.Quantity.String() != "5" || it.ParentSKU != "Product 3" {
		t.Errorf("OPT-16 = %+v", it)
	}
	if len(c.Problems) != 14 || len(info.Notes) != 0 {
		t.Errorf("option values without a SKU: %d problems, notes %q", len(c.Problems), info.Notes)
	}
}

func TestReadOpenCart4(t *testing.T) {
	db := oc4(t)
	c, _, err := kittest.Read(t, Format{}, db.URL("opencart", "root", "", "key=sku"), connector.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range c.Items {
		got = append(got, fmt.Sprintf("%s<%s %s %s %q", it.SKU, it.ParentSKU, it.Quantity, it.Price, it.Name))
	}
	want := []string{`TEE< 0 500 "T-shirt"`, `TEE-S<TEE 4 500 "T-shirt S"`, `TEE M<TEE 6 520 ""`, `OLD-SKU<TEE 1 500 ""`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("items:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if it := c.SKU("OLD-SKU"); it == nil || it.Available != catalog.FlagNo {
		t.Errorf("a disabled product is not available: %+v", it)
	}
}

func TestOpenErrors(t *testing.T) {
	db := oc4(t)
	for query, want := range map[string]string{
		"key=ean":          `key="ean": want key=model or key=sku`,
		"option_sku=code":  `option_sku="code": oc_product_option_value has no such column`,
		"option_sku=a%20b": `option_sku="a b"`,
		"prefix=shop_":     "table shop_product, shop_product_option_value not found",
	} {
		_, _, err := kittest.Read(t, Format{}, db.URL("opencart", "root", "", query), connector.ReadOptions{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", query, err, want)
		}
	}
}

func quantities(t testing.TB, db *shopdbtest.DB, table, id string) string {
	t.Helper()
	rows, err := db.Root.Query(fmt.Sprintf("SELECT %s, quantity FROM %s ORDER BY %s", id, table, id))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, q int64
		if err := rows.Scan(&id, &q); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%d=%d ", id, q)
	}
	return b.String()
}

func TestWrite(t *testing.T) {
	db := oc3(t)
	db.Exec(t, "ALTER TABLE oc_product_option_value ADD `sku` varchar(64) NOT NULL DEFAULT ''; UPDATE oc_product_option_value SET sku = CONCAT('OPT-', product_option_value_id)")
	loc := func(user, pass string) connector.Location {
		return db.Location(t, "opencart", user, pass, "option_sku=sku")
	}
	ctx := context.Background()
	// The installer's MyISAM tables cannot roll back.
	if _, err := NewWriter(ctx, loc("root", ""), shopdb.WriteOptions{}); err == nil || !strings.Contains(err.Error(), "ALTER TABLE oc_product ENGINE=InnoDB") {
		t.Fatalf("MyISAM: err = %v", err)
	}
	db.Exec(t, "ALTER TABLE oc_product ENGINE=InnoDB; ALTER TABLE oc_product_option_value ENGINE=InnoDB")
	// A second product with the same model, as a copied product keeps it.
	db.Exec(t, "INSERT INTO oc_product (product_id, model, quantity) VALUES (50, 'SAM1', 3)")
	user, pass := db.User(t, [2]string{"SELECT", "*"}, [2]string{"UPDATE", "oc_product"}, [2]string{"UPDATE", "oc_product_option_value"})
	w, err := NewWriter(ctx, loc(user, pass), shopdb.WriteOptions{Round: shopdb.RoundNearest, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rows, err := w.Snapshot(ctx, []string{"SAM1", "Product 3", "OPT-16", "OPT-15", "sam1"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s %s %s", r.Key, r.SKU, r.Quantity))
	}
	if want := "product#30 Product 3 7|product#49 SAM1 0|product#50 SAM1 3|product_option_value#15 OPT-15 2|product_option_value#16 OPT-16 5"; strings.Join(got, "|") != want {
		t.Fatalf("snapshot %q\nwant %q", strings.Join(got, "|"), want)
	}
	products, options := quantities(t, db, "oc_product", "product_id"), quantities(t, db, "oc_product_option_value", "product_option_value_id")
	var chs []shopdb.Change
	for i, r := range rows {
		chs = append(chs, shopdb.Change{Key: r.Key, SKU: r.SKU, Quantity: kittest.Num(fmt.Sprintf("%d.5", 10+i)), Expect: r.Quantity})
	}
	replaced, err := w.Write(ctx, chs)
	if err != nil {
		t.Fatal(err)
	}
	if got := quantities(t, db, "oc_product", "product_id"); !strings.Contains(got, "30=11 ") || !strings.Contains(got, "49=12 ") || !strings.Contains(got, "50=13 ") {
		t.Errorf("products after write: %s", got)
	}
	if got := quantities(t, db, "oc_product_option_value", "product_option_value_id"); !strings.Contains(got, "15=14 ") || !strings.Contains(got, "16=15 ") {
		t.Errorf("option values after write: %s", got)
	}
	// 2 locking reads, 3 + 1 updates: batches of two rows.
	if w.Statements() != 2+3+1 {
		t.Errorf("%d statements", w.Statements())
	}
	var revert []shopdb.Change
	for _, r := range replaced {
		revert = append(revert, shopdb.Change{Key: r.Key, SKU: r.SKU, Quantity: r.Quantity, Revert: true})
	}
	if _, err := w.Write(ctx, revert); err != nil {
		t.Fatal(err)
	}
	if got := quantities(t, db, "oc_product", "product_id"); got != products {
		t.Errorf("products after revert:\n%s\nwant\n%s", got, products)
	}
	if got := quantities(t, db, "oc_product_option_value", "product_option_value_id"); got != options {
		t.Errorf("option values after revert:\n%s\nwant\n%s", got, options)
	}
	// A stale row refuses the whole write.
	db.Exec(t, "UPDATE oc_product SET quantity = 8 WHERE product_id = 30")
	if _, err := w.Write(ctx, chs); err == nil || !strings.Contains(err.Error(), "expected 7, found 8") {
		t.Errorf("stale: err = %v", err)
	}
	if got := quantities(t, db, "oc_product_option_value", "product_option_value_id"); got != options {
		t.Errorf("option values written despite a stale product: %s", got)
	}
}

// TestWriteOpenCart4 writes variants found by their product_code SKU.
func TestWriteOpenCart4(t *testing.T) {
	db := oc4(t)
	ctx := context.Background()
	w, err := NewWriter(ctx, db.Location(t, "opencart", "root", "", "key=sku"), shopdb.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rows, err := w.Snapshot(ctx, []string{"TEE M", "OLD-SKU", "tee m"})
	if err != nil || len(rows) != 2 || rows[0].Key.ID != 102 || rows[1].Key.ID != 103 {
		t.Fatalf("snapshot %+v, %v", rows, err)
	}
	if _, err := w.Write(ctx, []shopdb.Change{{Key: rows[0].Key, SKU: "TEE M", Quantity: kittest.Num("2.9")}}); err != nil {
		t.Fatal(err)
	}
	if got := quantities(t, db, "oc_product", "product_id"); got != "100=0 101=4 102=2 103=1 " {
		t.Errorf("after write: %s", got)
	}
	// A row whose SKU was edited since the snapshot is stale.
	db.Exec(t, "UPDATE oc_product_code SET value = 'TEE-M2' WHERE product_id = 102 AND code = 'Sku'")
	if _, err := w.Write(ctx, []shopdb.Change{{Key: rows[0].Key, SKU: "TEE M", Quantity: kittest.Num("5")}}); err == nil || !strings.Contains(err.Error(), `expected SKU "TEE M", found SKU "TEE-M2"`) {
		t.Errorf("edited SKU: err = %v", err)
	}
}
