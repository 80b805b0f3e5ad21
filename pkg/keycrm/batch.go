package keycrm

import "fmt"

// Batch limits of the write endpoints (openapi.yaml x-notes batch-limits).
const (
	MaxStockBatch    = 10000 // PUT /offers/stocks
	MaxOfferUpdates  = 10000 // PUT /offers
	MaxProductImport = 100   // POST /products/import
	MaxOfferCreate   = 100   // POST /products/{id}/offers
	MaxPictures      = 6     // pictures per product
)

// checkBatch refuses an empty or oversized batch before anything is sent: KeyCRM
// would reject it whole, after spending a request of the budget.
func checkBatch(op string, n, limit int) error {
	if n < 1 || n > limit {
		return fmt.Errorf("%s: %d items, want 1 to %d: %w", op, n, limit, ErrBatchSize)
	}
	return nil
}

// checkProduct refuses what the contract forbids in a product body.
func checkProduct(op string, i int, name *string, f *ProductFields) error {
	if name != nil && *name == "" {
		return fmt.Errorf("%s: product %d has no name", op, i)
	}
	if len(f.Pictures) > MaxPictures {
		return fmt.Errorf("%s: product %d has %d pictures, at most %d are allowed", op, i, len(f.Pictures), MaxPictures)
	}
	return nil
}
