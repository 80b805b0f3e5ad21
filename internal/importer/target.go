package importer

import (
	"context"
	"fmt"

	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

// ReadTarget reads what both catalogue commands plan against, with the fewest
// requests: the offers holding the source's SKUs (SKU-filtered, 50 a request; with
// their cards when withProducts) and the whole category tree (50 a page).
func ReadTarget(ctx context.Context, c *keycrm.Client, skus []string, withProducts bool) (catalogplan.Existing, error) {
	var ex catalogplan.Existing
	if len(skus) > 0 {
		err := c.OffersBySKU(ctx, skus, withProducts, func(pg *keycrm.Page[keycrm.Offer]) error {
			ex.Offers = append(ex.Offers, pg.Data...)
			return nil
		})
		if err != nil {
			return ex, fmt.Errorf("read KeyCRM offers by SKU: %w", err)
		}
	}
	var cats []keycrm.Category
	err := c.EachCategoryPage(ctx, 1, func(pg *keycrm.Page[keycrm.Category]) error {
		cats = append(cats, pg.Data...)
		return nil
	})
	if err != nil {
		return ex, fmt.Errorf("read KeyCRM categories: %w", err)
	}
	ex.Categories = catalogplan.NewCategories(cats)
	return ex, nil
}
