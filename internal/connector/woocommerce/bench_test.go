package woocommerce

import (
	"context"
	"fmt"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb/shopdbtest"
)

// Catalogue size of the benchmarks: simple products, variable products and
// variations per variable product; 40,000 + 10,000 + 50,000 = 100,000 posts.
const (
	benchSimple     = 40000
	benchVariable   = 10000
	benchVariations = 5
)

// bigShop loads the real dump and adds the benchmark catalogue with
// MariaDB's sequence tables, so that setting up stays a few statements.
func bigShop(b *testing.B) *shopdbtest.DB {
	b.Helper()
	db := shop(b, "wp_", true)
	meta := func(where string, kv ...string) {
		for i := 0; i < len(kv); i += 2 {
			db.Exec(b, fmt.Sprintf("INSERT INTO wp_postmeta (post_id, meta_key, meta_value) SELECT ID, '%s', %s FROM wp_posts WHERE %s", kv[i], kv[i+1], where))
		}
	}
	db.Exec(b, fmt.Sprintf(`INSERT INTO wp_posts (ID, post_type, post_title, post_status)
		SELECT 100000 + seq, 'product', CONCAT('Товар ', seq), 'publish' FROM seq_1_to_%d`, benchSimple+benchVariable))
	db.Exec(b, fmt.Sprintf(`INSERT INTO wp_posts (ID, post_parent, post_type, post_title, post_status)
		SELECT 200000 + p.seq * 10 + v.seq, 100000 + %d + p.seq, 'product_variation', CONCAT('Варіант ', p.seq, '-', v.seq), 'publish'
		FROM seq_1_to_%d p, seq_1_to_%d v`, benchSimple, benchVariable, benchVariations))
	managed := fmt.Sprintf("ID > 100000 AND NOT (ID > %d AND ID < 200000)", 100000+benchSimple)
	meta("ID > 100000", "_sku", "CONCAT('SKU-', ID)")
	meta(managed, "_manage_stock", "'yes'", "_stock", "ID % 50", "_stock_status", "'instock'", "_backorders", "'no'", "_price", "'199.90'")
	meta(fmt.Sprintf("ID > %d AND ID < 200000", 100000+benchSimple), "_manage_stock", "'no'")
	db.Exec(b, "INSERT INTO wp_wc_product_meta_lookup (product_id, sku, stock_quantity, stock_status) SELECT ID, CONCAT('SKU-', ID), ID % 50, 'instock' FROM wp_posts WHERE "+managed)
	db.Exec(b, "ANALYZE TABLE wp_posts, wp_postmeta")
	return db
}

func BenchmarkRead100k(b *testing.B) {
	db := bigShop(b)
	for b.Loop() {
		var d kittest.Discard
		loc := db.Location(b, "woocommerce", "root", "", "")
		r, err := Format{}.Open(context.Background(), loc, connector.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Read(context.Background(), &d); err != nil {
			b.Fatal(err)
		}
		r.Close()
		if d.Items < benchSimple+benchVariable*benchVariations {
			b.Fatalf("%d items", d.Items)
		}
	}
}

func BenchmarkWrite10k(b *testing.B) {
	db := bigShop(b)
	ctx := context.Background()
	w := newWriter(b, db.Location(b, "woocommerce", "root", "", ""), shopdb.WriteOptions{})
	rows, err := w.Snapshot(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	var chs []shopdb.Change
	for _, r := range rows {
		if r.Unwritable == "" && r.Key.ID > 100000 && len(chs) < 10000 {
			chs = append(chs, shopdb.Change{Key: r.Key, SKU: r.SKU})
		}
	}
	n := 0
	for b.Loop() {
		n++
		for i := range chs {
			chs[i].Quantity = kittest.Num(fmt.Sprint(n + i%7))
		}
		if _, err := w.Write(ctx, chs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(w.Statements()), "statements")
	b.ReportMetric(float64(len(chs)), "rows")
}
