// Package keycrmstock is KeyCRM's on-hand stock as a write target: PUT /offers/stocks,
// one warehouse and up to 10,000 offers a request, by offer id, read back 50 offers a
// request.
package keycrmstock

import (
	"context"
	"errors"
	"fmt"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/keycrmstore"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

// Client is the part of the KeyCRM client the target uses.
type Client interface {
	keycrmstore.Client
	BaseURL() string
}

var _ Client = (*keycrm.Client)(nil)

// Stock writes KeyCRM's on-hand stock.
type Stock struct {
	c     Client
	store *keycrmstore.Store
	// batch is the most offers one write carries; tests make it small.
	batch int
}

var _ target.ReadBacker = (*Stock)(nil)

// New returns the stock target on c.
func New(c Client) *Stock {
	return &Stock{c: c, store: keycrmstore.New(c), batch: keycrm.MaxStockBatch}
}

// WithBatchSize returns a copy of s that writes at most n offers a request (n > 0).
func (s *Stock) WithBatchSize(n int) *Stock {
	t := *s
	t.batch = n
	return &t
}

// Describe names KeyCRM and its API URL, as the contract's plan shows them.
func (s *Stock) Describe() plan.Target {
	u := s.c.BaseURL()
	return plan.Target{Location: plan.KeyCRM, APIURL: &u, WarehouseIDs: []int64{}}
}

// Snapshot reads the stock with the fewest requests (see keycrmstore.Store.Snapshot).
func (s *Stock) Snapshot(ctx context.Context, need target.Need) (plan.Snapshot, error) {
	snap, _, err := s.store.Snapshot(ctx, keycrmstore.Need{SKUs: need.SKUs, Full: need.Full}, need.Progress)
	return snap, err
}

// Fields is the one field the target writes.
func (s *Stock) Fields() []string { return []string{catalog.FieldQuantity} }

// BatchSize is KeyCRM's limit of PUT /offers/stocks.
func (s *Stock) BatchSize() int { return s.batch }

// Write sets the on-hand quantity of the batch's offers in its warehouse, by offer id
// (a SKU could match several offers; the plan already resolved each to one id).
func (s *Stock) Write(ctx context.Context, b target.Batch) error {
	stocks := make([]keycrm.StockTarget, len(b.Entries))
	for i, c := range b.Entries {
		q, ok := c.To.Number()
		if !ok || c.Field != catalog.FieldQuantity || c.OfferID == 0 {
			return fmt.Errorf("entry %s %s is not a stock quantity of an offer", c.SKU, c.Field)
		}
		stocks[i] = keycrm.StockTarget{ID: c.OfferID, Quantity: q}
	}
	return s.c.PutStocks(ctx, b.WarehouseID, stocks)
}

// Refused reads KeyCRM's answer: a 422 whose errors name items (stocks.N.…) refuses
// those; any other 4xx refuses the whole batch, as would the same request sent
// before (retries). Not so a 408 or 429, which may follow an attempt whose answer
// was lost, nor a 5xx or a dropped connection: that write may have landed.
func (s *Stock) Refused(err error, b target.Batch) ([]int, bool) {
	var apiErr *keycrm.APIError
	if !errors.As(err, &apiErr) {
		return nil, false
	}
	if apiErr.Status == 422 {
		if bad := apiErr.ItemIndexes("stocks"); len(bad) > 0 && len(bad) < len(b.Entries) {
			return bad, false
		}
	}
	return nil, apiErr.Status >= 400 && apiErr.Status < 500 && apiErr.Status != 408 && apiErr.Status != 429
}

// Current reads the entries' offers, 50 a request.
func (s *Stock) Current(ctx context.Context, entries []plan.Change) (plan.Snapshot, error) {
	return s.store.ReadByID(ctx, offerIDs(entries))
}

// offerIDs lists the distinct offer ids of changes, in order of first appearance.
func offerIDs(changes []plan.Change) []int64 {
	seen := make(map[int64]bool, len(changes))
	var ids []int64
	for _, c := range changes {
		if c.OfferID != 0 && !seen[c.OfferID] {
			seen[c.OfferID] = true
			ids = append(ids, c.OfferID)
		}
	}
	return ids
}
