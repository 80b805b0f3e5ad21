// Package shop is a shop's own database as a write target (pull-stock --to
// woocommerce://…, opencart://…, prestashop://…): the plan compares KeyCRM's stock
// with the rows the shop holds, and one Write sets them in one transaction through
// the shop's shopdb.StockWriter, refusing rows changed since the plan.
package shop

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/opencart"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/prestashop"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/woocommerce"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/redact"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
)

// opener makes a shop's stock writer.
type opener func(context.Context, connector.Location, shopdb.WriteOptions) (shopdb.StockWriter, error)

func writer[W shopdb.StockWriter](open func(context.Context, connector.Location, shopdb.WriteOptions) (W, error)) opener {
	return func(ctx context.Context, loc connector.Location, opt shopdb.WriteOptions) (shopdb.StockWriter, error) {
		return open(ctx, loc, opt)
	}
}

// writers are the shops whose databases are written, by URL scheme.
var writers = map[string]opener{
	"woocommerce": writer(woocommerce.NewWriter),
	"opencart":    writer(opencart.NewWriter),
	"prestashop":  writer(prestashop.NewWriter),
}

// Is reports whether location names a shop database this package writes.
func Is(location string) bool {
	scheme, _, ok := strings.Cut(location, "://")
	return ok && writers[strings.ToLower(scheme)] != nil
}

// Shop writes stock into one shop database.
type Shop struct {
	w   shopdb.StockWriter
	loc connector.Location
	// rows are the shop's writable rows by SKU, as the last Snapshot or
	// Current found them: the plan names items by SKU, the shop by row.
	rows map[string]shopdb.Row
	// revert puts journaled values back as they were, never rounded.
	revert bool
	stale  *shopdb.StaleError
}

var _ target.ReadBacker = (*Shop)(nil)

// Open connects to the shop database at location. A location as a journal or plan
// shows it, its password masked, connects with KEYCRM_SYNC_DB_PASSWORD instead.
func Open(ctx context.Context, location string, opt shopdb.WriteOptions) (*Shop, error) {
	loc, err := connector.ParseLocation(unmask(location))
	if err != nil {
		return nil, err
	}
	open := writers[loc.Scheme]
	if open == nil {
		return nil, fmt.Errorf("%s: not a shop database (woocommerce://, opencart:// or prestashop://)", loc)
	}
	w, err := open(ctx, loc, opt)
	if err != nil {
		return nil, err
	}
	return &Shop{w: w, loc: loc}, nil
}

// unmask drops a password shown as the mask, so that the real one comes from
// KEYCRM_SYNC_DB_PASSWORD rather than the mask being sent as the password.
func unmask(location string) string {
	scheme, rest, ok := strings.Cut(location, "://")
	info, host, hasInfo := strings.Cut(rest, "@")
	if !ok || !hasInfo {
		return location
	}
	if user, pw, _ := strings.Cut(info, ":"); pw == redact.Mask || pw == url.QueryEscape(redact.Mask) {
		return scheme + "://" + user + "@" + host
	}
	return location
}

// Reverting returns a copy of s that writes journaled values back exactly.
func (s *Shop) Reverting() *Shop {
	r := *s
	r.revert = true
	return &r
}

// Close closes the connection.
func (s *Shop) Close() error { return s.w.Close() }

// Stale is the row the last Write found changed since the plan, or nil.
func (s *Shop) Stale() *shopdb.StaleError { return s.stale }

// Describe names the database, its password masked.
func (s *Shop) Describe() plan.Target {
	return plan.Target{Location: s.loc.String(), Format: s.loc.Scheme, WarehouseIDs: []int64{}}
}

// Snapshot reads the stock the shop holds for need's SKUs (every SKU when Full). A
// SKU on two rows, and rows whose stock cannot be written, are listed and left out.
func (s *Shop) Snapshot(ctx context.Context, need target.Need) (plan.Snapshot, error) {
	skus := need.SKUs
	if need.Full {
		skus = nil
	}
	rows, err := s.w.Snapshot(ctx, skus)
	if err != nil {
		return plan.Snapshot{}, err
	}
	return s.index(rows, need.Full), nil
}

func (s *Shop) index(rows []shopdb.Row, full bool) plan.Snapshot {
	snap := plan.Snapshot{Complete: full, Excluded: map[string]bool{}}
	bySKU := map[string][]shopdb.Row{}
	for _, r := range rows {
		bySKU[r.SKU] = append(bySKU[r.SKU], r)
	}
	s.rows = make(map[string]shopdb.Row, len(bySKU))
	for _, sku := range slices.Sorted(maps.Keys(bySKU)) {
		rs := bySKU[sku]
		r := rs[0]
		switch {
		case len(rs) > 1:
			d := plan.Duplicate{SKU: sku, Side: plan.SideTarget}
			for _, r := range rs {
				d.Rows = append(d.Rows, int(r.Key.ID))
			}
			snap.Duplicates = append(snap.Duplicates, d)
			snap.Excluded[sku] = true
		case r.Unwritable != "":
			snap.Problems = append(snap.Problems, catalog.Problem{File: s.loc.String(), Row: int(r.Key.ID), Column: r.Key.Table,
				Field: catalog.FieldQuantity, Error: fmt.Sprintf("%s (SKU %q): %s: not written", r.Key, sku, r.Unwritable)})
			snap.Excluded[sku] = true
		default:
			s.rows[sku] = r
			snap.Offers = append(snap.Offers, plan.Offer{SKU: sku,
				Total: plan.Stock{Quantity: r.Quantity.V, Unknown: !r.Quantity.Known}})
		}
	}
	return snap
}

// Fields is the one field the shop's stock writers write.
func (s *Shop) Fields() []string { return []string{catalog.FieldQuantity} }

// BatchSize is 0: every change goes in one Write, so one transaction, which the
// writer batches into statements itself.
func (s *Shop) BatchSize() int { return 0 }

// Write sets the entries' stock in one transaction. Each row must still hold the
// entry's From, else nothing is written and Stale says which row changed.
func (s *Shop) Write(ctx context.Context, b target.Batch) error {
	changes := make([]shopdb.Change, len(b.Entries))
	for i, c := range b.Entries {
		r, ok := s.rows[c.SKU]
		if !ok || c.Field != catalog.FieldQuantity {
			return fmt.Errorf("entry %s %s is not a stock row of %s", c.SKU, c.Field, s.loc)
		}
		changes[i] = shopdb.Change{Key: r.Key, SKU: r.SKU, Quantity: num(c.To), Expect: num(c.From), Revert: s.revert}
	}
	// The rows Write replaced need no keeping here: the plan's From values,
	// journaled, are the same values, checked against the rows as they were.
	_, err := s.w.Write(ctx, changes)
	var stale *shopdb.StaleError
	if errors.As(err, &stale) {
		s.stale = stale
	}
	return err
}

// Refused says a failed Write applied nothing: it is one transaction, rolled back
// on any error.
func (s *Shop) Refused(error, target.Batch) ([]int, bool) { return nil, true }

// Current reads the entries' rows as they are now.
func (s *Shop) Current(ctx context.Context, entries []plan.Change) (plan.Snapshot, error) {
	skus := make([]string, 0, len(entries))
	for _, c := range entries {
		skus = append(skus, c.SKU)
	}
	rows, err := s.w.Snapshot(ctx, skus)
	if err != nil {
		return plan.Snapshot{}, err
	}
	return s.index(rows, false), nil
}

func num(v plan.Value) catalog.Num {
	if d, ok := v.Number(); ok {
		return catalog.Known(d)
	}
	return catalog.Num{}
}
