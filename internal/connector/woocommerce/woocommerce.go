// Package woocommerce reads and writes stock in a WooCommerce database
// (woocommerce://USER@HOST:PORT/DB?prefix=wp_). Products are wp_posts rows of
// type product and product_variation with their wp_postmeta (_sku, _stock,
// _manage_stock, _stock_status, _backorders, prices); the table prefix is the
// one wp-config.php sets.
package woocommerce

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
)

// Format reads WooCommerce databases.
type Format struct{}

// Name is the --format value.
func (Format) Name() string { return "woocommerce" }

// Schemes are the URL schemes the registry gives this format.
func (Format) Schemes() []string { return []string{"woocommerce"} }

// Detect accepts nothing else: only woocommerce:// URLs are this format's, and the
// registry finds them by Schemes.
func (Format) Detect(connector.Location, []byte) bool { return false }

var _ connector.SchemeFormat = Format{}

// Open connects and checks that the product tables are there.
func (Format) Open(ctx context.Context, loc connector.Location, opt connector.ReadOptions) (connector.Reader, error) {
	if err := connector.CheckOptions("woocommerce", opt); err != nil {
		return nil, err
	}
	c, err := connect(ctx, loc)
	if err != nil {
		return nil, err
	}
	return &reader{c: c, info: connector.SourceInfo{Format: "woocommerce"}}, nil
}

func connect(ctx context.Context, loc connector.Location) (*shopdb.Conn, error) {
	return shopdb.Connect(ctx, loc, "wp_", nil, func(ctx context.Context, c *shopdb.Conn) (*shopdb.Conn, error) {
		return c, c.RequireTables(ctx, c.DB, "posts", "postmeta")
	})
}

// metaKeys are the postmeta keys read, pivoted into one column each.
var metaKeys = []string{"_sku", "_manage_stock", "_stock", "_stock_status", "_regular_price", "_price"}

// product is one wp_posts row with its meta.
type product struct {
	id, parent  int64
	variation   bool
	hasChildren bool
	title       string
	meta        [6]sql.NullString // in metaKeys order
}

func (p *product) sku() string           { return catalog.NormalizeSKU(p.meta[0].String) }
func (p *product) managed() bool         { return p.meta[1].String == "yes" }
func (p *product) stock() sql.NullString { return p.meta[2] }
func (p *product) status() string        { return p.meta[3].String }

// productQuery selects products and variations, one row per meta value, in
// ID order: the join walks wp_posts by its primary key, so rows arrive grouped
// by product with no temporary table or sort, and are pivoted here.
func productQuery(c *shopdb.Conn, where string) string {
	return fmt.Sprintf(`SELECT p.ID, p.post_parent, p.post_type = 'product_variation', p.post_title, m.meta_key, m.meta_value
		FROM %s p LEFT JOIN %s m ON m.post_id = p.ID AND m.meta_key IN ('_sku', '_manage_stock', '_stock', '_stock_status', '_regular_price', '_price')
		WHERE p.post_type IN ('product', 'product_variation') AND p.post_status NOT IN ('trash', 'auto-draft') %s
		ORDER BY p.ID`, c.Table("posts"), c.Table("postmeta"), where)
}

// parent is what a variation needs of its parent product.
type parent struct {
	sku     string
	managed bool
}

// parents reads the variable products — those with variations — first, so
// that a product is known to be one before its variations are read, whatever
// the order of their IDs.
func parents(ctx context.Context, q shopdb.Querier, c *shopdb.Conn) (map[int64]parent, error) {
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT v.post_parent,
		COALESCE(MAX(CASE WHEN m.meta_key = '_sku' THEN m.meta_value END), ''),
		COALESCE(MAX(CASE WHEN m.meta_key = '_manage_stock' THEN m.meta_value END), '')
		FROM (SELECT DISTINCT post_parent FROM %[1]s WHERE post_type = 'product_variation' AND post_status NOT IN ('trash', 'auto-draft')) v
		LEFT JOIN %[2]s m ON m.post_id = v.post_parent AND m.meta_key IN ('_sku', '_manage_stock')
		GROUP BY v.post_parent`, c.Table("posts"), c.Table("postmeta")))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", c.Loc, shopdb.Explain(err))
	}
	defer rows.Close()
	out := map[int64]parent{}
	for rows.Next() {
		var (
			id          int64
			sku, manage string
		)
		if err := rows.Scan(&id, &sku, &manage); err != nil {
			return nil, fmt.Errorf("read %s: %w", c.Loc, err)
		}
		out[id] = parent{sku: catalog.NormalizeSKU(sku), managed: manage == "yes"}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", c.Loc, shopdb.Explain(err))
	}
	return out, nil
}

// checkEvery is how many rows pass between checks of the context.
const checkEvery = 4096

// eachProduct streams productQuery's rows and calls fn once per product with
// its meta gathered; the first value of a key repeated in wp_postmeta wins.
func eachProduct(ctx context.Context, q shopdb.Querier, c *shopdb.Conn, par map[int64]parent, where string, args []any, fn func(*product) error) error {
	rows, err := q.QueryContext(ctx, productQuery(c, where), args...)
	if err != nil {
		return fmt.Errorf("read %s: %w", c.Loc, shopdb.Explain(err))
	}
	defer rows.Close()
	var (
		p, next  product
		key, val sql.NullString
		have     bool
		n        int
	)
	for rows.Next() {
		if n++; n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := rows.Scan(&next.id, &next.parent, &next.variation, &next.title, &key, &val); err != nil {
			return fmt.Errorf("read %s: %w", c.Loc, err)
		}
		if !have || next.id != p.id {
			if have {
				if err := fn(&p); err != nil {
					return err
				}
			}
			p, have = next, true
			_, p.hasChildren = par[p.id]
		}
		for i, k := range metaKeys {
			if k == key.String && !p.meta[i].Valid {
				p.meta[i] = val
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", c.Loc, shopdb.Explain(err))
	}
	if have {
		return fn(&p)
	}
	return nil
}

type reader struct {
	c    *shopdb.Conn
	info connector.SourceInfo
}

// Info describes the source; complete once Read has returned.
func (r *reader) Info() connector.SourceInfo { return r.info }

// Close closes the connection.
func (r *reader) Close() error { return r.c.Close() }

// Read streams products and variations to sink.
func (r *reader) Read(ctx context.Context, sink connector.Sink) error {
	tx, err := r.c.ReadTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	par, err := parents(ctx, tx, r.c)
	if err != nil {
		return err
	}
	var (
		fields   feedkit.Fields
		skipped  feedkit.Tally
		table    = r.c.Prefix + "posts"
		problems []catalog.Problem
	)
	err = eachProduct(ctx, tx, r.c, par, "", nil, func(p *product) error {
		if p.hasChildren && !p.managed() {
			// A variable product without stock of its own: its variations
			// carry the stock.
			skipped.Add(p.sku())
			return nil
		}
		it, probs := p.item(table, par)
		problems = append(problems[:0], probs...)
		if it.SKU == "" {
			problems = append(problems, catalog.Problem{File: table, Row: int(p.id), Column: "_sku", Field: catalog.FieldSKU, Error: fieldmap.ErrEmptySKU.Error()})
		}
		if len(problems) > 0 {
			for _, pr := range problems {
				pr.SKU = it.SKU
				sink.Problem(pr)
			}
			return nil
		}
		fields.Add(&it)
		return sink.Item(&it)
	})
	r.info.Fields = fields.List()
	if n := skipped.Note("variable product", "%s without stock of their own were left out; their variations carry the stock"); n != "" {
		r.info.Notes = append(r.info.Notes, n)
	}
	return err
}

// item turns a product row into an item and the problems of its values.
func (p *product) item(table string, parents map[int64]parent) (catalog.Item, []catalog.Problem) {
	it := catalog.Item{SKU: p.sku(), Name: p.title, Pos: catalog.Position{File: table, Row: int(p.id)}}
	var probs []catalog.Problem
	bad := func(column, field, value string, err error) {
		probs = append(probs, catalog.Problem{File: table, Row: int(p.id), Column: column, Field: field, Value: value, Error: err.Error()})
	}
	if p.variation {
		par := parents[p.parent]
		it.ParentSKU = par.sku
		if !p.managed() && par.managed {
			bad("_manage_stock", catalog.FieldQuantity, p.meta[1].String,
				fmt.Errorf("the variation's stock is kept by its parent product #%d: set Manage stock on the variation to read or write it", p.parent))
		}
	}
	switch p.status() {
	case "instock", "onbackorder":
		it.Available = catalog.FlagYes
	case "outofstock":
		it.Available = catalog.FlagNo
	}
	if p.managed() {
		if err := fieldmap.SetValue(&it, catalog.FieldQuantity, p.stock().String); err != nil {
			bad("_stock", catalog.FieldQuantity, p.stock().String, err)
		}
	}
	price, col := p.meta[5].String, "_price"
	if price == "" {
		price, col = p.meta[4].String, "_regular_price"
	}
	if err := fieldmap.SetValue(&it, catalog.FieldPrice, price); err != nil {
		bad(col, catalog.FieldPrice, price, err)
	}
	return it, probs
}

var _ connector.Format = Format{}
