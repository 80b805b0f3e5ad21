// Package prestashop reads and writes stock in a PrestaShop 1.6–8 database
// (prestashop://USER@HOST:PORT/DB?prefix=ps_&shop=1). The SKU is the
// reference of a product or of a combination (product_attribute); the stock is
// the shop's stock_available row, where from 1.7 PrestaShop keeps quantity =
// physical_quantity − reserved_quantity. A product with combinations has a
// product-level row (id_product_attribute = 0) that PrestaShop keeps equal to
// the sum of its combinations: it is no item, and writers recompute it.
package prestashop

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Format reads PrestaShop databases.
type Format struct{}

// Name is the --format value.
func (Format) Name() string { return "prestashop" }

// Schemes are the URL schemes the registry gives this format.
func (Format) Schemes() []string { return []string{"prestashop"} }

// Detect accepts nothing else: only prestashop:// URLs are this format's, and the
// registry finds them by Schemes.
func (Format) Detect(connector.Location, []byte) bool { return false }

var _ connector.SchemeFormat = Format{}

// Open connects and learns the schema version.
func (Format) Open(ctx context.Context, loc connector.Location, opt connector.ReadOptions) (connector.Reader, error) {
	if err := connector.CheckOptions("prestashop", opt); err != nil {
		return nil, err
	}
	s, err := open(ctx, loc)
	if err != nil {
		return nil, err
	}
	return &reader{s: s, info: connector.SourceInfo{Format: "prestashop"}}, nil
}

// schema is a connection and what its tables hold.
type schema struct {
	c    *shopdb.Conn
	shop int64
	// physical: stock_available has physical_quantity and reserved_quantity
	// (1.7.2+).
	physical bool
	// groups: the shop table exists, so stock shared by a shop group
	// (id_shop = 0) can be found.
	groups bool
}

func open(ctx context.Context, loc connector.Location) (*schema, error) {
	return shopdb.Connect(ctx, loc, "ps_", []string{"shop"}, inspect)
}

func inspect(ctx context.Context, c *shopdb.Conn) (*schema, error) {
	s := &schema{c: c, shop: 1}
	if v, ok := c.Params["shop"]; ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s: shop=%q: want the shop's id_shop, a number from 1", c.Loc, v)
		}
		s.shop = n
	}
	if err := c.RequireTables(ctx, c.DB, "product", "product_lang", "product_attribute", "stock_available"); err != nil {
		return nil, err
	}
	var err error
	if s.physical, err = c.HasColumn(ctx, c.DB, "stock_available", "physical_quantity"); err != nil {
		return nil, err
	}
	if s.groups, err = c.HasTable(ctx, c.DB, "shop"); err != nil {
		return nil, err
	}
	return s, nil
}

// stockRow is one stock_available row with its product and combination.
type stockRow struct {
	id, product, attr, shop int64
	qty, reserved           int64
	sku, parentSKU          string
	price, impact           sql.NullString
	active                  bool
	combinations            bool
	name                    string
}

// stockQuery selects the shop's stock rows with their references in one
// statement; where narrows it (for the locking reads of a write).
func (s *schema) stockQuery(where, suffix string) string {
	reserved := "0"
	if s.physical {
		reserved = "sa.reserved_quantity"
	}
	shop := "sa.id_shop = ?"
	if s.groups {
		// Stock shared by a shop group is stored with id_shop = 0.
		shop = fmt.Sprintf("(sa.id_shop = ? OR sa.id_shop = 0 AND sa.id_shop_group = (SELECT id_shop_group FROM %s WHERE id_shop = ?))", s.c.Table("shop"))
	}
	return fmt.Sprintf(`SELECT sa.id_stock_available, sa.id_product, sa.id_product_attribute, sa.id_shop, sa.quantity, %[1]s,
		COALESCE(CASE WHEN sa.id_product_attribute = 0 THEN p.reference ELSE pa.reference END, ''),
		CASE WHEN sa.id_product_attribute = 0 THEN '' ELSE COALESCE(p.reference, '') END,
		p.price, pa.price, p.active,
		EXISTS (SELECT 1 FROM %[2]s x WHERE x.id_product = sa.id_product),
		COALESCE((SELECT l.name FROM %[3]s l WHERE l.id_product = sa.id_product ORDER BY l.id_lang LIMIT 1), '')
		FROM %[4]s sa JOIN %[5]s p ON p.id_product = sa.id_product
		LEFT JOIN %[2]s pa ON pa.id_product_attribute = sa.id_product_attribute AND sa.id_product_attribute <> 0
		WHERE %[6]s %[7]s ORDER BY sa.id_product, sa.id_product_attribute %[8]s`,
		reserved, s.c.Table("product_attribute"), s.c.Table("product_lang"), s.c.Table("stock_available"),
		s.c.Table("product"), shop, where, suffix)
}

// shopArgs are the query arguments of stockQuery's shop condition.
func (s *schema) shopArgs() []any {
	if s.groups {
		return []any{s.shop, s.shop}
	}
	return []any{s.shop}
}

func scanStock(rows *sql.Rows, r *stockRow) error {
	return rows.Scan(&r.id, &r.product, &r.attr, &r.shop, &r.qty, &r.reserved, &r.sku, &r.parentSKU,
		&r.price, &r.impact, &r.active, &r.combinations, &r.name)
}

// each runs stockQuery and calls fn per row.
func (s *schema) each(ctx context.Context, q shopdb.Querier, where string, args []any, fn func(*stockRow) error) error {
	rows, err := q.QueryContext(ctx, s.stockQuery(where, ""), append(s.shopArgs(), args...)...)
	if err != nil {
		return fmt.Errorf("read %s: %w", s.c.Loc, shopdb.Explain(err))
	}
	defer rows.Close()
	var r stockRow
	for rows.Next() {
		if err := scanStock(rows, &r); err != nil {
			return fmt.Errorf("read %s: %w", s.c.Loc, err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", s.c.Loc, shopdb.Explain(err))
	}
	return nil
}

type reader struct {
	s    *schema
	info connector.SourceInfo
}

// Info describes the source; complete once Read has returned.
func (r *reader) Info() connector.SourceInfo { return r.info }

// Close closes the connection.
func (r *reader) Close() error { return r.s.c.Close() }

// Read streams the shop's products and combinations to sink.
func (r *reader) Read(ctx context.Context, sink connector.Sink) error {
	tx, err := r.s.c.ReadTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var (
		fields feedkit.Fields
		summed feedkit.Tally
		table  = r.s.c.Prefix + "stock_available"
	)
	err = r.s.each(ctx, tx, "", nil, func(s *stockRow) error {
		if s.attr == 0 && s.combinations {
			summed.Add(s.sku)
			return nil
		}
		it, probs := s.item(table)
		for _, p := range probs {
			p.SKU = it.SKU
			sink.Problem(p)
		}
		if len(probs) > 0 {
			return nil
		}
		fields.Add(&it)
		return sink.Item(&it)
	})
	r.info.Fields = fields.List()
	if n := summed.Note("product", "%s with combinations were read through their combinations; a product's own stock is their sum"); n != "" {
		r.info.Notes = append(r.info.Notes, n)
	}
	return err
}

// item turns a stock row into an item and the problems of its values.
func (s *stockRow) item(table string) (catalog.Item, []catalog.Problem) {
	column := "product.reference"
	if s.attr != 0 {
		column = "product_attribute.reference"
	}
	it := catalog.Item{SKU: catalog.NormalizeSKU(s.sku), ParentSKU: catalog.NormalizeSKU(s.parentSKU), Name: s.name,
		Quantity: catalog.Known(decimal.FromInt(s.qty)), Pos: catalog.Position{File: table, Row: int(s.id), Column: column}}
	if !s.active {
		it.Available = catalog.FlagNo // a disabled product cannot be bought
	}
	var probs []catalog.Problem
	if it.SKU == "" {
		probs = append(probs, catalog.Problem{File: table, Row: int(s.id), Column: column, Field: catalog.FieldSKU, Error: fieldmap.ErrEmptySKU.Error()})
	}
	if s.qty < 0 {
		probs = append(probs, catalog.Problem{File: table, Row: int(s.id), Column: "quantity", Field: catalog.FieldQuantity, Value: strconv.FormatInt(s.qty, 10), Error: fieldmap.ErrNegative.Error()})
	}
	// A combination's price is an impact on its product's price.
	price := shopdb.ParseNum(s.price)
	if impact := shopdb.ParseNum(s.impact); price.Known && impact.Known {
		if sum, err := price.V.Add(impact.V); err == nil {
			price.V = sum
		}
	}
	it.Price = price
	return it, probs
}

var _ connector.Format = Format{}
