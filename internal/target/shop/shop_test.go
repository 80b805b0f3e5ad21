package shop

import (
	"context"
	"errors"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb/shopdbtest"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// fakeWriter holds rows in memory and checks Expect as the real writers do.
type fakeWriter struct {
	rows    []shopdb.Row
	written []shopdb.Change
}

func (w *fakeWriter) Snapshot(_ context.Context, skus []string) ([]shopdb.Row, error) {
	want := shopdb.Wanted(skus)
	var out []shopdb.Row
	for _, r := range w.rows {
		if want(r.SKU) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (w *fakeWriter) Write(_ context.Context, changes []shopdb.Change) ([]shopdb.Row, error) {
	var replaced []shopdb.Row
	for _, ch := range changes {
		for _, r := range w.rows {
			if r.Key != ch.Key {
				continue
			}
			if err := shopdb.Check(ch, true, r.SKU, r.Quantity); err != nil {
				return nil, err
			}
			replaced = append(replaced, r)
		}
	}
	w.written = changes
	return replaced, nil
}

func (w *fakeWriter) Statements() int { return 1 }
func (w *fakeWriter) Close() error    { return nil }

func qty(s string) catalog.Num { return catalog.Known(decimal.MustParse(s)) }

func testShop() (*Shop, *fakeWriter) {
	w := &fakeWriter{rows: []shopdb.Row{
		{Key: shopdb.Key{Table: "posts", ID: 1}, SKU: "A", Quantity: qty("3")},
		{Key: shopdb.Key{Table: "posts", ID: 2}, SKU: "DUP", Quantity: qty("1")},
		{Key: shopdb.Key{Table: "posts", ID: 3}, SKU: "DUP", Quantity: qty("2")},
		{Key: shopdb.Key{Table: "posts", ID: 4}, SKU: "VAR", Unwritable: "its parent keeps its stock"},
		{Key: shopdb.Key{Table: "posts", ID: 5}, SKU: "NULL"},
	}}
	return &Shop{w: w}, w
}

func TestSnapshot(t *testing.T) {
	s, _ := testShop()
	snap, err := s.Snapshot(context.Background(), target.Need{SKUs: []string{"A", "DUP", "VAR", "NULL"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Offers) != 2 || snap.Offers[0].SKU != "A" || snap.Offers[0].Total.Quantity.String() != "3" || !snap.Offers[1].Total.Unknown {
		t.Errorf("offers = %+v", snap.Offers)
	}
	if len(snap.Duplicates) != 1 || len(snap.Duplicates[0].Rows) != 2 || !snap.Excluded["DUP"] {
		t.Errorf("duplicates = %+v", snap.Duplicates)
	}
	if len(snap.Problems) != 1 || !snap.Excluded["VAR"] {
		t.Errorf("problems = %+v", snap.Problems)
	}
}

func TestWriteStale(t *testing.T) {
	s, w := testShop()
	if _, err := s.Snapshot(context.Background(), target.Need{Full: true}); err != nil {
		t.Fatal(err)
	}
	w.rows[0].Quantity = qty("2") // a sale after the plan
	b := target.Batch{Entries: []plan.Change{{SKU: "A", Field: catalog.FieldQuantity,
		From: plan.NumberValue(decimal.FromInt(3)), To: plan.NumberValue(decimal.FromInt(7))}}}
	err := s.Write(context.Background(), b)
	var stale *shopdb.StaleError
	if !errors.As(err, &stale) || s.Stale() == nil || w.written != nil {
		t.Fatalf("Write = %v, stale %v, written %v", err, s.Stale(), w.written)
	}
	if _, all := s.Refused(err, b); !all {
		t.Error("a failed transaction must refuse the whole batch")
	}
	b.Entries[0].From = plan.NumberValue(decimal.FromInt(2))
	if err := s.Reverting().Write(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if ch := w.written[0]; ch.Key.ID != 1 || !ch.Revert || ch.Quantity.String() != "7" {
		t.Errorf("written %+v", ch)
	}
}

func TestWriteUnknownSKU(t *testing.T) {
	s, _ := testShop()
	err := s.Write(context.Background(), target.Batch{Entries: []plan.Change{{SKU: "DUP", Field: catalog.FieldQuantity}}})
	if err == nil {
		t.Fatal("a duplicate SKU was written")
	}
}

func TestUnmask(t *testing.T) {
	for in, want := range map[string]string{
		"woocommerce://shop:****@db:3306/wp":   "woocommerce://shop@db:3306/wp",
		"woocommerce://shop:s3cret@db:3306/wp": "woocommerce://shop:s3cret@db:3306/wp",
		"opencart://db/oc":                     "opencart://db/oc",
	} {
		if got := unmask(in); got != want {
			t.Errorf("unmask(%q) = %q, want %q", in, got, want)
		}
	}
	for loc, want := range map[string]bool{"WooCommerce://x/y": true, "prestashop://x/y": true, "mysql://x/y": false, "stock.csv": false} {
		if Is(loc) != want {
			t.Errorf("Is(%q) = %v", loc, !want)
		}
	}
}

// TestStaleAgainstMariaDB plans against a real WooCommerce database, lets the shop
// sell one item before the write, and checks that the write is refused whole: no
// row of the batch changes.
func TestStaleAgainstMariaDB(t *testing.T) {
	db := shopdbtest.New(t)
	db.Load(t, testenv.Fixture(t, "woocommerce/wordpress_woocommerce_phpmyadmin_dump.sql"), nil)
	db.Exec(t, `INSERT INTO wp_posts (ID, post_parent, post_type, post_title, post_status) VALUES (901, 0, 'product', 'A', 'publish'), (902, 0, 'product', 'B', 'publish');
		INSERT INTO wp_postmeta (post_id, meta_key, meta_value) VALUES (901, '_sku', 'A'), (901, '_manage_stock', 'yes'), (901, '_stock', '3'), (901, '_stock_status', 'instock'),
			(902, '_sku', 'B'), (902, '_manage_stock', 'yes'), (902, '_stock', '5'), (902, '_stock_status', 'instock');
		INSERT INTO wp_wc_product_meta_lookup (product_id, sku, stock_quantity, stock_status) VALUES (901, 'A', 3, 'instock'), (902, 'B', 5, 'instock');`)
	ctx := context.Background()
	s, err := Open(ctx, db.URL("woocommerce", "root", "", ""), shopdb.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Snapshot(ctx, target.Need{SKUs: []string{"A", "B"}}); err != nil {
		t.Fatal(err)
	}
	db.Exec(t, "UPDATE wp_postmeta SET meta_value = '2' WHERE post_id = 902 AND meta_key = '_stock'")
	change := func(sku string, from, to int64) plan.Change {
		return plan.Change{SKU: sku, Field: catalog.FieldQuantity, From: plan.NumberValue(decimal.FromInt(from)), To: plan.NumberValue(decimal.FromInt(to))}
	}
	err = s.Write(ctx, target.Batch{Entries: []plan.Change{change("A", 3, 10), change("B", 5, 10)}})
	if s.Stale() == nil || s.Stale().SKU != "B" {
		t.Fatalf("Write = %v; want B stale", err)
	}
	var got string
	if err := db.Root.QueryRow("SELECT GROUP_CONCAT(meta_value ORDER BY post_id) FROM wp_postmeta WHERE post_id IN (901, 902) AND meta_key = '_stock'").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "3,2" {
		t.Errorf("stock after a refused write = %s, want 3,2 (unchanged)", got)
	}
}
