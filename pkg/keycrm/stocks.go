package keycrm

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

const stocksPath = "/offers/stocks"

// StockQuery shapes a read of GET /offers/stocks.
type StockQuery struct {
	// Details adds each row's per-warehouse breakdown (filter[details]=true).
	Details bool
}

func (q StockQuery) values() url.Values {
	v := url.Values{}
	if q.Details {
		v.Set("filter[details]", "true")
	}
	return v
}

// StocksPage reads one page of stock rows (50 rows a page).
func (c *Client) StocksPage(ctx context.Context, q StockQuery, page int) (*Page[OfferStock], error) {
	return getPage[OfferStock](ctx, c, stocksPath, q.values(), page)
}

// EachStockPage reads every stock row, page by page from startPage, calling fn
// for each page until the last; an error from fn stops the walk and is returned.
// N offers cost ceil(N/50) requests, at least one.
func (c *Client) EachStockPage(ctx context.Context, q StockQuery, startPage int, fn func(*Page[OfferStock]) error) error {
	return walk(ctx, c, stocksPath, q.values(), startPage, nil, fn)
}

// StocksBySKU reads the stock rows of the given offer SKUs with as few requests
// as the filter allows (see readFiltered); fn gets only rows whose SKU is exactly
// one asked for. A SKU with a comma fails with ErrCommaInFilter before anything
// is sent.
func (c *Client) StocksBySKU(ctx context.Context, skus []string, details bool, fn func(*Page[OfferStock]) error) error {
	return readFiltered(ctx, c, stocksPath, StockQuery{Details: details}.values(), "filter[offers_sku]", skus,
		func(s *OfferStock) string { return s.SKU }, fn)
}

// StockSKURequests tells how many requests StocksBySKU needs for skus (one per
// chunk; more only when KeyCRM holds duplicates), without sending anything, so a
// caller can choose between a filtered and a full read. It fails like StocksBySKU
// for a SKU that cannot be filtered.
func (c *Client) StockSKURequests(skus []string) (int, error) {
	chunks, err := chunkFilter(StockQuery{Details: true}.values(), "filter[offers_sku]", skus)
	return len(chunks), err
}

// StocksByID reads the stock rows of the given offer ids, 50 a request.
func (c *Client) StocksByID(ctx context.Context, ids []int64, details bool, fn func(*Page[OfferStock]) error) error {
	return readFiltered(ctx, c, stocksPath, StockQuery{Details: details}.values(), "filter[offers_id]", idStrings(ids),
		func(s *OfferStock) string { return strconv.FormatInt(s.ID, 10) }, fn)
}

// PutStocks sets the absolute on-hand quantity of up to 10,000 offers in one
// warehouse. KeyCRM books whatever movement reaches each target, so repeating the
// call is harmless, and it answers with no per-item result: read back to verify.
// On a 422 the whole batch was refused; (*APIError).ItemIndexes("stocks") names
// the items at fault.
func (c *Client) PutStocks(ctx context.Context, warehouseID int64, stocks []StockTarget) error {
	const op = "PUT " + stocksPath
	if err := checkBatch(op, len(stocks), MaxStockBatch); err != nil {
		return err
	}
	for i, s := range stocks {
		if s.ID == 0 && s.SKU == "" {
			return fmt.Errorf("%s: item %d names no offer (set id or sku)", op, i)
		}
	}
	return c.do(ctx, &call{method: http.MethodPut, path: stocksPath,
		body: stockUpdateRequest{WarehouseID: warehouseID, Stocks: stocks}})
}
