package shopdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Key names the shop row a stock value lives in: the table (without prefix)
// and its id. It is what a journal keeps so that a revert writes the same rows.
type Key struct {
	Table string `json:"table"`
	ID    int64  `json:"id"`
}

// String is "table#id".
func (k Key) String() string { return fmt.Sprintf("%s#%d", k.Table, k.ID) }

// Row is one stock value a shop holds for a SKU, as a writer's Snapshot finds it
// and as Write returns what it replaced.
type Row struct {
	Key Key
	SKU string
	// Quantity is the stock; unknown when the shop stores none (a WooCommerce
	// _stock of NULL).
	Quantity catalog.Num
	// Status is WooCommerce's _stock_status, kept so that a revert restores it
	// exactly; "" for other shops.
	Status string
	// Shop is PrestaShop's id_shop (0 when stock is shared by a shop group).
	Shop int64
	// Unwritable says why the row's stock cannot be written (a variation whose
	// parent keeps its stock, an option value with no SKU column); "" when it
	// can. Write refuses such rows.
	Unwritable string
}

// Change is one stock value to write.
type Change struct {
	Key Key
	SKU string
	// Quantity is the new stock; unknown writes NULL where the shop allows it
	// (reverting a WooCommerce _stock that was NULL).
	Quantity catalog.Num
	// Status, when set, is written instead of the status derived from
	// Quantity: a revert puts back the journaled status exactly.
	Status string
	// Revert marks a journaled old value being put back: it is written as it
	// was, never rounded.
	Revert bool
	// Expect is the value the plan was made against; when known and the row
	// now holds something else, Write fails with *StaleError and writes
	// nothing.
	Expect catalog.Num
}

// WriteOptions tune a writer.
type WriteOptions struct {
	// Round turns decimal stock into integer columns.
	Round Round
	// BatchSize is the most rows one statement names; 0 means DefaultBatch.
	BatchSize int
	// Progress, when set, is called after each statement of a Write with the
	// statements run so far.
	Progress func(statements int)
}

// DefaultBatch rows per statement keeps a statement far below MySQL's 65,535
// placeholders and max_allowed_packet while the statement count stays small.
const DefaultBatch = 1000

// StaleError is a row that changed since the plan was made.
type StaleError struct {
	Key      Key
	SKU      string
	Expected string
	Found    string
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("%s (SKU %q) changed since the plan was made: expected %s, found %s; plan again",
		e.Key, e.SKU, e.Expected, e.Found)
}

// ErrUnwritable is returned for a change to a row whose Snapshot said it
// cannot be written.
var ErrUnwritable = errors.New("this stock cannot be written")

// Tx is one write transaction that counts its statements, so that a benchmark
// can show the count does not grow with the rows beyond the batches.
type Tx struct {
	tx         *sql.Tx
	opt        WriteOptions
	Statements int
}

// Begin starts the write transaction.
func (c *Conn) Begin(ctx context.Context, opt WriteOptions) (*Tx, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultBatch
	}
	tx, err := c.DB.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin a transaction on %s: %w", c.Loc, Explain(err))
	}
	return &Tx{tx: tx, opt: opt}, nil
}

// Rollback abandons the transaction; after a lost connection the server has
// already rolled it back, so its error is not worth reporting.
func (t *Tx) Rollback() { _ = t.tx.Rollback() }

// Commit commits.
func (t *Tx) Commit() error {
	if err := t.tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", Explain(err))
	}
	return nil
}

func (t *Tx) counted() {
	t.Statements++
	if t.opt.Progress != nil {
		t.opt.Progress(t.Statements)
	}
}

// Batches calls fn with consecutive slices of at most BatchSize indexes of n.
func (t *Tx) Batches(n int, fn func(lo, hi int) error) error {
	for lo := 0; lo < n; lo += t.opt.BatchSize {
		if err := fn(lo, min(lo+t.opt.BatchSize, n)); err != nil {
			return err
		}
	}
	return nil
}

// Query runs a counted query.
func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	rows, err := t.tx.QueryContext(ctx, q, args...)
	t.counted()
	if err != nil {
		return nil, Explain(err)
	}
	return rows, nil
}

// Set is one column an Update sets: its name and one value per id.
type Set struct {
	Column string
	Values []any
}

// Update sets columns of the rows whose idCol is in ids with one
// UPDATE … SET col = CASE idCol WHEN … END … WHERE idCol IN (…) per batch;
// where, when not "", narrows the rows further (meta_key = '_stock'). Every
// id must match at least one row, else the transaction must be rolled back.
func (t *Tx) Update(ctx context.Context, table, idCol, where string, ids []int64, sets ...Set) error {
	return t.Batches(len(ids), func(lo, hi int) error {
		var b strings.Builder
		args := make([]any, 0, (hi-lo)*(2*len(sets)+1))
		fmt.Fprintf(&b, "UPDATE %s SET ", table)
		for i, s := range sets {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s = CASE %s", s.Column, idCol)
			for j := lo; j < hi; j++ {
				b.WriteString(" WHEN ? THEN ?")
				args = append(args, ids[j], s.Values[j])
			}
			b.WriteString(" END")
		}
		fmt.Fprintf(&b, " WHERE %s IN (%s)", idCol, Placeholders(hi-lo))
		for j := lo; j < hi; j++ {
			args = append(args, ids[j])
		}
		if where != "" {
			b.WriteString(" AND " + where)
		}
		res, err := t.Exec(ctx, b.String(), args...)
		if err != nil {
			return fmt.Errorf("update %s: %w", table, err)
		}
		if n, err := res.RowsAffected(); err == nil && n < int64(hi-lo) {
			return fmt.Errorf("update %s: %d of %d rows found; the shop changed during the write", table, n, hi-lo)
		}
		return nil
	})
}

// Placeholders returns n comma-separated "?".
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}

// Int64Args turns ids into query arguments.
func Int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// StringArgs turns SKUs into query arguments.
func StringArgs(ss []string) []any {
	args := make([]any, len(ss))
	for i, s := range ss {
		args[i] = s
	}
	return args
}

// IDs checks that every change names a row of one of tables, once, and
// returns the ids in order.
func IDs(changes []Change, tables ...string) ([]int64, error) {
	ids := make([]int64, len(changes))
	seen := make(map[Key]bool, len(changes))
	for i, ch := range changes {
		if !slices.Contains(tables, ch.Key.Table) {
			return nil, fmt.Errorf("change %d (SKU %q): row %s is not a stock row of this shop (want %s)", i+1, ch.SKU, ch.Key, strings.Join(tables, " or "))
		}
		if seen[ch.Key] {
			return nil, fmt.Errorf("change %d (SKU %q): row %s is written twice", i+1, ch.SKU, ch.Key)
		}
		seen[ch.Key] = true
		ids[i] = ch.Key.ID
	}
	return ids, nil
}

// Check refuses a change to row found holding cur: gone, its SKU edited, or
// its stock changed since the plan.
func Check(ch Change, found bool, sku string, cur catalog.Num) error {
	if !found {
		return &StaleError{Key: ch.Key, SKU: ch.SKU, Expected: "the row", Found: "no row"}
	}
	if sku != ch.SKU {
		return &StaleError{Key: ch.Key, SKU: ch.SKU, Expected: fmt.Sprintf("SKU %q", ch.SKU), Found: fmt.Sprintf("SKU %q", sku)}
	}
	if ch.Expect.Known && (!cur.Known || cur.V.Cmp(ch.Expect.V) != 0) {
		return &StaleError{Key: ch.Key, SKU: ch.SKU, Expected: ch.Expect.String(), Found: numText(cur)}
	}
	return nil
}

func numText(n catalog.Num) string {
	if !n.Known {
		return "no value"
	}
	return n.String()
}

// ParseNum reads a stock value as the database returns it; NULL and text that
// is not a number are unknown.
func ParseNum(s sql.NullString) catalog.Num {
	if !s.Valid {
		return catalog.Num{}
	}
	d, err := decimal.Parse(strings.TrimSpace(s.String))
	if err != nil {
		return catalog.Num{}
	}
	return catalog.Known(d)
}

// IntValue is the integer a change writes, rounded per opt; an unknown
// quantity is refused, because the column cannot hold "no value".
func (t *Tx) IntValue(ch Change) (int64, error) {
	if !ch.Quantity.Known {
		return 0, fmt.Errorf("%s (SKU %q): no quantity to write", ch.Key, ch.SKU)
	}
	round := t.opt.Round
	if ch.Revert {
		round = RoundNone
	}
	n, err := round.Int(ch.Quantity.V)
	if err != nil {
		return 0, fmt.Errorf("%s (SKU %q): %w", ch.Key, ch.SKU, err)
	}
	return n, nil
}

// Select runs query once per batch of ids — query receives the "?,?,…" list
// for the batch, and lead are the arguments of placeholders before it — and
// calls scan for each row: the locking reads (FOR UPDATE) that take the values
// a Write replaces.
func (t *Tx) Select(ctx context.Context, lead []any, ids []int64, query func(in string) string, scan func(*sql.Rows) error) error {
	return t.Batches(len(ids), func(lo, hi int) error {
		args := append(append([]any(nil), lead...), Int64Args(ids[lo:hi])...)
		rows, err := t.Query(ctx, query(Placeholders(hi-lo)), args...)
		if err != nil {
			return fmt.Errorf("read the stock to replace: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return fmt.Errorf("read the stock to replace: %w", err)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read the stock to replace: %w", Explain(err))
		}
		return nil
	})
}

// RequireTransactions refuses tables whose engine cannot roll back (MyISAM,
// as OpenCart's installer creates them): a failed write would stay half-done.
func (c *Conn) RequireTransactions(ctx context.Context, tables ...string) error {
	for _, table := range tables {
		var engine, tx sql.NullString
		err := c.DB.QueryRowContext(ctx, `SELECT t.ENGINE, e.TRANSACTIONS FROM information_schema.TABLES t
			LEFT JOIN information_schema.ENGINES e ON e.ENGINE = t.ENGINE
			WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = ?`, c.Prefix+table).Scan(&engine, &tx)
		if err != nil {
			return fmt.Errorf("read the engine of %s%s: %w", c.Prefix, table, Explain(err))
		}
		if tx.String != "YES" {
			return fmt.Errorf("%s: table %s%s uses the %s engine, which cannot roll back, so a failed write could leave it half-written\n"+
				"convert it first (back up, then: ALTER TABLE %s%s ENGINE=InnoDB)", c.Loc, c.Prefix, table, engine.String, c.Prefix, table)
		}
	}
	return nil
}

// Exec runs a counted statement.
func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := t.tx.ExecContext(ctx, q, args...)
	t.counted()
	if err != nil {
		return nil, Explain(err)
	}
	return res, nil
}

// Write runs fn in one write transaction: committed when fn succeeds, rolled
// back on any error, which is returned naming the location. It also returns
// how many statements ran.
func (c *Conn) Write(ctx context.Context, opt WriteOptions, fn func(*Tx) ([]Row, error)) ([]Row, int, error) {
	tx, err := c.Begin(ctx, opt)
	if err != nil {
		return nil, 0, err
	}
	replaced, err := fn(tx)
	if err != nil {
		tx.Rollback()
		return nil, tx.Statements, fmt.Errorf("write stock to %s: %w", c.Loc, err)
	}
	return replaced, tx.Statements, tx.Commit()
}

// StockWriter is the API each shop's writer offers (woocommerce.Writer,
// opencart.Writer, prestashop.Writer, each made by its package's
// NewWriter(ctx, loc, WriteOptions)):
//
//   - Snapshot(ctx, skus) lists the rows holding those SKUs (all rows for nil)
//     with their current stock, keyed by shop row; rows with Unwritable set
//     cannot be written. Plan against it.
//   - Write(ctx, changes) writes, in one transaction, the rows the changes
//     name; a change's Expect makes a row changed since the Snapshot a
//     *StaleError and nothing is written. It returns the rows as they were
//     (journal them); a revert is Write of those rows with Revert set.
//   - Statements is the number of statements the last Write ran.
type StockWriter interface {
	Snapshot(ctx context.Context, skus []string) ([]Row, error)
	Write(ctx context.Context, changes []Change) ([]Row, error)
	Statements() int
	Close() error
}
