package keycrmmock

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

type offerView struct {
	ID             int64           `json:"id"`
	ProductID      int64           `json:"product_id"`
	SKU            *string         `json:"sku"`
	Barcode        *string         `json:"barcode"`
	ThumbnailURL   *string         `json:"thumbnail_url"`
	Price          decimal.Decimal `json:"price"`
	PurchasedPrice decimal.Decimal `json:"purchased_price"`
	Quantity       decimal.Decimal `json:"quantity"`
	InReserve      decimal.Decimal `json:"in_reserve"`
	Weight         decimal.Decimal `json:"weight"`
	Length         decimal.Decimal `json:"length"`
	Width          decimal.Decimal `json:"width"`
	Height         decimal.Decimal `json:"height"`
	Properties     []Property      `json:"properties"`
	IsDefault      bool            `json:"is_default"`
	IsArchived     bool            `json:"is_archived"`
	CreatedAt      string          `json:"created_at"`
	UpdatedAt      string          `json:"updated_at"`
	Product        *productView    `json:"product,omitempty"`
}

func viewOffer(o *offer, withProduct bool) offerView {
	qty, res := o.sum()
	v := offerView{
		ID: o.ID, ProductID: o.product.ID, SKU: o.SKU, Barcode: nonEmpty(o.Barcode), ThumbnailURL: o.imageURL,
		Price: o.Price, PurchasedPrice: o.PurchasedPrice, Quantity: qty, InReserve: res,
		Weight: o.Weight, Length: o.Length, Width: o.Width, Height: o.Height,
		Properties: o.Properties, IsDefault: o.isDefault(), IsArchived: o.archived(),
		CreatedAt: timestamp(o.created), UpdatedAt: timestamp(o.updated),
	}
	if withProduct {
		pv := viewProduct(o.product)
		pv.PropertiesAgg = o.product.propertiesAgg()
		pv.Sources = []any{}
		v.Product = &pv
	}
	return v
}

// archived counts an offer of an archived product as archived: it cannot be
// sold either.
func (o *offer) archived() bool { return o.IsArchived || o.product.IsArchived }

// offerFilter holds the list filters of GET /offers and GET /offers/stocks;
// nil means the filter was not given.
type offerFilter struct {
	ids, products map[int64]bool
	skus          map[string]bool
	archived      *bool
}

// filterOffers returns the matching offers in id order. Id, SKU and product
// filters start from index lookups, so a filtered page never scans the catalogue;
// without filters the whole ordered index is returned as is.
func (st *store) filterOffers(f offerFilter) []*offer {
	var cands []*offer
	switch {
	case f.ids != nil:
		for id := range f.ids {
			if o := st.offerByID[id]; o != nil {
				cands = append(cands, o)
			}
		}
	case f.skus != nil:
		for sku := range f.skus {
			cands = append(cands, st.offersBySKU[sku]...)
		}
	case f.products != nil:
		for id := range f.products {
			if p := st.productByID[id]; p != nil {
				cands = append(cands, p.offers...)
			}
		}
	case f.archived == nil:
		return st.offers
	default:
		cands = st.offers
	}
	out := make([]*offer, 0, len(cands))
	for _, o := range cands {
		if f.match(o) {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b *offer) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func (f offerFilter) match(o *offer) bool {
	switch {
	case f.ids != nil && !f.ids[o.ID]:
		return false
	case f.skus != nil && (o.SKU == nil || !f.skus[*o.SKU]):
		return false
	case f.products != nil && !f.products[o.product.ID]:
		return false
	case f.archived != nil && *f.archived != o.archived():
		return false
	}
	return true
}

// listOffers is GET /offers.
func listOffers(st *store, c *call) reply {
	q := c.r.URL.Query()
	offers := st.filterOffers(offerFilter{
		ids:      filterIDs(q.Get("filter[id]")),
		products: filterIDs(q.Get("filter[product_id]")),
		skus:     filterStrings(q.Get("filter[sku]")),
		archived: filterBool(q.Get("filter[is_archived]")),
	})
	withProduct := includes(q.Get("include"), "product")
	return reply{http.StatusOK, paginate(c.r, offers, q.Get("sort") == "-id", func(o *offer) offerView {
		return viewOffer(o, withProduct)
	})}
}

// updateOffers is PUT /offers: prices, dimensions and image of up to 10,000
// offers named by id or SKU, applied only if every item is valid.
func updateOffers(st *store, c *call) reply {
	body, ok := parseBody(c.body)
	if !ok {
		return invalid(body.errs)
	}
	type update struct {
		offers []*offer
		patch  offerPatch
	}
	var updates []update
	if items, ok := body.list("offers", maxStockItems, true); ok {
		for i := range items.items {
			it, ok := items.object(i)
			if !ok {
				continue
			}
			updates = append(updates, update{st.lookupOffers(it), decodeOfferPatch(it, patchImage)})
		}
	}
	if len(body.errs) > 0 {
		return invalid(body.errs)
	}
	for _, u := range updates {
		for _, o := range u.offers {
			u.patch.apply(st, o, c.now)
		}
	}
	return reply{http.StatusAccepted, accepted}
}

// patchFields selects the offer fields an endpoint accepts besides the amounts.
type patchFields uint8

const (
	patchSKU patchFields = 1 << iota
	patchBarcode
	patchImage
)

// offerAmounts are the numeric offer fields every offer-writing endpoint takes.
var offerAmounts = []struct {
	name  string
	field func(*Offer) *decimal.Decimal
}{
	{"price", func(o *Offer) *decimal.Decimal { return &o.Price }},
	{"purchased_price", func(o *Offer) *decimal.Decimal { return &o.PurchasedPrice }},
	{"weight", func(o *Offer) *decimal.Decimal { return &o.Weight }},
	{"length", func(o *Offer) *decimal.Decimal { return &o.Length }},
	{"width", func(o *Offer) *decimal.Decimal { return &o.Width }},
	{"height", func(o *Offer) *decimal.Decimal { return &o.Height }},
}

// offerPatch is the validated offer part of a write; nil and absent mean "not
// sent", so an update changes only what the client sent.
type offerPatch struct {
	sku, barcode, image *string
	amounts             []amountValue
}

type amountValue struct {
	field func(*Offer) *decimal.Decimal
	value decimal.Decimal
}

func decodeOfferPatch(it object, fields patchFields) offerPatch {
	var p offerPatch
	if fields&patchSKU != 0 {
		p.sku = it.optStr("sku")
	}
	if fields&patchBarcode != 0 {
		p.barcode = it.optStr("barcode")
	}
	if fields&patchImage != 0 {
		p.image = it.optStr("image_url")
	}
	for _, a := range offerAmounts {
		if v, ok := it.amount(a.name); ok {
			p.amounts = append(p.amounts, amountValue{a.field, v})
		}
	}
	return p
}

func (p offerPatch) empty() bool {
	return p.sku == nil && p.barcode == nil && p.image == nil && len(p.amounts) == 0
}

func (p offerPatch) apply(st *store, o *offer, now time.Time) {
	if p.sku != nil {
		st.setSKU(o, p.sku)
	}
	if p.barcode != nil {
		o.Barcode = *p.barcode
	}
	if p.image != nil {
		o.imageURL = nonEmpty(*p.image)
	}
	for _, a := range p.amounts {
		*a.field(&o.Offer) = a.value
	}
	o.updated = now
}

// nonEmpty shows an empty text as null, as KeyCRM does for unset barcodes.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
