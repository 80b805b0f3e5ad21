// Package keycrmstore turns KeyCRM into a plannable target: it reads the stock
// snapshot a plan needs with the fewest requests the API allows, and converts the
// client's wire rows into plan.Offers. With 60 requests a minute the request count
// is the real cost of a sync, so every read here is chosen by counting.
package keycrmstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

// Client is the part of the KeyCRM client the store uses.
type Client interface {
	StocksPage(ctx context.Context, q keycrm.StockQuery, page int) (*keycrm.Page[keycrm.OfferStock], error)
	EachStockPage(ctx context.Context, q keycrm.StockQuery, startPage int, fn func(*keycrm.Page[keycrm.OfferStock]) error) error
	StocksBySKU(ctx context.Context, skus []string, details bool, fn func(*keycrm.Page[keycrm.OfferStock]) error) error
	StocksByID(ctx context.Context, ids []int64, details bool, fn func(*keycrm.Page[keycrm.OfferStock]) error) error
	StockSKURequests(skus []string) (int, error)
	PutStocks(ctx context.Context, warehouseID int64, stocks []keycrm.StockTarget) error
}

var _ Client = (*keycrm.Client)(nil)

// Progress is told how many pages of a read are done and how many there will be
// (0 while unknown).
type Progress func(done, total int)

// Store reads and writes KeyCRM stock.
type Store struct {
	c Client
}

// New returns a Store on c.
func New(c Client) *Store { return &Store{c: c} }

// Need says what a plan needs from KeyCRM.
type Need struct {
	// SKUs are the distinct SKUs of the source.
	SKUs []string
	// Full asks for the whole catalogue, because the plan lists (or zeroes) the
	// offers the source lacks: diff and push-stock --missing zero.
	Full bool
}

// Warehouses maps the warehouse ids seen in stock rows to their names; the API has
// no warehouse list, so this is all it reveals.
type Warehouses map[int64]string

// Snapshot reads the stock the plan needs. The first full-catalogue page (with the
// per-warehouse breakdown) tells how many offers there are, N; then the cheaper of
// two reads follows: the remaining ceil(N/50)-1 pages, or the source's SKUs filtered
// 50 a request. The whole source is read filtered (not only the SKUs missing from the
// first page) so that a second offer holding a SKU seen there is still found: such a
// target duplicate must be left out, not written. Ties go to the full read, which
// also tells what the source lacks. So the read costs min(ceil(N/50), 1+ceil(S/50))
// requests, and a full one whenever Need.Full is set or a SKU cannot be filtered (a
// comma in it).
func (s *Store) Snapshot(ctx context.Context, need Need, progress Progress) (plan.Snapshot, Warehouses, error) {
	b := newBuilder()
	first, err := s.c.StocksPage(ctx, keycrm.StockQuery{Details: true}, 1)
	if err != nil {
		return plan.Snapshot{}, nil, fmt.Errorf("read KeyCRM stock: %w", err)
	}
	fullCost := max(first.LastPage, 1)
	progress.report(1, fullCost)
	if !first.HasNext() {
		b.add(first.Data)
		return b.snapshot(true), b.warehouses, nil
	}
	filteredCost := 0
	if !need.Full {
		n, err := s.c.StockSKURequests(need.SKUs)
		switch {
		case errors.Is(err, keycrm.ErrCommaInFilter), errors.Is(err, keycrm.ErrFilterValueTooLong):
		case err != nil:
			return plan.Snapshot{}, nil, err
		case 1+n < fullCost:
			filteredCost = 1 + n
		}
	}
	if filteredCost > 0 {
		done := 1
		err := s.c.StocksBySKU(ctx, need.SKUs, true, func(p *keycrm.Page[keycrm.OfferStock]) error {
			b.add(p.Data)
			done++
			progress.report(done, filteredCost)
			return nil
		})
		if err != nil {
			return plan.Snapshot{}, nil, fmt.Errorf("read KeyCRM stock by SKU: %w", err)
		}
		// First-page rows of other SKUs are left out: the plan must not see a
		// partial catalogue as if it were the whole.
		b.warehouses.addAll(first.Data)
		return b.snapshot(false), b.warehouses, nil
	}
	b.add(first.Data)
	done := 1
	err = s.c.EachStockPage(ctx, keycrm.StockQuery{Details: true}, 2, func(p *keycrm.Page[keycrm.OfferStock]) error {
		b.add(p.Data)
		done++
		progress.report(done, max(p.LastPage, fullCost))
		return nil
	})
	if err != nil {
		return plan.Snapshot{}, nil, fmt.Errorf("read KeyCRM stock: %w", err)
	}
	return b.snapshot(true), b.warehouses, nil
}

// ReadByID reads the stock of the given offers, 50 a request: the read-back after a
// write, the staleness check of a saved plan, and the live values a revert starts
// from.
func (s *Store) ReadByID(ctx context.Context, ids []int64) (plan.Snapshot, error) {
	b := newBuilder()
	err := s.c.StocksByID(ctx, ids, true, func(p *keycrm.Page[keycrm.OfferStock]) error {
		b.add(p.Data)
		return nil
	})
	if err != nil {
		return plan.Snapshot{}, fmt.Errorf("read back KeyCRM stock: %w", err)
	}
	return b.snapshot(false), nil
}

func (p Progress) report(done, total int) {
	if p != nil {
		p(done, total)
	}
}

type builder struct {
	offers     []plan.Offer
	seen       map[int64]bool
	warehouses Warehouses
}

func newBuilder() *builder {
	return &builder{seen: map[int64]bool{}, warehouses: Warehouses{}}
}

// add converts rows, once per offer id: offset paging can repeat a row when the
// catalogue changes during the read.
func (b *builder) add(rows []keycrm.OfferStock) {
	for i := range rows {
		r := &rows[i]
		if b.seen[r.ID] {
			continue
		}
		b.seen[r.ID] = true
		b.offers = append(b.offers, Offer(r))
		b.warehouses.addRow(r)
	}
}

func (w Warehouses) addRow(r *keycrm.OfferStock) {
	for _, ws := range r.Warehouse {
		w[ws.ID] = ws.Name
	}
}

func (w Warehouses) addAll(rows []keycrm.OfferStock) {
	for i := range rows {
		w.addRow(&rows[i])
	}
}

func (b *builder) snapshot(complete bool) plan.Snapshot {
	return plan.Snapshot{Complete: complete, Offers: b.offers}
}

// Offer converts a stock row (read with the per-warehouse breakdown).
func Offer(r *keycrm.OfferStock) plan.Offer {
	o := plan.Offer{
		ID:    r.ID,
		SKU:   r.SKU,
		Price: catalog.Known(r.Price),
		Stock: make(map[int64]plan.Stock, len(r.Warehouse)),
		Total: plan.Stock{Quantity: r.Quantity, Reserve: r.Reserve},
	}
	if r.PurchasedPrice != nil {
		o.PurchasedPrice = catalog.Known(*r.PurchasedPrice)
	}
	for _, w := range r.Warehouse {
		o.Stock[w.ID] = plan.Stock{Quantity: w.Quantity, Reserve: w.Reserve}
	}
	return o
}
