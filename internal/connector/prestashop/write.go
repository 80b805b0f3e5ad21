package prestashop

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Writer writes stock into a PrestaShop database's stock_available rows of
// one shop: the sellable quantity, from 1.7 physical_quantity = quantity +
// reserved_quantity so PrestaShop's invariant holds, and then each touched
// product's own row (id_product_attribute = 0) as the sum of its
// combinations. Rows are never inserted or deleted.
//
// Use: Snapshot the SKUs to plan against, then Write the changes (keyed by the
// rows Snapshot returned); Write returns the rows as they were — the recomputed
// product rows included — which a revert passes back to Write with Revert set.
type Writer struct {
	s     *schema
	opt   shopdb.WriteOptions
	stmts int
}

const stockTable = "stock_available"

// NewWriter connects to the shop.
func NewWriter(ctx context.Context, loc connector.Location, opt shopdb.WriteOptions) (*Writer, error) {
	s, err := open(ctx, loc)
	if err != nil {
		return nil, err
	}
	if err := s.c.RequireTransactions(ctx, stockTable); err != nil {
		s.c.Close()
		return nil, err
	}
	return &Writer{s: s, opt: opt}, nil
}

// Close closes the connection.
func (w *Writer) Close() error { return w.s.c.Close() }

// Statements is how many statements the last Write ran.
func (w *Writer) Statements() int { return w.stmts }

// summed is why a product row with combinations is not written directly.
const summed = "the product's stock is the sum of its combinations: write the combinations"

// Snapshot returns the shop's stock rows holding skus — all of them for nil —
// with their current sellable quantity. A SKU may come back on several rows
// when the shop holds it twice.
func (w *Writer) Snapshot(ctx context.Context, skus []string) ([]shopdb.Row, error) {
	tx, err := w.s.c.ReadTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	want := shopdb.Wanted(skus)
	var out []shopdb.Row
	err = w.s.each(ctx, tx, "", nil, func(s *stockRow) error {
		sku := catalog.NormalizeSKU(s.sku)
		if !want(sku) {
			return nil
		}
		r := shopdb.Row{Key: shopdb.Key{Table: stockTable, ID: s.id}, SKU: sku, Shop: s.shop, Quantity: catalog.Known(decimal.FromInt(s.qty))}
		if s.attr == 0 && s.combinations {
			r.Unwritable = summed
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// Write sets the stock of the rows changes name, in one transaction: any
// error rolls everything back. It returns the rows as they were before,
// followed by the product rows it recomputed.
func (w *Writer) Write(ctx context.Context, changes []shopdb.Change) ([]shopdb.Row, error) {
	ids, err := shopdb.IDs(changes, stockTable)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	replaced, n, err := w.s.c.Write(ctx, w.opt, func(tx *shopdb.Tx) ([]shopdb.Row, error) {
		return w.write(ctx, tx, ids, changes)
	})
	w.stmts = n
	return replaced, err
}

// lockSQL reads stock rows FOR UPDATE: by id, or the product rows of products.
func (w *Writer) lockSQL(where string) string {
	return w.s.stockQuery("AND "+where, "FOR UPDATE")
}

func (w *Writer) write(ctx context.Context, tx *shopdb.Tx, ids []int64, changes []shopdb.Change) ([]shopdb.Row, error) {
	cur := map[int64]stockRow{}
	lock := func(where string, ids []int64) error {
		return tx.Select(ctx, w.s.shopArgs(), ids, func(in string) string { return w.lockSQL(fmt.Sprintf(where, in)) }, func(rows *sql.Rows) error {
			var s stockRow
			if err := scanStock(rows, &s); err != nil {
				return err
			}
			cur[s.id] = s
			return nil
		})
	}
	if err := lock("sa.id_stock_available IN (%s)", ids); err != nil {
		return nil, err
	}
	var (
		replaced       = make([]shopdb.Row, 0, len(changes))
		qty, phys      = make([]any, len(changes)), make([]any, len(changes))
		products       []int64
		seen, explicit = map[int64]bool{}, map[int64]bool{}
	)
	for i, ch := range changes {
		s, found := cur[ch.Key.ID]
		if err := shopdb.Check(ch, found, catalog.NormalizeSKU(s.sku), catalog.Known(decimal.FromInt(s.qty))); err != nil {
			return nil, err
		}
		if s.attr == 0 && s.combinations {
			if !ch.Revert {
				return nil, fmt.Errorf("%s (SKU %q): %w: %s", ch.Key, ch.SKU, shopdb.ErrUnwritable, summed)
			}
			explicit[s.product] = true // a revert puts back the journaled sum as it was
		}
		n, err := tx.IntValue(ch)
		if err != nil {
			return nil, err
		}
		replaced = append(replaced, shopdb.Row{Key: ch.Key, SKU: ch.SKU, Shop: s.shop, Quantity: catalog.Known(decimal.FromInt(s.qty))})
		qty[i], phys[i] = n, n+s.reserved
		if s.attr != 0 && !seen[s.product] {
			seen[s.product] = true
			products = append(products, s.product)
		}
	}
	sets := []shopdb.Set{{Column: "quantity", Values: qty}}
	if w.s.physical {
		sets = append(sets, shopdb.Set{Column: "physical_quantity", Values: phys})
	}
	if err := tx.Update(ctx, w.s.c.Table(stockTable), "id_stock_available", "", ids, sets...); err != nil {
		return nil, err
	}
	products = slices.DeleteFunc(products, func(p int64) bool { return explicit[p] })
	if len(products) == 0 {
		return replaced, nil
	}
	// The product rows' old values go into the journal too, so that a revert
	// restores them exactly even when they were not the sum before.
	if err := lock("sa.id_product_attribute = 0 AND sa.id_product IN (%s)", products); err != nil {
		return nil, err
	}
	own := make(map[int64]stockRow, len(products))
	for _, s := range cur {
		if s.attr == 0 && seen[s.product] {
			own[s.product] = s
		}
	}
	var sums []int64
	for _, p := range products {
		if s, ok := own[p]; ok {
			sums = append(sums, s.id)
			replaced = append(replaced, shopdb.Row{Key: shopdb.Key{Table: stockTable, ID: s.id}, SKU: catalog.NormalizeSKU(s.sku), Shop: s.shop,
				Quantity: catalog.Known(decimal.FromInt(s.qty)), Unwritable: summed})
		}
	}
	return replaced, w.sum(ctx, tx, sums)
}

// sum sets each product row (by id) to the sum of its combinations' rows in
// the same shop, one statement per batch.
func (w *Writer) sum(ctx context.Context, tx *shopdb.Tx, rows []int64) error {
	set := "t.quantity = s.q"
	cols := "SUM(c.quantity) q"
	if w.s.physical {
		set += ", t.physical_quantity = s.ph"
		cols += ", SUM(c.physical_quantity) ph"
	}
	table := w.s.c.Table(stockTable)
	return tx.Batches(len(rows), func(lo, hi int) error {
		in := shopdb.Placeholders(hi - lo)
		q := fmt.Sprintf(`UPDATE %[1]s t JOIN (SELECT c.id_product, c.id_shop, c.id_shop_group, %[2]s FROM %[1]s c
			JOIN %[1]s pr ON pr.id_product = c.id_product AND pr.id_shop = c.id_shop AND pr.id_shop_group = c.id_shop_group
			WHERE c.id_product_attribute <> 0 AND pr.id_stock_available IN (%[3]s) GROUP BY c.id_product, c.id_shop, c.id_shop_group) s
			ON s.id_product = t.id_product AND s.id_shop = t.id_shop AND s.id_shop_group = t.id_shop_group
			SET %[4]s WHERE t.id_stock_available IN (%[3]s)`, table, cols, in, set)
		args := shopdb.Int64Args(rows[lo:hi])
		if _, err := tx.Exec(ctx, q, append(args, args...)...); err != nil {
			return fmt.Errorf("update the products' own stock rows: %w", err)
		}
		return nil
	})
}

var _ shopdb.StockWriter = (*Writer)(nil)
