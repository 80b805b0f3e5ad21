package keycrmmock

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

const (
	maxImportProducts = 100
	maxCreateOffers   = 100
	maxPictures       = 6
)

// productView is a product card as every product endpoint and include=product
// send it. sku, barcode, prices and dimensions are those of the single offer of
// a product without variants and null otherwise.
type productView struct {
	ID              int64            `json:"id"`
	Name            string           `json:"name"`
	Description     string           `json:"description"`
	ThumbnailURL    *string          `json:"thumbnail_url"`
	AttachmentsData []string         `json:"attachments_data"`
	Quantity        decimal.Decimal  `json:"quantity"`
	InReserve       decimal.Decimal  `json:"in_reserve"`
	UnitType        *string          `json:"unit_type"`
	CurrencyCode    string           `json:"currency_code"`
	SKU             *string          `json:"sku"`
	Barcode         *string          `json:"barcode"`
	Price           *decimal.Decimal `json:"price"`
	PurchasedPrice  *decimal.Decimal `json:"purchased_price"`
	MinPrice        decimal.Decimal  `json:"min_price"`
	MaxPrice        decimal.Decimal  `json:"max_price"`
	Weight          *decimal.Decimal `json:"weight"`
	Length          *decimal.Decimal `json:"length"`
	Width           *decimal.Decimal `json:"width"`
	Height          *decimal.Decimal `json:"height"`
	HasOffers       bool             `json:"has_offers"`
	IsArchived      bool             `json:"is_archived"`
	CategoryID      *int64           `json:"category_id"`
	CreatedAt       string           `json:"created_at"`
	UpdatedAt       string           `json:"updated_at"`

	CustomFields  []any               `json:"custom_fields,omitzero"`  // include=custom_fields
	PropertiesAgg map[string][]string `json:"properties_agg,omitzero"` // include=product on /offers
	Sources       []any               `json:"sources,omitzero"`        // include=product on /offers
}

func viewProduct(p *product) productView {
	qty, res := p.sum()
	v := productView{
		ID: p.ID, Name: p.Name, Description: p.Description,
		AttachmentsData: slices.Clone(p.pictures), Quantity: qty, InReserve: res,
		UnitType: p.unitType, CurrencyCode: p.CurrencyCode, HasOffers: p.hasVariants(),
		IsArchived: p.IsArchived, CategoryID: p.CategoryID,
		CreatedAt: timestamp(p.created), UpdatedAt: timestamp(p.updated),
	}
	if v.AttachmentsData == nil {
		v.AttachmentsData = []string{}
	}
	if len(p.pictures) > 0 {
		v.ThumbnailURL = &p.pictures[0]
	}
	for i, o := range p.offers {
		if i == 0 || o.Price.Cmp(v.MinPrice) < 0 {
			v.MinPrice = o.Price
		}
		if i == 0 || o.Price.Cmp(v.MaxPrice) > 0 {
			v.MaxPrice = o.Price
		}
	}
	if !v.HasOffers && len(p.offers) == 1 {
		o := p.offers[0].Offer
		v.SKU, v.Barcode = o.SKU, nonEmpty(o.Barcode)
		v.Price, v.PurchasedPrice = &o.Price, &o.PurchasedPrice
		v.Weight, v.Length, v.Width, v.Height = &o.Weight, &o.Length, &o.Width, &o.Height
	}
	return v
}

// sum is totals for reads; see offer.sum for why it cannot fail.
func (p *product) sum() (quantity, reserve decimal.Decimal) {
	quantity, reserve, _ = p.totals()
	return quantity, reserve
}

// propertiesAgg lists, per property name, every value the variants use, in the
// order the variants were created.
func (p *product) propertiesAgg() map[string][]string {
	agg := map[string][]string{}
	for _, o := range p.offers {
		for _, prop := range o.Properties {
			if !slices.Contains(agg[prop.Name], prop.Value) {
				agg[prop.Name] = append(agg[prop.Name], prop.Value)
			}
		}
	}
	return agg
}

// listProducts is GET /products.
func listProducts(st *store, c *call) reply {
	q := c.r.URL.Query()
	ids := filterIDs(q.Get("filter[product_id]"))
	categories := filterIDs(q.Get("filter[category_id]"))
	archived := filterBool(q.Get("filter[is_archived]"))
	products := st.products
	if ids != nil || categories != nil || archived != nil {
		products = nil
		for _, p := range st.candidateProducts(ids) {
			switch {
			case ids != nil && !ids[p.ID]:
			case categories != nil && (p.CategoryID == nil || !categories[*p.CategoryID]):
			case archived != nil && *archived != p.IsArchived:
			default:
				products = append(products, p)
			}
		}
	}
	withFields := includes(q.Get("include"), "custom_fields")
	return reply{http.StatusOK, paginate(c.r, products, false, func(p *product) productView {
		return viewWithFields(p, withFields)
	})}
}

// candidateProducts narrows a product_id filter by index lookups.
func (st *store) candidateProducts(ids map[int64]bool) []*product {
	if ids == nil {
		return st.products
	}
	var out []*product
	for id := range ids {
		if p := st.productByID[id]; p != nil {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *product) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// viewWithFields adds the custom fields include. The emulator models no custom
// fields, so the list of filled ones is always empty.
func viewWithFields(p *product, withFields bool) productView {
	v := viewProduct(p)
	if withFields {
		v.CustomFields = []any{}
	}
	return v
}

func (st *store) productFromPath(c *call) (*product, bool) {
	id, err := strconv.ParseInt(c.productID, 10, 64)
	if err != nil {
		return nil, false
	}
	p := st.productByID[id]
	return p, p != nil
}

// getProduct is GET /products/{productId}.
func getProduct(st *store, c *call) reply {
	p, ok := st.productFromPath(c)
	if !ok {
		return notFound("Product", c.productID)
	}
	return reply{http.StatusOK, viewWithFields(p, includes(c.r.URL.Query().Get("include"), "custom_fields"))}
}

// createProduct is POST /products: a card with its default offer.
func createProduct(st *store, c *call) reply {
	body, ok := parseBody(c.body)
	if !ok {
		return invalid(body.errs)
	}
	patch := decodeProductPatch(st, body, true)
	if len(body.errs) > 0 {
		return invalid(body.errs)
	}
	return reply{http.StatusCreated, viewProduct(st.createProduct(patch, c.now))}
}

// importProducts is POST /products/import: up to 100 cards, all or none.
func importProducts(st *store, c *call) reply {
	body, ok := parseBody(c.body)
	if !ok {
		return invalid(body.errs)
	}
	var patches []productPatch
	if items, ok := body.list("products", maxImportProducts, true); ok {
		for i := range items.items {
			if it, ok := items.object(i); ok {
				patches = append(patches, decodeProductPatch(st, it, true))
			}
		}
	}
	if len(body.errs) > 0 {
		return invalid(body.errs)
	}
	for _, p := range patches {
		st.createProduct(p, c.now)
	}
	return reply{http.StatusCreated, accepted}
}

// updateProduct is PUT /products/{productId}, a partial update. The offer
// fields (sku, barcode, prices, dimensions) reach the default offer of a product
// without variants and are ignored for one with variants, whose offers are
// changed through PUT /offers.
func updateProduct(st *store, c *call) reply {
	p, ok := st.productFromPath(c)
	if !ok {
		return notFound("Product", c.productID)
	}
	body, ok := parseBody(c.body)
	if !ok {
		return invalid(body.errs)
	}
	patch := decodeProductPatch(st, body, false)
	if len(body.errs) > 0 {
		return invalid(body.errs)
	}
	patch.apply(p)
	p.updated = c.now
	if !p.hasVariants() && len(p.offers) == 1 && !patch.offer.empty() {
		patch.offer.apply(st, p.offers[0], c.now)
	}
	return reply{http.StatusAccepted, viewProduct(p)}
}

// createOffers is POST /products/{productId}/offers: up to 100 variants. A
// product created without SKU has a placeholder default offer; the first
// variants replace it, as they do in KeyCRM's UI.
func createOffers(st *store, c *call) reply {
	p, ok := st.productFromPath(c)
	if !ok {
		return notFound("Product", c.productID)
	}
	body, ok := parseBody(c.body)
	if !ok {
		return invalid(body.errs)
	}
	type variant struct {
		patch      offerPatch
		properties []Property
	}
	var variants []variant
	if items, ok := body.list("offers", maxCreateOffers, true); ok {
		for i := range items.items {
			if it, ok := items.object(i); ok {
				variants = append(variants, variant{decodeOfferPatch(it, patchSKU|patchBarcode|patchImage), decodeProperties(it)})
			}
		}
	}
	if len(body.errs) > 0 {
		return invalid(body.errs)
	}
	if len(p.offers) == 1 && p.offers[0].SKU == nil && len(p.offers[0].Properties) == 0 {
		st.removeOffer(p.offers[0])
	}
	for _, v := range variants {
		o := &offer{Offer: Offer{Properties: v.properties}, created: c.now}
		st.addOffer(p, o)
		v.patch.apply(st, o, c.now)
	}
	p.updated = c.now
	return reply{http.StatusCreated, accepted}
}

// decodeProperties reads a variant's properties; one without both a name and a
// value is dropped, as the contract says KeyCRM does.
func decodeProperties(it object) []Property {
	props := []Property{}
	l, ok := it.list("properties", math.MaxInt, false)
	if !ok {
		return props
	}
	for i := range l.items {
		po, ok := l.object(i)
		if !ok {
			continue
		}
		name, _ := po.str("name")
		value, _ := po.str("value")
		if name != "" && value != "" {
			props = append(props, Property{Name: name, Value: value})
		}
	}
	return props
}

// productPatch is the validated product part of a create or update.
type productPatch struct {
	name, description, currency, unitType *string
	categoryID                            *int64
	pictures                              []string
	hasPictures                           bool
	offer                                 offerPatch
}

func decodeProductPatch(st *store, it object, create bool) productPatch {
	var p productPatch
	p.name = it.text("name", create)
	p.description = it.optStr("description")
	p.unitType = it.optStr("unit_type")
	if cur := it.optStr("currency_code"); cur != nil {
		if len(*cur) == 3 && strings.Trim(*cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
			p.currency = cur
		} else {
			it.errs.add(it.key("currency_code"), "The "+it.key("currency_code")+" field must be a 3-letter ISO 4217 code such as UAH.")
		}
	}
	if id, ok := it.integer("category_id"); ok {
		if _, known := st.categoryByID[id]; known {
			p.categoryID = &id
		} else {
			it.errs.add(it.key("category_id"), "The selected "+it.key("category_id")+" is invalid.")
		}
	}
	if l, ok := it.list("pictures", maxPictures, false); ok {
		p.hasPictures = true
		p.pictures = []string{}
		for i := range l.items {
			if s, ok := l.str(i); ok {
				p.pictures = append(p.pictures, s)
			}
		}
	}
	decodeCustomFields(it)
	p.offer = decodeOfferPatch(it, patchSKU|patchBarcode)
	return p
}

// decodeCustomFields checks the shape of custom_fields. Their values are not
// kept: the emulator has no custom field definitions for them to fill.
func decodeCustomFields(it object) {
	l, ok := it.list("custom_fields", math.MaxInt, false)
	if !ok {
		return
	}
	for i := range l.items {
		f, ok := l.object(i)
		if !ok {
			continue
		}
		if _, ok := f.str("uuid"); !ok && !f.has("uuid") {
			f.required("uuid")
		}
		switch v := f.m["value"].(type) {
		case nil, string:
		case []any:
			for j, x := range v {
				if _, ok := x.(string); !ok {
					path := f.key("value") + "." + strconv.Itoa(j)
					f.errs.add(path, "The "+path+" field must be a string.")
				}
			}
		default:
			f.wrongType("value", "a string or an array of strings")
		}
	}
}

func (p productPatch) apply(prod *product) {
	if p.name != nil {
		prod.Name = *p.name
	}
	if p.description != nil {
		prod.Description = *p.description
	}
	if p.currency != nil {
		prod.CurrencyCode = *p.currency
	}
	if p.unitType != nil {
		prod.unitType = nonEmpty(*p.unitType)
	}
	if p.categoryID != nil {
		prod.CategoryID = cloneInt(p.categoryID)
	}
	if p.hasPictures {
		prod.pictures = p.pictures
	}
}

func (st *store) createProduct(patch productPatch, now time.Time) *product {
	p := &product{Product: Product{CurrencyCode: defaultCurrency}, created: now, updated: now}
	patch.apply(p)
	st.addProduct(p)
	o := &offer{Offer: Offer{Properties: []Property{}}, created: now}
	st.addOffer(p, o)
	patch.offer.apply(st, o, now)
	return p
}
