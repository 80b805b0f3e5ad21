package keycrmmock

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// maxStockItems is KeyCRM's batch limit for PUT /offers/stocks and PUT /offers.
const maxStockItems = 10000

type stockRow struct {
	ID             int64           `json:"id"`
	SKU            *string         `json:"sku"`
	Price          decimal.Decimal `json:"price"`
	PurchasedPrice decimal.Decimal `json:"purchased_price"`
	Quantity       decimal.Decimal `json:"quantity"`
	Reserve        decimal.Decimal `json:"reserve"`
	// Warehouse is non-nil only with filter[details]=true, and then is sent
	// even when empty.
	Warehouse []warehouseStock `json:"warehouse,omitzero"`
}

type warehouseStock struct {
	ID       int64           `json:"id"`
	Name     string          `json:"name"`
	Quantity decimal.Decimal `json:"quantity"`
	Reserve  decimal.Decimal `json:"reserve"`
}

// listStocks is GET /offers/stocks: one row per offer in id order, totals over
// warehouses, and with filter[details] every warehouse the offer has a stock
// entry in, zero entries included. Archived offers are listed too; the contract
// has no filter for them here.
func listStocks(st *store, c *call) reply {
	q := c.r.URL.Query()
	offers := st.filterOffers(offerFilter{
		ids:  filterIDs(q.Get("filter[offers_id]")),
		skus: filterStrings(q.Get("filter[offers_sku]")),
	})
	details := filterBool(q.Get("filter[details]"))
	withDetails := details != nil && *details
	return reply{http.StatusOK, paginate(c.r, offers, false, func(o *offer) stockRow {
		qty, res := o.sum()
		row := stockRow{ID: o.ID, SKU: o.SKU, Price: o.Price, PurchasedPrice: o.PurchasedPrice, Quantity: qty, Reserve: res}
		if withDetails {
			row.Warehouse = make([]warehouseStock, 0, len(o.stock))
			for _, l := range o.stock {
				row.Warehouse = append(row.Warehouse, warehouseStock{ID: l.warehouse, Name: st.warehouseName[l.warehouse], Quantity: l.Quantity, Reserve: l.Reserve})
			}
		}
		return row
	})}
}

// setStocks is PUT /offers/stocks: absolute on-hand targets in one warehouse.
// The batch is checked whole first; any bad item rejects all of it.
func setStocks(st *store, c *call) reply {
	body, ok := parseBody(c.body)
	if !ok {
		return invalid(body.errs)
	}
	wh, ok := body.integer("warehouse_id")
	switch {
	case ok:
		if _, known := st.warehouseName[wh]; !known {
			body.errs.add("warehouse_id", "The selected warehouse_id is invalid.")
		}
	case !body.has("warehouse_id"):
		body.required("warehouse_id")
	}
	type target struct {
		item     int
		offers   []*offer
		quantity decimal.Decimal
	}
	var targets []target
	if items, ok := body.list("stocks", maxStockItems, true); ok {
		targets = make([]target, 0, len(items.items))
		for i := range items.items {
			it, ok := items.object(i)
			if !ok {
				continue
			}
			offers := st.lookupOffers(it)
			qty, ok := it.amount("quantity")
			if !ok && !it.has("quantity") {
				it.required("quantity")
			}
			targets = append(targets, target{item: i, offers: offers, quantity: qty})
		}
	}
	if len(body.errs) > 0 {
		return invalid(body.errs)
	}

	// Totals are checked after applying and the batch is rolled back if one no
	// longer fits, so reads never meet a sum they cannot represent.
	saved := map[*offer][]stockLine{}
	for _, t := range targets {
		for _, o := range t.offers {
			if _, ok := saved[o]; !ok {
				saved[o] = slices.Clone(o.stock)
			}
			o.stockIn(wh).Quantity = t.quantity
		}
	}
	checked := map[*product]bool{}
	for _, t := range targets {
		for _, o := range t.offers {
			if checked[o.product] {
				continue
			}
			checked[o.product] = true
			if _, _, err := o.product.totals(); err != nil {
				for o, lines := range saved {
					o.stock = lines
				}
				errs := fieldErrors{}
				path := "stocks." + strconv.Itoa(t.item) + ".quantity"
				errs.add(path, "The "+path+" field makes a stock total of product "+strconv.FormatInt(o.product.ID, 10)+" out of range.")
				return invalid(errs)
			}
		}
	}
	for o := range saved {
		o.updated = c.now
	}
	return reply{http.StatusAccepted, accepted}
}

// lookupOffers resolves a batch item naming its offer by id or by sku, for PUT
// /offers and PUT /offers/stocks. The id wins when both are sent. A SKU held by
// several offers names all of them. Problems are recorded on the item.
func (st *store) lookupOffers(it object) []*offer {
	switch {
	case it.has("id"):
		id, ok := it.integer("id")
		if !ok {
			return nil
		}
		if o := st.offerByID[id]; o != nil {
			return []*offer{o}
		}
		it.errs.add(it.key("id"), "The selected "+it.key("id")+" is invalid.")
	case it.has("sku"):
		sku, ok := it.str("sku")
		if !ok {
			return nil
		}
		if offers := st.offersBySKU[sku]; len(offers) > 0 {
			return offers
		}
		it.errs.add(it.key("sku"), "The selected "+it.key("sku")+" is invalid.")
	default:
		it.errs.add(it.key("id"), "The "+it.key("id")+" field is required when "+it.key("sku")+" is not present.")
	}
	return nil
}

// sum is totals for reads. Every write that changes stock checks the totals
// and refuses the batch if they overflow, so here they always fit.
func (o *offer) sum() (quantity, reserve decimal.Decimal) {
	quantity, reserve, _ = o.totals()
	return quantity, reserve
}
