// Package shopdb is the plumbing the shop-database connectors share: it turns a
// woocommerce://, opencart:// or prestashop:// location into a MySQL connection
// (the password from the URL or KEYCRM_SYNC_DB_PASSWORD, never printed: messages
// name the location by its masked String form), checks the URL parameters and
// the table prefix, opens READ COMMITTED read transactions, and gives writers
// batched, counted statements inside one transaction.
package shopdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

// DialTimeout bounds connecting to an unreachable host, so that a wrong address
// fails in seconds rather than after the operating system's TCP timeout.
const DialTimeout = 10 * time.Second

// Conn is an open shop database.
type Conn struct {
	DB *sql.DB
	// Loc is the location as given; print it (its String form masks the password).
	Loc connector.Location
	// Prefix is the validated table prefix.
	Prefix string
	// Params holds the location's other query parameters (key=sku, shop=1).
	Params map[string]string
}

// Table returns a table name with the prefix, quoted for MySQL.
func (c *Conn) Table(name string) string { return "`" + c.Prefix + name + "`" }

// Close closes the connection pool.
func (c *Conn) Close() error { return c.DB.Close() }

// IsName reports whether s is a MySQL name keycrm-sync is willing to splice
// into a statement: 1 to 64 ASCII letters, digits and underscores. WordPress,
// OpenCart and PrestaShop accept no more in a table prefix, and anything else
// could break out of the quoted name. (A loop, not a regular expression: a
// compiled {1,64} costs 50 KB and a millisecond at every start of the binary.)
func IsName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Open connects to a shop database. defPrefix is the CMS's default table prefix,
// used when the URL has no prefix parameter; params lists the other query
// parameters the connector accepts, so a misspelt one is refused rather than
// ignored. Open pings the server so that a wrong password or an unreachable
// host fails here, with the location in the message.
func Open(ctx context.Context, loc connector.Location, defPrefix string, params ...string) (*Conn, error) {
	if loc.Kind != connector.KindURL {
		return nil, fmt.Errorf("%s: not a database URL (%s://USER@HOST:PORT/DB)", loc, loc.Scheme)
	}
	u := loc.URL()
	c := &Conn{Loc: loc, Prefix: defPrefix, Params: map[string]string{}}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("%s: parameters: %w", loc, err)
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := q.Get(k)
		switch {
		case k == "prefix":
			if v != "" && !IsName(v) {
				return nil, fmt.Errorf("%s: prefix=%q: a table prefix holds only letters, digits and underscores", loc, v)
			}
			c.Prefix = v
		case slices.Contains(params, k):
			c.Params[k] = v
		default:
			known := append([]string{"prefix"}, params...)
			return nil, fmt.Errorf("%s: unknown parameter %q (known: %s)", loc, k, strings.Join(known, ", "))
		}
	}
	cfg, err := Config(loc)
	if err != nil {
		return nil, err
	}
	connr, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", loc, err)
	}
	c.DB = sql.OpenDB(connr)
	if err := c.DB.PingContext(ctx); err != nil {
		c.DB.Close()
		return nil, fmt.Errorf("connect to %s: %w", loc, Explain(err))
	}
	return c, nil
}

// Config builds the driver configuration of a MySQL or MariaDB location: port
// 3306 unless given, the password from the URL or KEYCRM_SYNC_DB_PASSWORD.
func Config(loc connector.Location) (*mysql.Config, error) {
	u := loc.URL()
	db := strings.Trim(u.Path, "/")
	if db == "" || strings.Contains(db, "/") {
		return nil, fmt.Errorf("%s: the URL must name one database: %s://USER@HOST:PORT/DATABASE", loc, loc.Scheme)
	}
	cfg := mysql.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	cfg.DBName = db
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.Timeout = DialTimeout
	// The driver logs failures to stderr by itself; every error reaches the
	// caller anyway, and output goes through IOStreams only.
	cfg.Logger = log.New(io.Discard, "", 0)
	// Found rows, not changed rows: a writer checks that each UPDATE reached
	// every row it named, and a value written over itself still counts.
	cfg.ClientFoundRows = true
	// WooCommerce dumps and OpenCart keep zero dates; the session must not
	// refuse rows the shop itself stores.
	cfg.Params = map[string]string{"sql_mode": "''"}
	return cfg, nil
}

// Explain adds the likely cause to server errors an operator can fix.
func Explain(err error) error {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return err
	}
	switch me.Number {
	case 1045:
		return fmt.Errorf("%w\nwrong user or password: put the password in the URL or in %s", err, connector.DBPasswordEnv)
	case 1049:
		return fmt.Errorf("%w\nno such database: check the name after the host in the URL", err)
	case 1146:
		return fmt.Errorf("%w\nthe shop's tables are not there: check the database name and prefix= (the table prefix the shop was installed with)", err)
	case 1142, 1143:
		return fmt.Errorf("%w\nthe database user lacks a grant; docs/setup-shop-master.md lists the grants keycrm-sync needs", err)
	}
	return err
}

// ReadTx starts the read-only READ COMMITTED transaction a reader streams in:
// every statement sees committed rows only, and no snapshot is held open for
// the length of a long read.
func ReadTx(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted, ReadOnly: true})
	if err != nil {
		return nil, Explain(err)
	}
	return tx, nil
}

// HasColumn reports whether table (with prefix) has column; readers use it to
// tell schema versions apart (PrestaShop 1.6 from 1.7+, OpenCart 3 from 4.1).
func (c *Conn) HasColumn(ctx context.Context, q Querier, table, column string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?`, c.Prefix+table, column).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read the columns of %s%s: %w", c.Prefix, table, Explain(err))
	}
	return n > 0, nil
}

// HasTable reports whether table (with prefix) exists.
func (c *Conn) HasTable(ctx context.Context, q Querier, table string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, c.Prefix+table).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look for table %s%s: %w", c.Prefix, table, Explain(err))
	}
	return n > 0, nil
}

// RequireTables fails with one clear message when a table the connector reads
// is missing: most often a wrong prefix= or database name.
func (c *Conn) RequireTables(ctx context.Context, q Querier, tables ...string) error {
	var missing []string
	for _, t := range tables {
		ok, err := c.HasTable(ctx, q, t)
		if err != nil {
			return err
		}
		if !ok {
			missing = append(missing, c.Prefix+t)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: table %s not found (or the database user has no grant on it)\ncheck the database name and prefix=%q (the table prefix the shop was installed with)",
			c.Loc, strings.Join(missing, ", "), c.Prefix)
	}
	return nil
}

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Connect opens loc as Open does and learns its schema with inspect, closing
// the connection when inspect fails.
func Connect[S any](ctx context.Context, loc connector.Location, defPrefix string, params []string, inspect func(context.Context, *Conn) (S, error)) (S, error) {
	c, err := Open(ctx, loc, defPrefix, params...)
	if err != nil {
		var zero S
		return zero, err
	}
	s, err := inspect(ctx, c)
	if err != nil {
		c.Close()
	}
	return s, err
}

// ReadTx starts a read transaction on the shop (see the function ReadTx),
// the error naming the location.
func (c *Conn) ReadTx(ctx context.Context) (*sql.Tx, error) {
	tx, err := ReadTx(ctx, c.DB)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", c.Loc, err)
	}
	return tx, nil
}

// Wanted returns whether a SKU is among skus; every SKU is when skus is nil.
// Writers' Snapshots filter with it in Go, because the servers' collations
// match SKUs ignoring case and trailing spaces.
func Wanted(skus []string) func(string) bool {
	if skus == nil {
		return func(sku string) bool { return sku != "" }
	}
	set := make(map[string]bool, len(skus))
	for _, s := range skus {
		set[s] = true
	}
	return func(sku string) bool { return sku != "" && set[sku] }
}
