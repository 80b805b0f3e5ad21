// Package sqlquery reads any MySQL/MariaDB or PostgreSQL database through the
// query given with --query: the result's column names are canonical field
// names (sku, quantity, price, …), so the query does the mapping
// (SELECT article AS sku, stock AS quantity FROM …). It is a read-only source.
package sqlquery

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
	"github.com/keycrm-sync/keycrm-sync/internal/redact"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
)

// Format reads the result of a query.
type Format struct{}

// Name is the --format value.
func (Format) Name() string { return "sql" }

// Schemes are mysql:// and postgres:// (postgresql://, libpq's spelling).
func (Format) Schemes() []string { return []string{"mysql", "postgres", "postgresql"} }

// Detect accepts nothing else: the registry finds this format's URLs by Schemes.
func (Format) Detect(connector.Location, []byte) bool { return false }

var _ connector.SchemeFormat = Format{}

// Open connects; the query runs in Read.
func (Format) Open(ctx context.Context, loc connector.Location, opt connector.ReadOptions) (connector.Reader, error) {
	if err := connector.CheckOptions("sql", opt, "--query"); err != nil {
		return nil, err
	}
	if loc.Kind != connector.KindURL {
		return nil, fmt.Errorf("%s: not a database URL (mysql://USER@HOST:PORT/DB or postgres://USER@HOST:PORT/DB)", loc)
	}
	if strings.TrimSpace(opt.Query) == "" {
		return nil, fmt.Errorf("%s: give the query to run with --query SQL; its column names are canonical field names (%s)",
			loc, strings.Join(catalog.Fields, ", "))
	}
	db, err := connect(loc)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", loc, hide(loc, shopdb.Explain(err)))
	}
	return &reader{db: db, loc: loc, query: opt.Query, info: connector.SourceInfo{Format: "sql"}}, nil
}

func connect(loc connector.Location) (*sql.DB, error) {
	if loc.Scheme == "mysql" {
		if loc.URL().RawQuery != "" {
			return nil, fmt.Errorf("%s: mysql:// locations take no parameters", loc)
		}
		cfg, err := shopdb.Config(loc)
		if err != nil {
			return nil, err
		}
		c, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", loc, err)
		}
		return sql.OpenDB(c), nil
	}
	u := loc.URL()
	u.Scheme = "postgres"
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", loc, hide(loc, err))
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = shopdb.DialTimeout
	}
	return stdlib.OpenDB(*cfg), nil
}

// hide masks the password in a driver's error, should a driver quote it.
func hide(loc connector.Location, err error) error {
	if err == nil {
		return nil
	}
	u := loc.URL()
	if u.User == nil {
		return err
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), pw, redact.Mask))
}

type reader struct {
	db    *sql.DB
	loc   connector.Location
	query string
	info  connector.SourceInfo
}

// Info describes the source; complete once Read has returned.
func (r *reader) Info() connector.SourceInfo { return r.info }

// Close closes the connection.
func (r *reader) Close() error { return r.db.Close() }

// checkEvery is how many rows pass between checks of the context.
const checkEvery = 1024

// Read runs the query and streams its rows to sink.
func (r *reader) Read(ctx context.Context, sink connector.Sink) error {
	name := r.loc.String()
	tx, err := shopdb.ReadTx(ctx, r.db)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, hide(r.loc, err))
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, r.query)
	if err != nil {
		return fmt.Errorf("read %s: the query failed: %w", name, hide(r.loc, shopdb.Explain(err)))
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	fields := make([]string, len(cols))
	seen := map[string]string{}
	var ignored []string
	for i, c := range cols {
		f := strings.ToLower(strings.TrimSpace(c))
		switch {
		case !fieldmap.IsField(f):
			ignored = append(ignored, fmt.Sprintf("%q", c))
		case seen[f] != "":
			return fmt.Errorf("read %s: the query returns field %q twice (columns %q and %q)", name, f, seen[f], c)
		default:
			fields[i], seen[f] = f, c
		}
	}
	if seen[catalog.FieldSKU] == "" {
		return fmt.Errorf("read %s: the query returns no sku column (columns: %s); name the SKU column with AS sku", name, strings.Join(cols, ", "))
	}
	for _, f := range catalog.Fields {
		if seen[f] != "" {
			r.info.Fields = append(r.info.Fields, f)
		}
	}
	if len(ignored) > 0 {
		sort.Strings(ignored)
		r.info.Notes = append(r.info.Notes, "columns that are not canonical field names were ignored: "+strings.Join(ignored, ", "))
	}
	vals := make([]sql.NullString, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	var probs []catalog.Problem
	n := 0
	for rows.Next() {
		if n++; n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read %s row %d: %w", name, n, err)
		}
		it := catalog.Item{Pos: catalog.Position{File: name, Row: n}}
		probs = probs[:0]
		for i, f := range fields {
			if f == "" || !vals[i].Valid {
				continue
			}
			if err := fieldmap.SetValue(&it, f, vals[i].String); err != nil {
				probs = append(probs, catalog.Problem{File: name, Row: n, Column: cols[i], Field: f, Value: vals[i].String, Error: err.Error()})
			}
			if f == catalog.FieldWarehouse {
				it.WarehouseColumn = cols[i]
			}
		}
		fieldmap.CapImages(&it)
		if it.SKU == "" {
			probs = append(probs, catalog.Problem{File: name, Row: n, Column: seen[catalog.FieldSKU], Field: catalog.FieldSKU, Error: fieldmap.ErrEmptySKU.Error()})
		}
		if len(probs) > 0 {
			for _, p := range probs {
				p.SKU = it.SKU
				sink.Problem(p)
			}
			continue
		}
		if err := sink.Item(&it); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s row %d: %w", name, n+1, hide(r.loc, shopdb.Explain(err)))
	}
	return nil
}

var _ connector.Format = Format{}
