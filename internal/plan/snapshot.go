package plan

import (
	"fmt"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Snapshot is what the target holds now: KeyCRM's offers as the store read them, or a
// second source read as the target (diff --against, see Index.AsTarget).
type Snapshot struct {
	// Complete says the whole catalogue was read, not only the source's SKUs, so
	// offers absent from the source can be listed (and zeroed).
	Complete bool
	Offers   []Offer
	// Excluded are SKUs the target holds but cannot compare: a duplicate or a
	// problem-only SKU in a source read as the target. They are neither matched
	// nor missing on either side.
	Excluded map[string]bool
	// Duplicates and Problems are those of a source read as the target; Compute
	// lists them in the plan. KeyCRM snapshots leave them empty: duplicate KeyCRM
	// SKUs are found by Compute from Offers.
	Duplicates []Duplicate
	Problems   []catalog.Problem

	// index holds the offers of a source read as the target (Index.AsTarget),
	// which Compute reads in place instead of Offers.
	index *Index
}

// Offer is one KeyCRM offer (variant), or one SKU of a source read as the target.
type Offer struct {
	// ID is the KeyCRM offer id; 0 for a source read as the target.
	ID int64
	// SKU is as stored; "" when KeyCRM has none (null or empty). Such offers are
	// never matched, listed as missing or zeroed.
	SKU            string
	Price          catalog.Num
	PurchasedPrice catalog.Num
	// Name is the product name; "" when unknown.
	Name string
	// Available is the in-stock flag of a source read as the target; KeyCRM
	// offers leave it unknown and availability follows their stock.
	Available catalog.Flag
	// Stock is the stock per KeyCRM warehouse id. A warehouse without an entry
	// holds 0 of the offer (KeyCRM lists only warehouses with a stock record).
	Stock map[int64]Stock
	// Total is the stock over all warehouses, compared when no warehouse is
	// selected.
	Total Stock
	// Fields holds values of fields the comparison table does not know, by
	// canonical name (edit-products' weight, category, …), so targets that write
	// them can be read back and checked for staleness.
	Fields map[string]Value
}

// Stock is an offer's stock in one warehouse, or its total.
type Stock struct {
	Quantity decimal.Decimal
	Reserve  decimal.Decimal
	// Unknown is set when a source read as the target left the quantity empty.
	// It is a negative flag so that a KeyCRM store, whose quantities are always
	// known, cannot forget to set it and silently compare nothing.
	Unknown bool
}

// stockIn returns the offer's stock in warehouse wh, or its total when wh is 0.
func (o *Offer) stockIn(wh int64) Stock {
	if wh == 0 {
		return o.Total
	}
	return o.Stock[wh] // absent: zero quantity and reserve, known
}

// StockMode says which stock figure a diff compares.
type StockMode string

// Stock modes of --stock.
const (
	OnHand    StockMode = "on-hand"
	Available StockMode = "available"
)

// value returns the figure the mode selects: on-hand quantity, or quantity minus
// reserve floored at 0. known is false when the figure is unknown; err reports a
// difference outside the decimal range.
func (s Stock) value(mode StockMode) (d decimal.Decimal, known bool, err error) {
	if s.Unknown {
		return decimal.Zero, false, nil
	}
	if mode != Available {
		return s.Quantity, true, nil
	}
	d, err = s.Quantity.Sub(s.Reserve)
	if err != nil {
		return decimal.Zero, false, fmt.Errorf("available = %s - %s: %w", s.Quantity, s.Reserve, err)
	}
	if d.Sign() < 0 {
		// KeyCRM can reserve more than it holds; nothing is sellable then.
		return decimal.Zero, true, nil
	}
	return d, true, nil
}
