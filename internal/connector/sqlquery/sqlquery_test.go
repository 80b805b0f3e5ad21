package sqlquery

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/conformance"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb/shopdbtest"
)

// TestConformance writes the demo catalogue into a MariaDB table, one text
// column per field, and reads it back with a query.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Case{
		Format: Format{},
		Write: func(t testing.TB, _ string, cols []string, rows []conformance.Row) string {
			db := shopdbtest.New(t)
			defs := []string{"n INT PRIMARY KEY"}
			for _, c := range cols {
				defs = append(defs, "`"+c+"` TEXT")
			}
			db.Exec(t, "CREATE TABLE items ("+strings.Join(defs, ", ")+")")
			const batch = 1000
			for lo := 0; lo < len(rows); lo += batch {
				var vals []string
				var args []any
				for i, r := range rows[lo:min(lo+batch, len(rows))] {
					ph := []string{"?"}
					args = append(args, lo+i+1)
					for _, c := range cols {
						v, ok := r[c]
						if c == "image_url" {
							v = strings.Join(r.Images(), " ")
						}
						ph = append(ph, "?")
						if ok {
							args = append(args, v)
						} else {
							args = append(args, nil)
						}
					}
					vals = append(vals, "("+strings.Join(ph, ",")+")")
				}
				db.Exec(t, "INSERT INTO items VALUES "+strings.Join(vals, ","), args...)
			}
			return db.URL("mysql", "root", "", "")
		},
		Row:     func(i int) int { return i + 1 },
		Column:  func(field string) string { return field },
		Options: connector.ReadOptions{Query: "SELECT * FROM items ORDER BY n"},
	})
}

func TestPostgres(t *testing.T) {
	pg := shopdbtest.NewPostgres(t)
	pg.Exec(t, `CREATE TABLE stock (article text, qty numeric(12,3), price numeric(10,2), active boolean, store text);
		INSERT INTO stock VALUES ('A-1', 5, 10.50, true, 'Київ'), ('A-2', 1.5, NULL, false, 'Львів'), ('A 3', -1, 3, true, 'Київ')`)
	c, info, err := kittest.Read(t, Format{}, pg.URL(), connector.ReadOptions{
		Query: "SELECT article AS sku, qty AS quantity, price, active AS available, store AS warehouse, 1 AS extra FROM stock ORDER BY article"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range c.Items {
		got = append(got, fmt.Sprintf("%s %s %s %d %s@%s", it.SKU, it.Quantity, it.Price, it.Available, it.Warehouse, it.WarehouseColumn))
	}
	if want := "A-1 5 10.5 1 Київ@warehouse|A-2 1.5  2 Львів@warehouse"; strings.Join(got, "|") != want {
		t.Errorf("items %q\nwant  %q", strings.Join(got, "|"), want)
	}
	if lines := c.ProblemLines(); len(lines) != 1 || lines[0] != "1|quantity|quantity|A 3|-1.000|negative quantity" {
		t.Errorf("problems %q", lines)
	}
	if strings.Join(info.Fields, ",") != "sku,quantity,warehouse,available,price" || len(info.Notes) != 1 || info.SHA256 != "" {
		t.Errorf("info %+v", info)
	}
}

func TestErrors(t *testing.T) {
	db := shopdbtest.New(t)
	db.Exec(t, "CREATE TABLE t (code TEXT, q INT, sku TEXT); INSERT INTO t VALUES ('X', 1, 'X')")
	pg := shopdbtest.NewPostgres(t)
	cases := []struct{ url, query, want string }{
		{db.URL("mysql", "root", "", ""), "", "give the query to run with --query SQL"},
		{db.URL("mysql", "root", "", ""), "SELECT code, q AS quantity FROM t", "the query returns no sku column (columns: code, quantity)"},
		{db.URL("mysql", "root", "", ""), "SELECT code AS sku, sku FROM t", `returns field "sku" twice`},
		{db.URL("mysql", "root", "", ""), "SELECT * FROM missing", "the query failed"},
		{db.URL("mysql", "root", "", "prefix=x"), "SELECT 1", "take no parameters"},
		{db.URL("mysql", "root", "s3cret-pw", ""), "SELECT 1", "wrong user or password"},
		{"postgres://postgres:s3cret-pw@" + pg.Addr + "/no_such_db_kcs", "SELECT 1", "no_such_db_kcs"},
		{"postgres://postgres@127.0.0.1:1/x", "SELECT 1", "connect to postgres://postgres@127.0.0.1:1/x"},
	}
	for _, c := range cases {
		_, _, err := kittest.Read(t, Format{}, c.url, connector.ReadOptions{Query: c.query})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: err = %v, want %q", c.url, c.query, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("password printed: %v", err)
		}
	}
}
