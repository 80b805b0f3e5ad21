package keycrmmock

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// State is the whole catalogue in the seed shape of the contract; GET and PUT
// /__mock/state exchange the same JSON. Server-side extras that the seed shape
// has no field for (timestamps, pictures, unit types, offer images) are not part
// of it, so a dump taken after reverting every change compares equal to the seed.
type State struct {
	Warehouses []Warehouse `json:"warehouses"`
	Categories []Category  `json:"categories"`
	Products   []Product   `json:"products"`
}

// Warehouse is a stock location. The API has no endpoint that lists them; they
// surface only through GET /offers/stocks?filter[details]=true.
type Warehouse struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Category is a node of the product category tree; ParentID is nil for roots.
type Category struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	ParentID *int64 `json:"parent_id"`
}

// Product is a catalogue card with its sellable offers.
type Product struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	Description  string  `json:"description"`
	CategoryID   *int64  `json:"category_id"`
	CurrencyCode string  `json:"currency_code"`
	IsArchived   bool    `json:"is_archived,omitempty"`
	Offers       []Offer `json:"offers"`
}

// Offer is a sellable unit: it owns the SKU, the prices and the stock. Stock is
// keyed by the warehouse id written as a decimal string, as JSON object keys are.
type Offer struct {
	ID             int64            `json:"id"`
	SKU            *string          `json:"sku"`
	Barcode        string           `json:"barcode"`
	Price          decimal.Decimal  `json:"price"`
	PurchasedPrice decimal.Decimal  `json:"purchased_price"`
	Weight         decimal.Decimal  `json:"weight"`
	Length         decimal.Decimal  `json:"length"`
	Width          decimal.Decimal  `json:"width"`
	Height         decimal.Decimal  `json:"height"`
	Properties     []Property       `json:"properties"`
	IsArchived     bool             `json:"is_archived,omitempty"`
	Stock          map[string]Stock `json:"stock"`
}

// Property is one variant attribute such as Size=M.
type Property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Stock is an offer's stock in one warehouse; Quantity is on hand and includes
// Reserve.
type Stock struct {
	Quantity decimal.Decimal `json:"quantity"`
	Reserve  decimal.Decimal `json:"reserve"`
}

// Every KeyCRM account starts with this warehouse; a state without warehouses
// gets it so the quick-start seeds and an empty catalogue can hold stock.
const (
	defaultWarehouseID   = 1
	defaultWarehouseName = "Основний склад"
	defaultCurrency      = "UAH"
)

// store is the server's working copy of a State: the same data with the indexes
// that keep a page O(page size) and SKU/id filters map lookups. Every slice is
// ordered by id, and new rows always get a higher id than any row before them,
// so appending keeps the order.
type store struct {
	warehouses    []Warehouse
	warehouseName map[int64]string
	categories    []*Category
	categoryByID  map[int64]*Category
	products      []*product
	productByID   map[int64]*product
	offers        []*offer
	offerByID     map[int64]*offer
	offersBySKU   map[string][]*offer

	// Next ids are a high-water mark rather than "max id + 1" at each insert, so
	// the id of an offer that a variant replaced is never handed out again.
	nextProduct, nextOffer, nextCategory int64
}

type product struct {
	Product // Offers is unused here: see offers.

	offers           []*offer
	pictures         []string
	unitType         *string
	created, updated time.Time
}

type offer struct {
	Offer // Stock is unused here: see stock.

	product          *product
	stock            []stockLine // ordered by warehouse id
	imageURL         *string
	created, updated time.Time
}

type stockLine struct {
	warehouse int64
	Stock
}

// buildStore validates st and indexes a private copy of it.
func buildStore(st State, now time.Time) (*store, error) {
	s := &store{
		warehouseName: map[int64]string{},
		categoryByID:  map[int64]*Category{},
		productByID:   map[int64]*product{},
		offerByID:     map[int64]*offer{},
		offersBySKU:   map[string][]*offer{},
		nextProduct:   1,
		nextOffer:     1,
		nextCategory:  1,
	}
	if err := s.loadWarehouses(st.Warehouses); err != nil {
		return nil, err
	}
	if err := s.loadCategories(st.Categories); err != nil {
		return nil, err
	}
	if err := s.loadProducts(st.Products, now); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *store) loadWarehouses(ws []Warehouse) error {
	if len(ws) == 0 {
		ws = []Warehouse{{ID: defaultWarehouseID, Name: defaultWarehouseName}}
	}
	for i, w := range ws {
		switch {
		case w.ID <= 0:
			return fmt.Errorf("warehouses[%d]: id %d is not positive", i, w.ID)
		case w.Name == "":
			return fmt.Errorf("warehouses[%d] (id %d): name is empty", i, w.ID)
		}
		if _, dup := s.warehouseName[w.ID]; dup {
			return fmt.Errorf("warehouses[%d]: duplicate warehouse id %d", i, w.ID)
		}
		s.warehouseName[w.ID] = w.Name
		s.warehouses = append(s.warehouses, w)
	}
	slices.SortFunc(s.warehouses, func(a, b Warehouse) int { return cmp.Compare(a.ID, b.ID) })
	return nil
}

func (s *store) loadCategories(cs []Category) error {
	for i, c := range cs {
		switch {
		case c.ID <= 0:
			return fmt.Errorf("categories[%d]: id %d is not positive", i, c.ID)
		case c.Name == "":
			return fmt.Errorf("categories[%d] (id %d): name is empty", i, c.ID)
		}
		if _, dup := s.categoryByID[c.ID]; dup {
			return fmt.Errorf("categories[%d]: duplicate category id %d", i, c.ID)
		}
		c.ParentID = cloneInt(c.ParentID)
		s.categoryByID[c.ID] = &c
		s.categories = append(s.categories, &c)
		s.nextCategory = max(s.nextCategory, c.ID+1)
	}
	slices.SortFunc(s.categories, func(a, b *Category) int { return cmp.Compare(a.ID, b.ID) })
	for _, c := range s.categories {
		if c.ParentID == nil {
			continue
		}
		if _, ok := s.categoryByID[*c.ParentID]; !ok {
			return fmt.Errorf("category %d: parent_id %d is not a category", c.ID, *c.ParentID)
		}
		// A cycle would make the tree endless for every client that walks it.
		seen := map[int64]bool{c.ID: true}
		for p := c.ParentID; p != nil; p = s.categoryByID[*p].ParentID {
			if seen[*p] {
				return fmt.Errorf("category %d: parent_id chain loops back to category %d", c.ID, *p)
			}
			seen[*p] = true
		}
	}
	return nil
}

func (s *store) loadProducts(ps []Product, now time.Time) error {
	for i, src := range ps {
		where := fmt.Sprintf("products[%d] (id %d)", i, src.ID)
		switch {
		case src.ID <= 0:
			return fmt.Errorf("products[%d]: id %d is not positive", i, src.ID)
		case src.Name == "":
			return fmt.Errorf("%s: name is empty", where)
		}
		if _, dup := s.productByID[src.ID]; dup {
			return fmt.Errorf("%s: duplicate product id", where)
		}
		if src.CategoryID != nil {
			if _, ok := s.categoryByID[*src.CategoryID]; !ok {
				return fmt.Errorf("%s: category_id %d is not a category", where, *src.CategoryID)
			}
		}
		p := &product{Product: src, created: now, updated: now}
		p.Offers = nil
		p.CategoryID = cloneInt(src.CategoryID)
		if p.CurrencyCode == "" {
			p.CurrencyCode = defaultCurrency
		}
		for j, so := range src.Offers {
			o, err := s.loadOffer(so, now)
			if err != nil {
				return fmt.Errorf("%s offers[%d]: %w", where, j, err)
			}
			o.product = p
			p.offers = append(p.offers, o)
		}
		slices.SortFunc(p.offers, func(a, b *offer) int { return cmp.Compare(a.ID, b.ID) })
		if _, _, err := p.totals(); err != nil {
			return fmt.Errorf("%s: stock total: %w", where, err)
		}
		s.productByID[p.ID] = p
		s.products = append(s.products, p)
		s.nextProduct = max(s.nextProduct, p.ID+1)
	}
	slices.SortFunc(s.products, func(a, b *product) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(s.offers, func(a, b *offer) int { return cmp.Compare(a.ID, b.ID) })
	for _, o := range s.offers {
		if o.SKU != nil {
			s.offersBySKU[*o.SKU] = append(s.offersBySKU[*o.SKU], o)
		}
	}
	return nil
}

func (s *store) loadOffer(src Offer, now time.Time) (*offer, error) {
	if src.ID <= 0 {
		return nil, fmt.Errorf("id %d is not positive", src.ID)
	}
	if _, dup := s.offerByID[src.ID]; dup {
		return nil, fmt.Errorf("duplicate offer id %d", src.ID)
	}
	o := &offer{Offer: src, created: now, updated: now}
	o.Stock = nil
	o.SKU = normalSKU(src.SKU)
	o.Properties = append([]Property{}, src.Properties...)
	for _, f := range []struct {
		name string
		v    decimal.Decimal
	}{
		{"price", src.Price}, {"purchased_price", src.PurchasedPrice},
		{"weight", src.Weight}, {"length", src.Length}, {"width", src.Width}, {"height", src.Height},
	} {
		if f.v.Sign() < 0 {
			return nil, fmt.Errorf("offer %d: %s %s is negative", src.ID, f.name, f.v)
		}
	}
	for key, st := range src.Stock {
		wh, err := strconv.ParseInt(key, 10, 64)
		if err != nil || strconv.FormatInt(wh, 10) != key {
			return nil, fmt.Errorf("offer %d: stock key %q is not a warehouse id", src.ID, key)
		}
		if _, ok := s.warehouseName[wh]; !ok {
			return nil, fmt.Errorf("offer %d: stock in warehouse %d, which is not in warehouses", src.ID, wh)
		}
		if st.Quantity.Sign() < 0 || st.Reserve.Sign() < 0 {
			return nil, fmt.Errorf("offer %d: stock in warehouse %d is negative", src.ID, wh)
		}
		o.stock = append(o.stock, stockLine{warehouse: wh, Stock: st})
	}
	slices.SortFunc(o.stock, func(a, b stockLine) int { return cmp.Compare(a.warehouse, b.warehouse) })
	if _, _, err := o.totals(); err != nil {
		return nil, fmt.Errorf("offer %d: stock total: %w", src.ID, err)
	}
	s.offerByID[o.ID] = o
	s.offers = append(s.offers, o)
	s.nextOffer = max(s.nextOffer, o.ID+1)
	return o, nil
}

// state copies the store out in the seed shape, everything ordered by id and
// every list non-nil so it marshals as [] rather than null.
func (s *store) state() State {
	st := State{
		Warehouses: slices.Clone(s.warehouses),
		Categories: make([]Category, 0, len(s.categories)),
		Products:   make([]Product, 0, len(s.products)),
	}
	for _, c := range s.categories {
		st.Categories = append(st.Categories, Category{ID: c.ID, Name: c.Name, ParentID: cloneInt(c.ParentID)})
	}
	for _, p := range s.products {
		out := p.Product
		out.CategoryID = cloneInt(p.CategoryID)
		out.Offers = make([]Offer, 0, len(p.offers))
		for _, o := range p.offers {
			oo := o.Offer
			oo.SKU = cloneString(o.SKU)
			oo.Properties = slices.Clone(o.Properties)
			oo.Stock = make(map[string]Stock, len(o.stock))
			for _, l := range o.stock {
				oo.Stock[strconv.FormatInt(l.warehouse, 10)] = l.Stock
			}
			out.Offers = append(out.Offers, oo)
		}
		st.Products = append(st.Products, out)
	}
	return st
}

// totals sums the offer's stock over its warehouses.
func (o *offer) totals() (quantity, reserve decimal.Decimal, err error) {
	for _, l := range o.stock {
		if quantity, err = quantity.Add(l.Quantity); err != nil {
			return decimal.Zero, decimal.Zero, err
		}
		if reserve, err = reserve.Add(l.Reserve); err != nil {
			return decimal.Zero, decimal.Zero, err
		}
	}
	return quantity, reserve, nil
}

// totals sums the product's stock over its offers and warehouses.
func (p *product) totals() (quantity, reserve decimal.Decimal, err error) {
	for _, o := range p.offers {
		q, r, err := o.totals()
		if err == nil {
			quantity, err = quantity.Add(q)
		}
		if err == nil {
			reserve, err = reserve.Add(r)
		}
		if err != nil {
			return decimal.Zero, decimal.Zero, err
		}
	}
	return quantity, reserve, nil
}

// hasVariants mirrors KeyCRM's has_offers: a product whose single offer carries
// no properties is a simple product, and its offer's SKU and price are shown on
// the product card as well.
func (p *product) hasVariants() bool {
	return len(p.offers) > 1 || (len(p.offers) == 1 && len(p.offers[0].Properties) > 0)
}

// isDefault marks the offer KeyCRM creates together with a product: the first
// one, as long as it is not a variant with properties.
func (o *offer) isDefault() bool {
	return o.product.offers[0] == o && len(o.Properties) == 0
}

// stockIn returns the offer's stock line in warehouse wh, creating an empty one.
func (o *offer) stockIn(wh int64) *stockLine {
	i, found := slices.BinarySearchFunc(o.stock, wh, func(l stockLine, wh int64) int { return cmp.Compare(l.warehouse, wh) })
	if !found {
		o.stock = slices.Insert(o.stock, i, stockLine{warehouse: wh})
	}
	return &o.stock[i]
}

func (s *store) addProduct(p *product) {
	p.ID = s.nextProduct
	s.nextProduct++
	s.products = append(s.products, p)
	s.productByID[p.ID] = p
}

func (s *store) addOffer(p *product, o *offer) {
	o.ID = s.nextOffer
	s.nextOffer++
	o.product = p
	p.offers = append(p.offers, o)
	s.offers = append(s.offers, o)
	s.offerByID[o.ID] = o
	if o.SKU != nil {
		s.offersBySKU[*o.SKU] = append(s.offersBySKU[*o.SKU], o)
	}
}

func (s *store) addCategory(c *Category) {
	c.ID = s.nextCategory
	s.nextCategory++
	s.categories = append(s.categories, c)
	s.categoryByID[c.ID] = c
}

// removeOffer drops an offer with all its stock; only a placeholder default
// offer that variants replace is ever removed.
func (s *store) removeOffer(o *offer) {
	byID := func(a *offer, id int64) int { return cmp.Compare(a.ID, id) }
	if i, ok := slices.BinarySearchFunc(s.offers, o.ID, byID); ok {
		s.offers = slices.Delete(s.offers, i, i+1)
	}
	if i, ok := slices.BinarySearchFunc(o.product.offers, o.ID, byID); ok {
		o.product.offers = slices.Delete(o.product.offers, i, i+1)
	}
	delete(s.offerByID, o.ID)
	s.setSKU(o, nil)
}

// setSKU changes an offer's SKU and keeps the SKU index in id order.
func (s *store) setSKU(o *offer, sku *string) {
	if o.SKU != nil {
		old := *o.SKU
		rest := slices.DeleteFunc(s.offersBySKU[old], func(x *offer) bool { return x == o })
		if len(rest) == 0 {
			delete(s.offersBySKU, old)
		} else {
			s.offersBySKU[old] = rest
		}
	}
	o.SKU = normalSKU(sku)
	if o.SKU == nil {
		return
	}
	list := s.offersBySKU[*o.SKU]
	i, _ := slices.BinarySearchFunc(list, o.ID, func(a *offer, id int64) int { return cmp.Compare(a.ID, id) })
	s.offersBySKU[*o.SKU] = slices.Insert(list, i, o)
}

// normalSKU treats an empty SKU as none: KeyCRM shows both as null.
func normalSKU(sku *string) *string {
	if sku == nil || *sku == "" {
		return nil
	}
	return cloneString(sku)
}

func cloneString(p *string) *string {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneInt(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
