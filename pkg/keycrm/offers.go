package keycrm

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

const offersPath = "/offers"

// OfferQuery shapes a read of GET /offers.
type OfferQuery struct {
	// IncludeProduct embeds each offer's parent card (include=product).
	IncludeProduct bool
	// Archived, when set, keeps only archived (true) or active (false) offers.
	Archived *bool
}

// values always sorts by id: offset pages drift when rows are added while a
// reader pages, and a stable order at least keeps existing rows in place.
func (q OfferQuery) values() url.Values {
	v := url.Values{"sort": {"id"}}
	if q.IncludeProduct {
		v.Set("include", "product")
	}
	if q.Archived != nil {
		v.Set("filter[is_archived]", strconv.FormatBool(*q.Archived))
	}
	return v
}

// OffersPage reads one page of offers (50 rows a page).
func (c *Client) OffersPage(ctx context.Context, q OfferQuery, page int) (*Page[Offer], error) {
	return getPage[Offer](ctx, c, offersPath, q.values(), page)
}

// EachOfferPage reads every offer, page by page from startPage, calling fn for
// each page until the last.
func (c *Client) EachOfferPage(ctx context.Context, q OfferQuery, startPage int, fn func(*Page[Offer]) error) error {
	return walk(ctx, c, offersPath, q.values(), startPage, nil, fn)
}

// OffersBySKU reads the offers with the given SKUs with as few requests as the
// filter allows; fn gets only offers whose SKU is exactly one asked for. This is
// how a SKU is resolved to offer and product ids.
func (c *Client) OffersBySKU(ctx context.Context, skus []string, includeProduct bool, fn func(*Page[Offer]) error) error {
	return readFiltered(ctx, c, offersPath, OfferQuery{IncludeProduct: includeProduct}.values(), "filter[sku]", skus,
		func(o *Offer) string { return o.SKU }, fn)
}

// OffersByID reads the offers with the given ids, 50 a request.
func (c *Client) OffersByID(ctx context.Context, ids []int64, includeProduct bool, fn func(*Page[Offer]) error) error {
	return readFiltered(ctx, c, offersPath, OfferQuery{IncludeProduct: includeProduct}.values(), "filter[id]", idStrings(ids),
		func(o *Offer) string { return strconv.FormatInt(o.ID, 10) }, fn)
}

// PutOffers updates price, purchase price, dimensions and image of up to 10,000
// offers. The values are absolute, so repeating the call is harmless; there is no
// per-item result.
func (c *Client) PutOffers(ctx context.Context, offers []OfferUpdate) error {
	const op = "PUT " + offersPath
	if err := checkBatch(op, len(offers), MaxOfferUpdates); err != nil {
		return err
	}
	for i, o := range offers {
		if o.ID == 0 && o.SKU == "" {
			return fmt.Errorf("%s: item %d names no offer (set id or sku)", op, i)
		}
	}
	return c.do(ctx, &call{method: http.MethodPut, path: offersPath, body: offerUpdateRequest{Offers: offers}})
}

// CreateOffers adds up to 100 variants to a product. KeyCRM answers without the
// new ids: look them up by SKU afterwards. Like every POST it is retried only
// after a 429; after another failure some variants may exist, so read back by SKU
// before sending again.
func (c *Client) CreateOffers(ctx context.Context, productID int64, offers []OfferCreate) error {
	path := productPath(productID) + "/offers"
	if err := checkBatch("POST "+path, len(offers), MaxOfferCreate); err != nil {
		return err
	}
	return c.do(ctx, &call{method: http.MethodPost, path: path, body: offerCreateRequest{Offers: offers}})
}
