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
	tx, err := shopdb.ReadTx(ctx, w.s.c.DB)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", w.s.c.Loc, err)
	}
	defer tx.Rollback()
	want := make(map[string]bool, len(skus))
	for _, s := range skus {
		want[s] = true
	}
	var out []shopdb.Row
	add := func(table string, id int64, sku string, qty sql.NullString) {
		sku = catalog.NormalizeSKU(sku)
		if sku != "" && (skus == nil || want[sku]) {
			out = append(out, shopdb.Row{Key: shopdb.Key{Table: table, ID: id}, SKU: sku, Quantity: shopdb.ParseNum(qty)})
		}
	}
	err = w.s.each(ctx, tx, w.s.productQuery(""), nil, func(rows *sql.Rows) error {
		var (
			id                 int64
			sku, master, name  string
			qty, price, status sql.NullString
		)
		if err := rows.Scan(&id, &sku, &master, &qty, &price, &status, &name); err != nil {
			return err
		}
		add(productTable, id, sku, qty)
		return nil
	})
	if err != nil || w.s.optionSKU == "" {
		return out, err
	}
	err = w.s.each(ctx, tx, w.s.optionQuery(""), nil, func(rows *sql.Rows) error {
		var (
			id          int64
			sku, parent string
			qty         sql.NullString
		)
		if err := rows.Scan(&id, &sku, &parent, &qty); err != nil {
			return err
		}
		add(optionTable, id, sku, qty)
		return nil
	})
	return out, err
}

// locked is a row as Write finds it under lock.
type locked struct {
	sku string
	qty sql.NullString
}

// Write sets the stock of the rows changes name, in one transaction: any
// error rolls everything back. It returns the rows as they were before.
func (w *Writer) Write(ctx context.Context, changes []shopdb.Change) ([]shopdb.Row, error) {
	w.stmts = 0
	if _, err := shopdb.IDs(changes, productTable, optionTable); err != nil || len(changes) == 0 {
		return nil, err
	}
	tx, err := w.s.c.Begin(ctx, w.opt)
	if err != nil {
		return nil, err
	}
	defer func() { w.stmts = tx.Statements }()
	replaced, err := w.write(ctx, tx, changes)
	if err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("write stock to %s: %w", w.s.c.Loc, err)
	}
	return replaced, tx.Commit()
}

func (w *Writer) write(ctx context.Context, tx *shopdb.Tx, changes []shopdb.Change) ([]shopdb.Row, error) {
	ids := map[string][]int64{}
	for _, ch := range changes {
		ids[ch.Key.Table] = append(ids[ch.Key.Table], ch.Key.ID)
	}
	if len(ids[optionTable]) > 0 && w.s.optionSKU == "" {
		return nil, fmt.Errorf("%w: option values have no SKU column; name it with option_sku=COLUMN", shopdb.ErrUnwritable)
	}
	cur := map[shopdb.Key]locked{}
	err := tx.Select(ctx, nil, ids[productTable], func(in string) string {
		return w.s.productQuery("p.product_id IN (" + in + ")")
	}, func(rows *sql.Rows) error {
		var (
			id            int64
			l             locked
			master, name  string
			price, status sql.NullString
		)
		if err := rows.Scan(&id, &l.sku, &master, &l.qty, &price, &status, &name); err != nil {
			return err
		}
		cur[shopdb.Key{Table: productTable, ID: id}] = l
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = tx.Select(ctx, nil, ids[optionTable], func(in string) string {
		return w.s.optionQuery("v.product_option_value_id IN (" + in + ")")
	}, func(rows *sql.Rows) error {
		var (
			id     int64
			l      locked
			parent string
		)
		if err := rows.Scan(&id, &l.sku, &parent, &l.qty); err != nil {
			return err
		}
		cur[shopdb.Key{Table: optionTable, ID: id}] = l
		return nil
	})
	if err != nil {
		return nil, err
	}
	replaced := make([]shopdb.Row, len(changes))
	values := map[string][]any{}
	for i, ch := range changes {
		l, found := cur[ch.Key]
		q := shopdb.ParseNum(l.qty)
		if err := shopdb.Check(ch, found, catalog.NormalizeSKU(l.sku), q); err != nil {
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
