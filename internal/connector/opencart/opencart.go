// Package opencart reads and writes stock in an OpenCart 2.x–4.x database
// (opencart://USER@HOST:PORT/DB?prefix=oc_&key=model). The SKU is the
// product's model (key=model, the default: always filled) or its sku
// (key=sku; from 4.1 the product_code row whose code is "sku", any case, with
// product.sku as the fallback). 4.x variants are product rows with a
// master_id. Option values carry stock but no SKU in core OpenCart:
// option_sku=COLUMN names the column an option-SKU module adds to
// product_option_value; without it they are reported once as not addressable.
package opencart

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

// Format reads OpenCart databases.
type Format struct{}

// Name is the --format value.
func (Format) Name() string { return "opencart" }

// Schemes are the URL schemes the registry gives this format.
func (Format) Schemes() []string { return []string{"opencart"} }

// Detect accepts nothing else: only opencart:// URLs are this format's, and the
// registry finds them by Schemes.
func (Format) Detect(connector.Location, []byte) bool { return false }

var _ connector.SchemeFormat = Format{}

// Open connects and learns the schema version.
func (Format) Open(ctx context.Context, loc connector.Location, opt connector.ReadOptions) (connector.Reader, error) {
	if err := connector.CheckOptions("opencart", opt); err != nil {
		return nil, err
	}
	s, err := open(ctx, loc)
	if err != nil {
		return nil, err
	}
	return &reader{s: s, info: connector.SourceInfo{Format: "opencart"}}, nil
}

// schema is a connection and what its tables hold.
type schema struct {
	c *shopdb.Conn
	// key is "model" or "sku".
	key string
	// optionSKU is the option-value SKU column, "" when none is named.
	optionSKU string
	// skuColumn: product.sku exists (gone after OpenCart 4.1's upgrade).
	skuColumn bool
	// codes: the product_code table exists (4.1+).
	codes bool
	// variants: product.master_id exists (4.x).
	variants bool
}

func open(ctx context.Context, loc connector.Location) (*schema, error) {
	return shopdb.Connect(ctx, loc, "oc_", []string{"key", "option_sku"}, inspect)
}

func inspect(ctx context.Context, c *shopdb.Conn) (*schema, error) {
	s := &schema{c: c, key: c.Params["key"], optionSKU: c.Params["option_sku"]}
	switch s.key {
	case "":
		s.key = "model"
	case "model", "sku":
	default:
		return nil, fmt.Errorf("%s: key=%q: want key=model or key=sku", c.Loc, s.key)
	}
	if err := c.RequireTables(ctx, c.DB, "product", "product_option_value"); err != nil {
		return nil, err
	}
	var err error
	if s.skuColumn, err = c.HasColumn(ctx, c.DB, "product", "sku"); err != nil {
		return nil, err
	}
	if s.variants, err = c.HasColumn(ctx, c.DB, "product", "master_id"); err != nil {
		return nil, err
	}
	if s.codes, err = c.HasTable(ctx, c.DB, "product_code"); err != nil {
		return nil, err
	}
	if s.key == "sku" && !s.skuColumn && !s.codes {
		return nil, fmt.Errorf("%s: key=sku, but %sproduct has no sku column and there is no %sproduct_code table", c.Loc, c.Prefix, c.Prefix)
	}
	if s.optionSKU != "" {
		ok := shopdb.IsName(s.optionSKU)
		if ok {
			if ok, err = c.HasColumn(ctx, c.DB, "product_option_value", s.optionSKU); err != nil {
				return nil, err
			}
		}
		if !ok {
			return nil, fmt.Errorf("%s: option_sku=%q: %sproduct_option_value has no such column", c.Loc, s.optionSKU, c.Prefix)
		}
	}
	return s, nil
}

// keyExpr is the SQL giving the SKU of the product row aliased a.
func (s *schema) keyExpr(a string) string {
	if s.key == "model" {
		return a + ".model"
	}
	fallback := "''"
	if s.skuColumn {
		fallback = a + ".sku"
	}
	if !s.codes {
		return fallback
	}
	return fmt.Sprintf("COALESCE(NULLIF((SELECT pc.value FROM %s pc WHERE pc.product_id = %s.product_id AND LOWER(pc.code) = 'sku' ORDER BY pc.product_code_id LIMIT 1), ''), %s)",
		s.c.Table("product_code"), a, fallback)
}

// productQuery selects every product with its SKU, its master's SKU (4.x
// variants) and its name in the lowest-numbered language, in one statement.
func (s *schema) productQuery(lock string) string {
	master, join := "''", ""
	if s.variants {
		master = "COALESCE(" + s.keyExpr("m") + ", '')"
		join = fmt.Sprintf("LEFT JOIN %s m ON m.product_id = p.master_id AND p.master_id <> 0", s.c.Table("product"))
	}
	return fmt.Sprintf(`SELECT p.product_id, %s, %s, p.quantity, p.price, p.status,
		COALESCE((SELECT d.name FROM %s d WHERE d.product_id = p.product_id ORDER BY d.language_id LIMIT 1), '')
		FROM %s p %s %s ORDER BY p.product_id %s`,
		s.keyExpr("p"), master, s.c.Table("product_description"), s.c.Table("product"), join, lockWhere(lock), lockSuffix(lock))
}

// optionQuery selects option values with their SKU column and their product's
// SKU.
func (s *schema) optionQuery(lock string) string {
	return fmt.Sprintf(`SELECT v.product_option_value_id, COALESCE(v.%s, ''), %s, v.quantity
		FROM %s v JOIN %s p ON p.product_id = v.product_id %s ORDER BY v.product_option_value_id %s`,
		"`"+s.optionSKU+"`", s.keyExpr("p"), s.c.Table("product_option_value"), s.c.Table("product"),
		lockWhere(lock), lockSuffix(lock))
}

func lockWhere(ids string) string {
	if ids == "" {
		return ""
	}
	return "WHERE " + ids
}

func lockSuffix(ids string) string {
	if ids == "" {
		return ""
	}
	return "FOR UPDATE"
}

type reader struct {
	s    *schema
	info connector.SourceInfo
}

// Info describes the source; complete once Read has returned.
func (r *reader) Info() connector.SourceInfo { return r.info }

// Close closes the connection.
func (r *reader) Close() error { return r.s.c.Close() }

// Read streams products, then option values, to sink.
func (r *reader) Read(ctx context.Context, sink connector.Sink) error {
	tx, err := r.s.c.ReadTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var fields feedkit.Fields
	emit := func(it catalog.Item, probs []catalog.Problem) error {
		if it.SKU == "" {
			probs = append(probs, catalog.Problem{File: it.Pos.File, Row: it.Pos.Row, Column: it.Pos.Column, Field: catalog.FieldSKU, Error: fieldmap.ErrEmptySKU.Error()})
		}
		for _, p := range probs {
			p.SKU = it.SKU
			sink.Problem(p)
		}
		if len(probs) > 0 {
			return nil
		}
		fields.Add(&it)
		return sink.Item(&it)
	}
	table := r.s.c.Prefix + "product"
	err = r.s.each(ctx, tx, r.s.productQuery(""), scanProduct, func(o *ocRow) error {
		id := o.id
		it := catalog.Item{SKU: catalog.NormalizeSKU(o.sku), ParentSKU: catalog.NormalizeSKU(o.parent), Name: o.name,
			Pos: catalog.Position{File: table, Row: int(id), Column: r.s.key}}
		if o.status.String == "0" {
			it.Available = catalog.FlagNo // a disabled product cannot be bought
		}
		var probs []catalog.Problem
		for _, v := range []struct{ field, col, val string }{{catalog.FieldQuantity, "quantity", o.qty.String}, {catalog.FieldPrice, "price", o.price.String}} {
			if err := fieldmap.SetValue(&it, v.field, v.val); err != nil {
				probs = append(probs, catalog.Problem{File: table, Row: int(id), Column: v.col, Field: v.field, Value: v.val, Error: err.Error()})
			}
		}
		return emit(it, probs)
	})
	if err != nil {
		return err
	}
	if r.s.optionSKU == "" {
		return r.noteOptions(ctx, tx, &fields)
	}
	table = r.s.c.Prefix + "product_option_value"
	err = r.s.each(ctx, tx, r.s.optionQuery(""), scanOption, func(o *ocRow) error {
		it := catalog.Item{SKU: catalog.NormalizeSKU(o.sku), ParentSKU: catalog.NormalizeSKU(o.parent),
			Pos: catalog.Position{File: table, Row: int(o.id), Column: r.s.optionSKU}}
		var probs []catalog.Problem
		if err := fieldmap.SetValue(&it, catalog.FieldQuantity, o.qty.String); err != nil {
			probs = append(probs, catalog.Problem{File: table, Row: int(o.id), Column: "quantity", Field: catalog.FieldQuantity, Value: o.qty.String, Error: err.Error()})
		}
		return emit(it, probs)
	})
	r.info.Fields = fields.List()
	return err
}

// noteOptions reports, once, the option values whose stock cannot be
// addressed for want of a SKU.
func (r *reader) noteOptions(ctx context.Context, tx *sql.Tx, fields *feedkit.Fields) error {
	r.info.Fields = fields.List()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+r.s.c.Table("product_option_value")).Scan(&n); err != nil {
		return fmt.Errorf("read %s: %w", r.s.c.Loc, shopdb.Explain(err))
	}
	if n > 0 {
		r.info.Notes = append(r.info.Notes, fmt.Sprintf("%d option values (%sproduct_option_value) hold their own stock but have no SKU in OpenCart, so they were not read; "+
			"if an option-SKU module added a column for it, name it with option_sku=COLUMN", n, r.s.c.Prefix))
	}
	return nil
}

// ocRow is a product (productQuery) or an option value (optionQuery); parent
// is the SKU of the master product or of the option's product.
type ocRow struct {
	id                 int64
	sku, parent, name  string
	qty, price, status sql.NullString
}

func scanProduct(rows *sql.Rows, o *ocRow) error {
	return rows.Scan(&o.id, &o.sku, &o.parent, &o.qty, &o.price, &o.status, &o.name)
}

func scanOption(rows *sql.Rows, o *ocRow) error {
	return rows.Scan(&o.id, &o.sku, &o.parent, &o.qty)
}

// each runs query and calls fn per row read with scan.
func (s *schema) each(ctx context.Context, q shopdb.Querier, query string, scan func(*sql.Rows, *ocRow) error, fn func(*ocRow) error) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("read %s: %w", s.c.Loc, shopdb.Explain(err))
	}
	defer rows.Close()
	for rows.Next() {
		var o ocRow
		if err := scan(rows, &o); err != nil {
			return fmt.Errorf("read %s: %w", s.c.Loc, err)
		}
		if err := fn(&o); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", s.c.Loc, shopdb.Explain(err))
	}
	return nil
}

var _ connector.Format = Format{}
