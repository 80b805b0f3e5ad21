package woocommerce

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb/shopdbtest"
	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
)

// shop loads the real WooCommerce dump under prefix and adds products in the
// shapes real shops hold. With modern, the lookup table is replaced by the one
// WooCommerce 10.5's installer creates (9.2+ global_unique_id column).
func shop(t testing.TB, prefix string, modern bool) *shopdbtest.DB {
	t.Helper()
	db := shopdbtest.New(t)
	db.Load(t, testenv.Fixture(t, "woocommerce/wordpress_woocommerce_phpmyadmin_dump.sql"), strings.NewReplacer("`wp_", "`"+prefix))
	if modern {
		db.Exec(t, "DROP TABLE `"+prefix+"wc_product_meta_lookup`")
		db.Exec(t, lookupDDL(t, prefix))
	}
	var b strings.Builder
	add := func(id, parent int64, typ, title string, meta ...string) {
		fmt.Fprintf(&b, "INSERT INTO `%sposts` (ID, post_parent, post_type, post_title, post_status) VALUES (%d, %d, '%s', '%s', 'publish');\n", prefix, id, parent, typ, title)
		for i := 0; i < len(meta); i += 2 {
			fmt.Fprintf(&b, "INSERT INTO `%spostmeta` (post_id, meta_key, meta_value) VALUES (%d, '%s', %s);\n", prefix, id, meta[i], meta[i+1])
		}
		// The lookup row WooCommerce keeps beside the meta.
		sku, stock, status := "''", "NULL", "'instock'"
		for i := 0; i < len(meta); i += 2 {
			switch meta[i] {
			case "_sku":
				sku = meta[i+1]
			case "_stock":
				stock = meta[i+1]
			case "_stock_status":
				status = meta[i+1]
			}
		}
		fmt.Fprintf(&b, "INSERT INTO `%swc_product_meta_lookup` (product_id, sku, stock_quantity, stock_status) VALUES (%d, %s, %s, %s);\n", prefix, id, sku, stock, status)
	}
	// A simple product with managed stock, one with a fractional and one
	// with a negative stock, and a SKU with an inner space.
	add(1001, 0, "product", "Чашка", "_sku", "'CUP-1'", "_manage_stock", "'yes'", "_stock", "'12'", "_stock_status", "'instock'", "_backorders", "'no'", "_regular_price", "'150'", "_price", "'120'")
	add(1002, 0, "product", "Пляшка", "_sku", "'BTL 2'", "_manage_stock", "'yes'", "_stock", "'0'", "_stock_status", "'outofstock'", "_backorders", "'notify'", "_price", "'99.5'")
	add(1003, 0, "product", "Ваги", "_sku", "'NEG-1'", "_manage_stock", "'yes'", "_stock", "'-2'", "_stock_status", "'onbackorder'", "_backorders", "'yes'")
	// A variable product managing stock for a variation that does not, and a
	// variable product without stock whose variations manage theirs.
	add(1010, 0, "product", "Футболка", "_sku", "'TEE'", "_manage_stock", "'yes'", "_stock", "'30'", "_stock_status", "'instock'")
	add(1011, 1010, "product_variation", "Футболка S", "_sku", "'TEE-S'", "_manage_stock", "'no'", "_stock", "NULL", "_stock_status", "'instock'")
	add(1020, 0, "product", "Худі", "_sku", "'HOOD'", "_manage_stock", "'no'", "_stock_status", "'instock'")
	add(1021, 1020, "product_variation", "Худі M", "_sku", "'HOOD-M'", "_manage_stock", "'yes'", "_stock", "'5'", "_stock_status", "'instock'", "_backorders", "'no'")
	add(1022, 1020, "product_variation", "Худі L", "_sku", "'HOOD-L'", "_manage_stock", "'yes'", "_stock", "'7.5'", "_stock_status", "'instock'", "_backorders", "'no'")
	// The same SKU twice, as a direct SQL import leaves it.
	add(1030, 0, "product", "Дубль А", "_sku", "'DUP'", "_manage_stock", "'yes'", "_stock", "'1'", "_stock_status", "'instock'")
	add(1031, 0, "product", "Дубль Б", "_sku", "'DUP'", "_manage_stock", "'yes'", "_stock", "'2'", "_stock_status", "'instock'")
	db.Exec(t, b.String())
	return db
}

// lookupDDL cuts wc_product_meta_lookup's CREATE TABLE out of WooCommerce's
// installer and fills in what PHP would.
func lookupDDL(t testing.TB, prefix string) string {
	t.Helper()
	src := string(readFixture(t, "woocommerce/class-wc-install.php"))
	start := strings.Index(src, "CREATE TABLE {$wpdb->prefix}wc_product_meta_lookup (")
	if start < 0 {
		t.Fatal("class-wc-install.php: no wc_product_meta_lookup table")
	}
	end := strings.Index(src[start:], ") $collate;")
	ddl := src[start:start+end] + ") DEFAULT CHARSET=utf8mb4"
	return strings.ReplaceAll(ddl, "{$wpdb->prefix}", prefix)
}

func TestRead(t *testing.T) {
	for _, prefix := range []string{"wp_", "FzNj9tB_"} {
		t.Run(prefix, func(t *testing.T) {
			db := shop(t, prefix, prefix != "wp_")
			c, info, err := kittest.Read(t, Format{}, db.URL("woocommerce", "root", "", "prefix="+prefix), connector.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if info.SHA256 != "" || info.Format != "woocommerce" {
				t.Errorf("info = %+v", info)
			}
			want := map[string]string{
				"CUP-1":  "12|yes|120|",
				"BTL 2":  "0|no|99.5|",
				"TEE":    "30|yes||",
				"HOOD-M": "5|yes||HOOD",
				"HOOD-L": "7.5|yes||HOOD",
				// The sample catalogue does not manage stock: availability only.
				"woo-tshirt":        "|yes|18|",
				"woo-vneck-tee-red": "|yes|20|woo-vneck-tee",
			}
			for sku, w := range want {
				it := c.SKU(sku)
				if it == nil {
					t.Errorf("no item %q", sku)
					continue
				}
				avail := map[catalog.Flag]string{catalog.FlagYes: "yes", catalog.FlagNo: "no"}[it.Available]
				if got := strings.Join([]string{it.Quantity.String(), avail, it.Price.String(), it.ParentSKU}, "|"); got != w {
					t.Errorf("%s = %s, want %s", sku, got, w)
				}
			}
			for _, sku := range []string{"HOOD", "woo-hoodie", "TEE-S", "NEG-1"} {
				if c.SKU(sku) != nil {
					t.Errorf("%s read as an item", sku)
				}
			}
			var dups int
			for _, it := range c.Items {
				if it.SKU == "DUP" {
					dups++
				}
			}
			if dups != 2 {
				t.Errorf("DUP yielded %d times, want both rows (duplicates are the planner's)", dups)
			}
			probs := strings.Join(c.ProblemLines(), "\n")
			for _, w := range []string{
				"1003|_stock|quantity|NEG-1|-2|negative quantity",
				"1011|_manage_stock|quantity|TEE-S|no|the variation's stock is kept by its parent product #1010",
			} {
				if !strings.Contains(probs, w) {
					t.Errorf("problems lack %q:\n%s", w, probs)
				}
			}
			if len(info.Notes) != 1 || !strings.Contains(info.Notes[0], "variable products without stock") {
				t.Errorf("notes = %q", info.Notes)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	db := shop(t, "wp_", false)
	user, pass := db.User(t, [2]string{"SELECT", "*"})
	cases := []struct {
		name, url, want string
	}{
		{"wrong password", db.URL("woocommerce", user, "not-"+pass, ""), "wrong user or password"},
		{"other prefix", db.URL("woocommerce", user, pass, "prefix=shop_"), "table shop_posts, shop_postmeta not found"},
		{"bad prefix", db.URL("woocommerce", user, pass, "prefix=wp-shop"), "a table prefix holds only letters"},
		{"unknown parameter", db.URL("woocommerce", user, pass, "prefx=wp_"), `unknown parameter "prefx"`},
		{"unreachable", "woocommerce://" + user + ":" + pass + "@127.0.0.1:1/" + db.Name, "connection refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := kittest.Read(t, Format{}, c.url, connector.ReadOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if strings.Contains(err.Error(), pass) {
				t.Fatalf("the password is in the error: %v", err)
			}
		})
	}
}

func readFixture(t testing.TB, rel string) []byte {
	t.Helper()
	return mustRead(t, testenv.Fixture(t, rel))
}

func newWriter(t testing.TB, loc connector.Location, opt shopdb.WriteOptions) *Writer {
	t.Helper()
	w, err := NewWriter(context.Background(), loc, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// state is what the shop holds for a post: _stock, _stock_status and the
// lookup row's quantity and status.
func state(t testing.TB, db *shopdbtest.DB, id int64) string {
	t.Helper()
	var stock, status, lq, ls *string
	err := db.Root.QueryRow(`SELECT
		(SELECT meta_value FROM wp_postmeta WHERE post_id = ? AND meta_key = '_stock'),
		(SELECT meta_value FROM wp_postmeta WHERE post_id = ? AND meta_key = '_stock_status'),
		(SELECT stock_quantity FROM wp_wc_product_meta_lookup WHERE product_id = ?),
		(SELECT stock_status FROM wp_wc_product_meta_lookup WHERE product_id = ?)`, id, id, id, id).Scan(&stock, &status, &lq, &ls)
	if err != nil {
		t.Fatal(err)
	}
	s := func(p *string) string {
		if p == nil {
			return "NULL"
		}
		return *p
	}
	return strings.Join([]string{s(stock), s(status), s(lq), s(ls)}, " ")
}

func changes(rows []shopdb.Row, qty map[string]string) []shopdb.Change {
	var out []shopdb.Change
	for _, r := range rows {
		if q, ok := qty[r.SKU]; ok {
			out = append(out, shopdb.Change{Key: r.Key, SKU: r.SKU, Quantity: kittest.Num(q), Expect: r.Quantity})
		}
	}
	return out
}

func TestWriteAndRevert(t *testing.T) {
	db := shop(t, "wp_", true)
	// The grants docs/setup-shop-master.md asks for, and no more.
	user, pass := db.User(t, [2]string{"SELECT", "wp_posts"}, [2]string{"SELECT, UPDATE", "wp_postmeta"}, [2]string{"SELECT, UPDATE", "wp_wc_product_meta_lookup"})
	w := newWriter(t, db.Location(t, "woocommerce", user, pass, ""), shopdb.WriteOptions{})
	ctx := context.Background()
	rows, err := w.Snapshot(ctx, []string{"CUP-1", "BTL 2", "HOOD-L", "TEE-S", "HOOD", "cup-1"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s %s %s %v", r.Key, r.SKU, r.Quantity, r.Unwritable != ""))
	}
	want := []string{`posts#1001 CUP-1 12 false`, `posts#1002 BTL 2 0 false`, `posts#1011 TEE-S  true`, `posts#1020 HOOD  true`, `posts#1022 HOOD-L 7.5 false`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("snapshot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	before := map[int64]string{1001: state(t, db, 1001), 1002: state(t, db, 1002), 1022: state(t, db, 1022)}
	replaced, err := w.Write(ctx, changes(rows, map[string]string{"CUP-1": "0", "BTL 2": "4.9", "HOOD-L": "8"}))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]string{1001: "0 outofstock 0 outofstock", 1002: "4 instock 4 instock", 1022: "8 instock 8 instock"} {
		if got := state(t, db, id); got != want {
			t.Errorf("post %d after write = %q, want %q", id, got, want)
		}
	}
	// The revert writes the journaled old values back.
	var revert []shopdb.Change
	for _, r := range replaced {
		revert = append(revert, shopdb.Change{Key: r.Key, SKU: r.SKU, Quantity: r.Quantity, Status: r.Status, Revert: true})
	}
	if _, err := w.Write(ctx, revert); err != nil {
		t.Fatal(err)
	}
	for id, want := range before {
		if got := state(t, db, id); got != want {
			t.Errorf("post %d after revert = %q, want %q", id, got, want)
		}
	}
}

func TestWriteRefusals(t *testing.T) {
	db := shop(t, "wp_", false)
	ctx := context.Background()
	w := newWriter(t, db.Location(t, "woocommerce", "root", "", ""), shopdb.WriteOptions{Round: shopdb.RoundNone})
	rows, err := w.Snapshot(ctx, []string{"CUP-1", "TEE-S", "HOOD-M"})
	if err != nil {
		t.Fatal(err)
	}
	// The same SKU twice in the shop: both rows, for the plan to refuse.
	if dup, err := w.Snapshot(ctx, []string{"DUP"}); err != nil || len(dup) != 2 || dup[0].Key.ID != 1030 || dup[1].Key.ID != 1031 {
		t.Errorf("duplicate SKU: %+v, %v", dup, err)
	}
	before := state(t, db, 1001)
	cases := []struct {
		name string
		prep func()
		ch   map[string]string
		want string
	}{
		{"fraction under --round none", nil, map[string]string{"CUP-1": "3", "HOOD-M": "2.5"}, "has a fraction"},
		{"stock kept by the parent", nil, map[string]string{"CUP-1": "3", "TEE-S": "1"}, "cannot be written"},
		{"changed since the plan", func() {
			db.Exec(t, "UPDATE wp_postmeta SET meta_value = '6' WHERE post_id = 1021 AND meta_key = '_stock'")
		},
			map[string]string{"CUP-1": "3", "HOOD-M": "1"}, "changed since the plan was made: expected 5, found 6"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.prep != nil {
				c.prep()
			}
			_, err := w.Write(ctx, changes(rows, c.ch))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if got := state(t, db, 1001); got != before {
				t.Fatalf("CUP-1 written despite the error: %q, was %q", got, before)
			}
		})
	}
	var stale *shopdb.StaleError
	if _, err := w.Write(ctx, changes(rows, map[string]string{"HOOD-M": "1"})); !errors.As(err, &stale) {
		t.Errorf("err = %v, want a *shopdb.StaleError", err)
	}
}

func TestWriteWithoutUpdateGrant(t *testing.T) {
	db := shop(t, "wp_", false)
	user, pass := db.User(t, [2]string{"SELECT", "*"})
	w := newWriter(t, db.Location(t, "woocommerce", user, pass, ""), shopdb.WriteOptions{})
	ctx := context.Background()
	rows, err := w.Snapshot(ctx, []string{"CUP-1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Write(ctx, changes(rows, map[string]string{"CUP-1": "3"}))
	if err == nil || !strings.Contains(err.Error(), "lacks a grant") {
		t.Fatalf("err = %v", err)
	}
}

// TestLostConnection kills the writer's connection between two batch
// statements: the server rolls the transaction back and no row changes.
func TestLostConnection(t *testing.T) {
	db := shop(t, "wp_", false)
	ctx := context.Background()
	loc := db.Location(t, "woocommerce", "root", "", "")
	probe := newWriter(t, loc, shopdb.WriteOptions{})
	rows, err := probe.Snapshot(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	qty := map[string]string{}
	var ids []int64
	for _, r := range rows {
		if r.Unwritable == "" && r.SKU != "DUP" {
			qty[r.SKU] = "77"
			ids = append(ids, r.Key.ID)
		}
	}
	before := map[int64]string{}
	for _, id := range ids {
		before[id] = state(t, db, id)
	}
	// The writer connects as its own user, so its connection is the only one
	// of that user in the process list.
	user, pass := db.User(t, [2]string{"SELECT, UPDATE", "*"})
	killed := false
	w := newWriter(t, db.Location(t, "woocommerce", user, pass, ""), shopdb.WriteOptions{BatchSize: 1, Progress: func(n int) {
		// One locking read per row, then two of the _stock updates have run.
		if n == len(ids)+2 {
			var id int64
			if err := db.Root.QueryRow("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?", user).Scan(&id); err != nil {
				t.Errorf("find the writer's connection: %v", err)
				return
			}
			db.Exec(t, fmt.Sprintf("KILL %d", id))
			killed = true
		}
	}})
	_, err = w.Write(ctx, changes(rows, qty))
	if !killed || err == nil {
		t.Fatalf("killed %v, err = %v", killed, err)
	}
	if w.Statements() != len(ids)+3 {
		t.Errorf("%d statements ran, want the write to stop at the first after the kill (%d)", w.Statements(), len(ids)+3)
	}
	for _, id := range ids {
		if got := state(t, db, id); got != before[id] {
			t.Errorf("post %d = %q after the lost connection, was %q", id, got, before[id])
		}
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
