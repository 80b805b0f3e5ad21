package keycrm

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

const productsPath = "/products"

func productPath(id int64) string { return productsPath + "/" + strconv.FormatInt(id, 10) }

// ProductQuery shapes a read of GET /products.
type ProductQuery struct {
	// IncludeCustomFields adds the filled custom fields (include=custom_fields).
	IncludeCustomFields bool
	// Archived, when set, keeps only archived (true) or active (false) products.
	Archived *bool
}

func (q ProductQuery) values() url.Values {
	v := url.Values{}
	if q.IncludeCustomFields {
		v.Set("include", "custom_fields")
	}
	if q.Archived != nil {
		v.Set("filter[is_archived]", strconv.FormatBool(*q.Archived))
	}
	return v
}

// ProductsPage reads one page of product cards (50 a page).
func (c *Client) ProductsPage(ctx context.Context, q ProductQuery, page int) (*Page[Product], error) {
	return getPage[Product](ctx, c, productsPath, q.values(), page)
}

// EachProductPage reads every product card, page by page from startPage, calling
// fn for each page until the last. GET /products has no SKU filter; resolve SKUs
// with OffersBySKU.
func (c *Client) EachProductPage(ctx context.Context, q ProductQuery, startPage int, fn func(*Page[Product]) error) error {
	return walk(ctx, c, productsPath, q.values(), startPage, nil, fn)
}

// GetProduct reads one product card with its custom fields. An unknown id is an
// error matching ErrNotFound.
func (c *Client) GetProduct(ctx context.Context, id int64) (*Product, error) {
	p := new(Product)
	err := c.do(ctx, &call{method: http.MethodGet, path: productPath(id),
		query: url.Values{"include": {"custom_fields"}}, out: p})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// CreateProduct creates one product and returns it with its new id. It is
// retried only after a 429: after another failure the product may exist, so look
// it up by SKU before creating it again.
func (c *Client) CreateProduct(ctx context.Context, p ProductCreate) (*Product, error) {
	if err := checkProduct("POST "+productsPath, 0, &p.Name, &p.ProductFields); err != nil {
		return nil, err
	}
	out := new(Product)
	if err := c.do(ctx, &call{method: http.MethodPost, path: productsPath, body: p, out: out}); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateProduct changes the fields set in u and returns the updated card. For a
// product with variants, SKU, barcode and prices belong to the offers (PutOffers).
func (c *Client) UpdateProduct(ctx context.Context, id int64, u ProductUpdate) (*Product, error) {
	path := productPath(id)
	if err := checkProduct("PUT "+path, 0, u.Name, &u.ProductFields); err != nil {
		return nil, err
	}
	out := new(Product)
	if err := c.do(ctx, &call{method: http.MethodPut, path: path, body: u, out: out}); err != nil {
		return nil, err
	}
	return out, nil
}

// ImportProducts creates up to 100 products without variants in one request.
// KeyCRM answers without ids: look the new rows up with OffersBySKU. Retried only
// after a 429; after another failure read back by SKU and send what is missing.
func (c *Client) ImportProducts(ctx context.Context, products []ProductCreate) error {
	const op = "POST " + productsPath + "/import"
	if err := checkBatch(op, len(products), MaxProductImport); err != nil {
		return err
	}
	for i := range products {
		if err := checkProduct(op, i, &products[i].Name, &products[i].ProductFields); err != nil {
			return err
		}
	}
	return c.do(ctx, &call{method: http.MethodPost, path: productsPath + "/import",
		body: productImportRequest{Products: products}})
}
