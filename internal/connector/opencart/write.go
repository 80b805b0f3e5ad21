package opencart

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
)

// Writer writes stock into an OpenCart database: product.quantity and, with
// option_sku=COLUMN, product_option_value.quantity. Rows are never inserted or
// deleted, and the tables must be transactional (InnoDB): OpenCart 3's
// installer creates MyISAM tables, which NewWriter refuses.
//
// Use: Snapshot the SKUs to plan against, then Write the changes (keyed by the
// rows Snapshot returned); Write returns the rows as they were, which a revert
// passes back to Write.
type Writer struct {
	s     *schema
	opt   shopdb.WriteOptions
	stmts int
}

// Row tables a Writer writes.
const (
	productTable = "product"
	optionTable  = "product_option_value"
)

// NewWriter connects to the shop.
func NewWriter(ctx context.Context, loc connector.Location, opt shopdb.WriteOptions) (*Writer, error) {
	s, err := open(ctx, loc)
	if err != nil {
		return nil, err
	}
	tables := []string{productTable}
	if s.optionSKU != "" {
		tables = append(tables, optionTable)
	}
	if err := s.c.RequireTransactions(ctx, tables...); err != nil {
		s.c.Close()
		return nil, err
	}
	return &Writer{s: s, opt: opt}, nil
}

// Close closes the connection.
func (w *Writer) Close() error { return w.s.c.Close() }

// Statements is how many statements the last Write ran.
func (w *Writer) Statements() int { return w.stmts }

// Snapshot returns the products (and option values with a SKU column) holding
// skus — all of them for nil — with their current stock. A SKU may come back
// on several rows when the shop holds it twice.
func (w *Writer) Snapshot(ctx context.Context, skus []string) ([]shopdb.Row, error) {
	tx, err := w.s.c.ReadTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	want := shopdb.Wanted(skus)
	var out []shopdb.Row
	add := func(table string) func(*ocRow) error {
		return func(o *ocRow) error {
			if sku := catalog.NormalizeSKU(o.sku); want(sku) {
				out = append(out, shopdb.Row{Key: shopdb.Key{Table: table, ID: o.id}, SKU: sku, Quantity: shopdb.ParseNum(o.qty)})
			}
			return nil
		}
	}
	err = w.s.each(ctx, tx, w.s.productQuery(""), scanProduct, add(productTable))
	if err != nil || w.s.optionSKU == "" {
		return out, err
	}
	return out, w.s.each(ctx, tx, w.s.optionQuery(""), scanOption, add(optionTable))
}

// Write sets the stock of the rows changes name, in one transaction: any
// error rolls everything back. It returns the rows as they were before.
func (w *Writer) Write(ctx context.Context, changes []shopdb.Change) ([]shopdb.Row, error) {
	if _, err := shopdb.IDs(changes, productTable, optionTable); err != nil || len(changes) == 0 {
		return nil, err
	}
	replaced, n, err := w.s.c.Write(ctx, w.opt, func(tx *shopdb.Tx) ([]shopdb.Row, error) {
		return w.write(ctx, tx, changes)
	})
	w.stmts = n
	return replaced, err
}

func (w *Writer) write(ctx context.Context, tx *shopdb.Tx, changes []shopdb.Change) ([]shopdb.Row, error) {
	ids := map[string][]int64{}
	for _, ch := range changes {
		ids[ch.Key.Table] = append(ids[ch.Key.Table], ch.Key.ID)
	}
	if len(ids[optionTable]) > 0 && w.s.optionSKU == "" {
		return nil, fmt.Errorf("%w: option values have no SKU column; name it with option_sku=COLUMN", shopdb.ErrUnwritable)
	}
	cur := map[shopdb.Key]ocRow{}
	lock := func(table, query string, scan func(*sql.Rows, *ocRow) error) error {
		return tx.Select(ctx, nil, ids[table], func(in string) string { return fmt.Sprintf(query, in) }, func(rows *sql.Rows) error {
			var o ocRow
			if err := scan(rows, &o); err != nil {
				return err
			}
			cur[shopdb.Key{Table: table, ID: o.id}] = o
			return nil
		})
	}
	if err := lock(productTable, w.s.productQuery("p.product_id IN (%s)"), scanProduct); err != nil {
		return nil, err
	}
	if err := lock(optionTable, w.s.optionQuery("v.product_option_value_id IN (%s)"), scanOption); err != nil {
		return nil, err
	}
	replaced := make([]shopdb.Row, len(changes))
	values := map[string][]any{}
	for i, ch := range changes {
		o, found := cur[ch.Key]
		q := shopdb.ParseNum(o.qty)
		if err := shopdb.Check(ch, found, catalog.NormalizeSKU(o.sku), q); err != nil {
			return nil, err
		}
		n, err := tx.IntValue(ch)
		if err != nil {
			return nil, err
		}
		replaced[i] = shopdb.Row{Key: ch.Key, SKU: ch.SKU, Quantity: q}
		values[ch.Key.Table] = append(values[ch.Key.Table], n)
	}
	if err := tx.Update(ctx, w.s.c.Table(productTable), "product_id", "", ids[productTable],
		shopdb.Set{Column: "quantity", Values: values[productTable]}); err != nil {
		return nil, err
	}
	if err := tx.Update(ctx, w.s.c.Table(optionTable), "product_option_value_id", "", ids[optionTable],
		shopdb.Set{Column: "quantity", Values: values[optionTable]}); err != nil {
		return nil, err
	}
	return replaced, nil
}

var _ shopdb.StockWriter = (*Writer)(nil)
