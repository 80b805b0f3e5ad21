package keycrm

import (
	"context"
	"errors"
	"net/http"
)

const categoriesPath = "/products/categories"

// CategoriesPage reads one page of categories (50 a page).
func (c *Client) CategoriesPage(ctx context.Context, page int) (*Page[Category], error) {
	return getPage[Category](ctx, c, categoriesPath, nil, page)
}

// EachCategoryPage reads the whole category tree, page by page from startPage,
// calling fn for each page until the last.
func (c *Client) EachCategoryPage(ctx context.Context, startPage int, fn func(*Page[Category]) error) error {
	return walk(ctx, c, categoriesPath, nil, startPage, nil, fn)
}

// CreateCategory creates a category (a sub-category when ParentID is set) and
// returns it with its id. Retried only after a 429.
func (c *Client) CreateCategory(ctx context.Context, cat CategoryCreate) (*Category, error) {
	if cat.Name == "" {
		return nil, errors.New("POST " + categoriesPath + ": the category has no name")
	}
	out := new(Category)
	if err := c.do(ctx, &call{method: http.MethodPost, path: categoriesPath, body: cat, out: out}); err != nil {
		return nil, err
	}
	return out, nil
}
