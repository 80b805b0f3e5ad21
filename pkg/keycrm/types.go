package keycrm

import (
	"encoding/json"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Wire types: one Go type per schema of openapi.yaml, with its exact JSON names.
// Decoding is tolerant: unknown fields are ignored, a null string decodes as "",
// nullable numbers are pointers, and numbers may arrive as JSON numbers or numeric
// strings (decimal.Decimal accepts both).

// Product is a product card as GET /products, GET /products/{id}, POST /products
// and PUT /products/{id} return it (the contract's Product and ProductListItem).
// SKU, Barcode, Price and PurchasedPrice are only filled when HasOffers is false;
// for a product with variants they live on its offers.
type Product struct {
	ID              int64            `json:"id"`
	Name            string           `json:"name"`
	Description     string           `json:"description"`
	ThumbnailURL    string           `json:"thumbnail_url"`
	AttachmentsData []string         `json:"attachments_data"`
	Quantity        decimal.Decimal  `json:"quantity"`
	InReserve       decimal.Decimal  `json:"in_reserve"`
	UnitType        string           `json:"unit_type"`
	CurrencyCode    string           `json:"currency_code"`
	SKU             string           `json:"sku"`
	MinPrice        decimal.Decimal  `json:"min_price"`
	MaxPrice        decimal.Decimal  `json:"max_price"`
	Weight          *decimal.Decimal `json:"weight"`
	Length          *decimal.Decimal `json:"length"`
	Width           *decimal.Decimal `json:"width"`
	Height          *decimal.Decimal `json:"height"`
	HasOffers       bool             `json:"has_offers"`
	IsArchived      bool             `json:"is_archived"`
	CategoryID      *int64           `json:"category_id"`
	CreatedAt       Time             `json:"created_at"`
	UpdatedAt       Time             `json:"updated_at"`

	// Fields of ProductListItem (GET only).
	Barcode        string             `json:"barcode,omitempty"`
	Price          *decimal.Decimal   `json:"price,omitempty"`
	PurchasedPrice *decimal.Decimal   `json:"purchased_price,omitempty"`
	CustomFields   []CustomFieldValue `json:"custom_fields,omitempty"`
}

// ProductSummary is the parent product embedded in an offer by include=product.
type ProductSummary struct {
	Product
	// PropertiesAgg maps a property name to every value the variants use.
	PropertiesAgg map[string][]string `json:"properties_agg,omitempty"`
	// Sources is observed in real responses; its meaning is undocumented.
	Sources []json.RawMessage `json:"sources,omitempty"`
}

// CustomFieldValue is a filled product custom field (include=custom_fields).
type CustomFieldValue struct {
	ID   int64  `json:"id"`
	UUID string `json:"uuid"`
	Name string `json:"name"`
	// Type is one of link, select, switcher, float, number, textarea, text, date,
	// datetime.
	Type string `json:"type"`
	// Value is kept as sent: a string, number, boolean, array of strings or null,
	// depending on Type.
	Value json.RawMessage `json:"value"`
}

// CustomFieldInput sets a custom field on create or update. The field must exist
// in the account; it is addressed by its UUID (e.g. "CT_1007"). Set Value for a
// scalar field, or Values for a select or multi-select field.
type CustomFieldInput struct {
	UUID   string
	Value  string
	Values []string
}

// MarshalJSON writes value as a string, or as an array of strings when Values is
// set, as the contract's oneOf requires.
func (f CustomFieldInput) MarshalJSON() ([]byte, error) {
	var value any = f.Value
	if f.Values != nil {
		value = f.Values
	}
	return json.Marshal(struct {
		UUID  string `json:"uuid"`
		Value any    `json:"value"`
	}{f.UUID, value})
}

// ProductFields are the writable product fields shared by create, import and
// update. Only fields that are set are sent, so an update changes nothing else.
type ProductFields struct {
	Description *string `json:"description,omitempty"`
	// Pictures are image URLs, at most 6; the first becomes the main image.
	Pictures     []string `json:"pictures,omitempty"`
	CurrencyCode *string  `json:"currency_code,omitempty"`
	// SKU, Barcode, Price and PurchasedPrice belong to a product without
	// variants; for variants set them per offer. Barcode is only stored when
	// barcodes are enabled in the account.
	SKU            *string            `json:"sku,omitempty"`
	Barcode        *string            `json:"barcode,omitempty"`
	Price          *decimal.Decimal   `json:"price,omitempty"`
	PurchasedPrice *decimal.Decimal   `json:"purchased_price,omitempty"`
	UnitType       *string            `json:"unit_type,omitempty"`
	Weight         *decimal.Decimal   `json:"weight,omitempty"`
	Length         *decimal.Decimal   `json:"length,omitempty"`
	Width          *decimal.Decimal   `json:"width,omitempty"`
	Height         *decimal.Decimal   `json:"height,omitempty"`
	CategoryID     *int64             `json:"category_id,omitempty"`
	CustomFields   []CustomFieldInput `json:"custom_fields,omitempty"`
}

// ProductCreate is the body of POST /products and one element of
// POST /products/import. Name is required.
type ProductCreate struct {
	Name string `json:"name"`
	ProductFields
}

// ProductUpdate is the body of PUT /products/{id}: a partial update, nil fields
// are left as they are.
type ProductUpdate struct {
	Name *string `json:"name,omitempty"`
	ProductFields
}

// Category is a node of the product category tree.
type Category struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// ParentID is nil for a root category.
	ParentID *int64 `json:"parent_id"`
}

// CategoryCreate is the body of POST /products/categories.
type CategoryCreate struct {
	Name string `json:"name"`
	// ParentID makes it a sub-category.
	ParentID *int64 `json:"parent_id,omitempty"`
}

// OfferProperty is one variant attribute, such as Size=M.
type OfferProperty struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Offer is a sellable variant as GET /offers returns it. Quantity and InReserve
// are totals over all warehouses; note the reserve is called in_reserve here but
// reserve on /offers/stocks.
type Offer struct {
	ID             int64            `json:"id"`
	ProductID      int64            `json:"product_id"`
	SKU            string           `json:"sku"`
	Barcode        string           `json:"barcode"`
	ThumbnailURL   string           `json:"thumbnail_url"`
	Price          decimal.Decimal  `json:"price"`
	PurchasedPrice *decimal.Decimal `json:"purchased_price"`
	Quantity       decimal.Decimal  `json:"quantity"`
	InReserve      decimal.Decimal  `json:"in_reserve"`
	Weight         *decimal.Decimal `json:"weight"`
	Length         *decimal.Decimal `json:"length"`
	Width          *decimal.Decimal `json:"width"`
	Height         *decimal.Decimal `json:"height"`
	Properties     []OfferProperty  `json:"properties"`
	IsDefault      bool             `json:"is_default"`
	IsArchived     bool             `json:"is_archived"`
	CreatedAt      Time             `json:"created_at"`
	UpdatedAt      Time             `json:"updated_at"`
	// Product is the parent card, present with include=product.
	Product *ProductSummary `json:"product,omitempty"`
}

// OfferCreate is one variant for POST /products/{id}/offers. A property without
// both name and value is dropped by KeyCRM.
type OfferCreate struct {
	SKU            string           `json:"sku,omitempty"`
	Barcode        string           `json:"barcode,omitempty"`
	Price          *decimal.Decimal `json:"price,omitempty"`
	PurchasedPrice *decimal.Decimal `json:"purchased_price,omitempty"`
	Weight         *decimal.Decimal `json:"weight,omitempty"`
	Length         *decimal.Decimal `json:"length,omitempty"`
	Width          *decimal.Decimal `json:"width,omitempty"`
	Height         *decimal.Decimal `json:"height,omitempty"`
	ImageURL       string           `json:"image_url,omitempty"`
	Properties     []OfferProperty  `json:"properties,omitempty"`
}

// OfferUpdate is one element of PUT /offers. The offer is named by ID or, when ID
// is 0, by SKU; nil fields are left as they are. Barcode and properties cannot be
// changed through this endpoint.
type OfferUpdate struct {
	ID             int64            `json:"id,omitempty"`
	SKU            string           `json:"sku,omitempty"`
	Price          *decimal.Decimal `json:"price,omitempty"`
	PurchasedPrice *decimal.Decimal `json:"purchased_price,omitempty"`
	Weight         *decimal.Decimal `json:"weight,omitempty"`
	Length         *decimal.Decimal `json:"length,omitempty"`
	Width          *decimal.Decimal `json:"width,omitempty"`
	Height         *decimal.Decimal `json:"height,omitempty"`
	ImageURL       *string          `json:"image_url,omitempty"`
}

// OfferStock is one row of GET /offers/stocks: an offer's stock on hand and
// reserve over all warehouses, and per warehouse with filter[details]=true.
// Sellable stock is Quantity minus Reserve, which can be negative.
type OfferStock struct {
	// ID is the offer id; stock rows carry no product id.
	ID             int64            `json:"id"`
	SKU            string           `json:"sku"`
	Price          decimal.Decimal  `json:"price"`
	PurchasedPrice *decimal.Decimal `json:"purchased_price"`
	Quantity       decimal.Decimal  `json:"quantity"`
	Reserve        decimal.Decimal  `json:"reserve"`
	// Warehouse lists the warehouses the offer has a stock entry in; only filled
	// with filter[details]=true.
	Warehouse []WarehouseStock `json:"warehouse,omitempty"`
}

// WarehouseStock is one warehouse's share of an offer's stock. It is also the only
// place the API reveals warehouse ids and names: there is no warehouse list.
type WarehouseStock struct {
	ID       int64           `json:"id"`
	Name     string          `json:"name"`
	Quantity decimal.Decimal `json:"quantity"`
	Reserve  decimal.Decimal `json:"reserve"`
}

// StockTarget is one element of PUT /offers/stocks: the absolute on-hand quantity
// wanted for an offer in the request's warehouse (reserved units included; never
// send "available"). The offer is named by ID or, when ID is 0, by SKU.
type StockTarget struct {
	ID       int64           `json:"id,omitempty"`
	SKU      string          `json:"sku,omitempty"`
	Quantity decimal.Decimal `json:"quantity"`
}

// Request envelopes of the batch endpoints. Callers pass slices; the envelope is a
// wire detail.
type (
	stockUpdateRequest struct {
		WarehouseID int64         `json:"warehouse_id"`
		Stocks      []StockTarget `json:"stocks"`
	}
	offerUpdateRequest struct {
		Offers []OfferUpdate `json:"offers"`
	}
	offerCreateRequest struct {
		Offers []OfferCreate `json:"offers"`
	}
	productImportRequest struct {
		Products []ProductCreate `json:"products"`
	}
	// statusResponse is the {"status": true} answer of the batch endpoints.
	statusResponse struct {
		Status *bool `json:"status"`
	}
)

// rowID gives walk the ids it checks pages with (see identified).
func (p *Product) rowID() int64    { return p.ID }
func (o *Offer) rowID() int64      { return o.ID }
func (s *OfferStock) rowID() int64 { return s.ID }
func (c *Category) rowID() int64   { return c.ID }
