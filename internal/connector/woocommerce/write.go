package woocommerce

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
)

// Writer writes stock into a WooCommerce database: for each product or
// variation the _stock and _stock_status postmeta and, when the shop has
// it (WooCommerce 3.6+), its wc_product_meta_lookup row, as WooCommerce's own
// wc_update_product_stock does. Rows are never inserted or deleted.
//
// Use: Snapshot the SKUs to plan against, then Write the changes (keyed by the
// rows Snapshot returned); Write returns the rows as they were, which a revert
// passes back to Write (Quantity and Status) to restore them exactly.
type Writer struct {
	c      *shopdb.Conn
	opt    shopdb.WriteOptions
	lookup bool
	stmts  int
}

// NewWriter connects to the shop.
func NewWriter(ctx context.Context, loc connector.Location, opt shopdb.WriteOptions) (*Writer, error) {
	c, err := connect(ctx, loc)
	if err != nil {
		return nil, err
	}
	lookup, err := c.HasTable(ctx, c.DB, "wc_product_meta_lookup")
	if err != nil {
		c.Close()
		return nil, err
	}
	tables := []string{"postmeta"}
	if lookup {
		tables = append(tables, "wc_product_meta_lookup")
	}
	if err := c.RequireTransactions(ctx, tables...); err != nil {
		c.Close()
		return nil, err
	}
	return &Writer{c: c, opt: opt, lookup: lookup}, nil
}

// Close closes the connection.
func (w *Writer) Close() error { return w.c.Close() }

// Statements is how many statements the last Write ran.
func (w *Writer) Statements() int { return w.stmts }

const postsTable = "posts"

// Snapshot returns the products and variations holding skus (all of them for
// nil), with their current stock. A SKU may come back on several rows when
// the shop holds it twice. Rows whose stock WooCommerce does not manage are
// returned with Unwritable set.
func (w *Writer) Snapshot(ctx context.Context, skus []string) ([]shopdb.Row, error) {
	tx, err := w.c.ReadTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	want := shopdb.Wanted(skus)
	par, err := parents(ctx, tx, w.c)
	if err != nil {
		return nil, err
	}
	var out []shopdb.Row
	add := func(p *product) error {
		if want(p.sku()) {
			out = append(out, p.row(par))
		}
		return nil
	}
	if skus == nil {
		return out, eachProduct(ctx, tx, w.c, par, "", nil, add)
	}
	sub := fmt.Sprintf("SELECT post_id FROM %s WHERE meta_key = '_sku' AND meta_value IN", w.c.Table("postmeta"))
	for lo := 0; lo < len(skus); lo += shopdb.DefaultBatch {
		batch := skus[lo:min(lo+shopdb.DefaultBatch, len(skus))]
		where := fmt.Sprintf("AND p.ID IN (%s (%s))", sub, shopdb.Placeholders(len(batch)))
		if err := eachProduct(ctx, tx, w.c, par, where, shopdb.StringArgs(batch), add); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (p *product) row(par map[int64]parent) shopdb.Row {
	r := shopdb.Row{Key: shopdb.Key{Table: postsTable, ID: p.id}, SKU: p.sku(), Status: p.status()}
	if p.managed() {
		r.Quantity = shopdb.ParseNum(p.stock())
	}
	switch {
	case p.managed():
	case p.variation && par[p.parent].managed:
		r.Unwritable = fmt.Sprintf("the variation's stock is kept by its parent product #%d (_manage_stock = no)", p.parent)
	case p.hasChildren:
		r.Unwritable = "a variable product without stock of its own: write its variations"
	default:
		r.Unwritable = "WooCommerce does not manage this product's stock (_manage_stock = no): turn on Manage stock"
	}
	return r
}

// current is a product's stock meta as Write finds it under lock.
type current struct {
	sku, manage, status, backorders string
	stock                           sql.NullString
	stockRows, statusRows           int
	lookup                          bool
}

// Write sets the stock of the rows changes name, in one transaction: any
// error — a stale row, a lost connection, a missing grant — rolls everything
// back. It returns the rows as they were before.
func (w *Writer) Write(ctx context.Context, changes []shopdb.Change) ([]shopdb.Row, error) {
	ids, err := shopdb.IDs(changes, postsTable)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	replaced, n, err := w.c.Write(ctx, w.opt, func(tx *shopdb.Tx) ([]shopdb.Row, error) {
		return w.write(ctx, tx, ids, changes)
	})
	w.stmts = n
	return replaced, err
}

func (w *Writer) write(ctx context.Context, tx *shopdb.Tx, ids []int64, changes []shopdb.Change) ([]shopdb.Row, error) {
	cur, err := w.lock(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	var (
		replaced              = make([]shopdb.Row, len(changes))
		stock                 = make([]any, len(changes))
		statusIDs, lookupIDs  []int64
		statusVals, lkQ, lkSt []any
	)
	for i, ch := range changes {
		c, found := cur[ch.Key.ID]
		q := catalog.Num{}
		if found && c.manage == "yes" {
			q = shopdb.ParseNum(c.stock)
		}
		if err := shopdb.Check(ch, found, catalog.NormalizeSKU(c.sku), q); err != nil {
			return nil, err
		}
		if c.manage != "yes" || c.stockRows == 0 {
			return nil, fmt.Errorf("%s (SKU %q): %w: %s", ch.Key, ch.SKU, shopdb.ErrUnwritable,
				"its stock is not managed by WooCommerce, or it has no _stock row (rows are never inserted)")
		}
		replaced[i] = shopdb.Row{Key: ch.Key, SKU: ch.SKU, Quantity: q, Status: c.status}
		var qty *int64
		switch {
		case ch.Revert && ch.Quantity.Known:
			// _stock is text: a fraction a plugin stored there goes back as it was.
			n := ch.Quantity.V.Int64()
			qty = &n
			stock[i] = ch.Quantity.V.String()
		case ch.Quantity.Known:
			n, err := tx.IntValue(ch)
			if err != nil {
				return nil, err
			}
			qty = &n
			stock[i] = strconv.FormatInt(n, 10)
		}
		st := ch.Status
		if st == "" {
			st = stockStatus(qty, c.backorders)
		}
		if c.statusRows > 0 {
			statusIDs, statusVals = append(statusIDs, ch.Key.ID), append(statusVals, st)
		}
		if c.lookup {
			lookupIDs, lkSt = append(lookupIDs, ch.Key.ID), append(lkSt, st)
			switch {
			case ch.Revert && ch.Quantity.Known:
				lkQ = append(lkQ, ch.Quantity.V.Float64())
			case qty != nil:
				lkQ = append(lkQ, float64(*qty))
			default:
				lkQ = append(lkQ, nil)
			}
		}
	}
	meta := w.c.Table("postmeta")
	if err := tx.Update(ctx, meta, "post_id", "meta_key = '_stock'", ids, shopdb.Set{Column: "meta_value", Values: stock}); err != nil {
		return nil, err
	}
	if err := tx.Update(ctx, meta, "post_id", "meta_key = '_stock_status'", statusIDs, shopdb.Set{Column: "meta_value", Values: statusVals}); err != nil {
		return nil, err
	}
	if err := tx.Update(ctx, w.c.Table("wc_product_meta_lookup"), "product_id", "", lookupIDs,
		shopdb.Set{Column: "stock_quantity", Values: lkQ}, shopdb.Set{Column: "stock_status", Values: lkSt}); err != nil {
		return nil, err
	}
	return replaced, nil
}

// stockStatus is the status WooCommerce derives from a managed stock: in stock
// above zero, else on backorder when backorders are allowed, else out of stock.
func stockStatus(qty *int64, backorders string) string {
	switch {
	case qty != nil && *qty > 0:
		return "instock"
	case backorders == "yes" || backorders == "notify":
		return "onbackorder"
	}
	return "outofstock"
}

// lock reads the rows' stock meta FOR UPDATE, so nothing changes them between
// this read and the updates.
func (w *Writer) lock(ctx context.Context, tx *shopdb.Tx, ids []int64) (map[int64]current, error) {
	cur := make(map[int64]current, len(ids))
	lookupJoin, lookupCol := "", "0"
	if w.lookup {
		lookupJoin = fmt.Sprintf("LEFT JOIN %s l ON l.product_id = p.ID", w.c.Table("wc_product_meta_lookup"))
		lookupCol = "MAX(l.product_id IS NOT NULL)"
	}
	err := tx.Select(ctx, nil, ids, func(in string) string {
		return fmt.Sprintf(`SELECT p.ID,
			COALESCE(MAX(CASE WHEN m.meta_key = '_sku' THEN m.meta_value END), ''),
			COALESCE(MAX(CASE WHEN m.meta_key = '_manage_stock' THEN m.meta_value END), ''),
			MAX(CASE WHEN m.meta_key = '_stock' THEN m.meta_value END),
			COALESCE(MAX(CASE WHEN m.meta_key = '_stock_status' THEN m.meta_value END), ''),
			COALESCE(MAX(CASE WHEN m.meta_key = '_backorders' THEN m.meta_value END), ''),
			COALESCE(SUM(m.meta_key = '_stock'), 0), COALESCE(SUM(m.meta_key = '_stock_status'), 0), %s
			FROM %s p LEFT JOIN %s m ON m.post_id = p.ID AND m.meta_key IN ('_sku', '_manage_stock', '_stock', '_stock_status', '_backorders')
			%s WHERE p.ID IN (%s) AND p.post_type IN ('product', 'product_variation') GROUP BY p.ID FOR UPDATE`,
			lookupCol, w.c.Table("posts"), w.c.Table("postmeta"), lookupJoin, in)
	}, func(rows *sql.Rows) error {
		var (
			id int64
			c  current
		)
		if err := rows.Scan(&id, &c.sku, &c.manage, &c.stock, &c.status, &c.backorders, &c.stockRows, &c.statusRows, &c.lookup); err != nil {
			return err
		}
		cur[id] = c
		return nil
	})
	return cur, err
}

var _ shopdb.StockWriter = (*Writer)(nil)
