package plan

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// row is one source row in tests; rows are numbered from 2 (row 1 is the header).
type row struct {
	sku, wh, qty string // qty "" is unknown
	price, name  string
	purchased    string
	whName       string // display name when wh is an id
	available    string // "yes", "no" or "" (unknown)
	problem      string // a problem row with this error instead of an item
	parent       string // the parent product's SKU (a shop's variation)
}

func num(s string) catalog.Num {
	if s == "" {
		return catalog.Num{}
	}
	return catalog.Known(decimal.MustParse(s))
}

// feed streams rows into a new index and finishes it.
func feed(t testing.TB, opt IndexOptions, rows ...row) *Index {
	t.Helper()
	x, err := NewIndex(opt)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		pos := catalog.Position{File: "stock.csv", Row: i + 2}
		if r.problem != "" {
			x.Problem(catalog.Problem{File: pos.File, Row: pos.Row, Column: "Кількість", Field: "quantity", SKU: r.sku, Value: r.qty, Error: r.problem})
			continue
		}
		it := catalog.Item{SKU: r.sku, Warehouse: r.wh, WarehouseName: r.whName, Quantity: num(r.qty),
			Available: map[string]catalog.Flag{"yes": catalog.FlagYes, "no": catalog.FlagNo}[r.available],
			Price:     num(r.price), PurchasedPrice: num(r.purchased), Name: r.name, ParentSKU: r.parent, Pos: pos}
		if err := x.Item(&it); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Finish(); err != nil {
		t.Fatal(err)
	}
	return x
}

// offer builds a KeyCRM offer; stock is "WH:QTY" or "WH:QTY/RESERVE", and the total is
// their sum.
func offer(id int64, sku string, stock ...string) Offer {
	o := Offer{ID: id, SKU: sku}
	for _, s := range stock {
		wh, rest, _ := strings.Cut(s, ":")
		q, r, _ := strings.Cut(rest, "/")
		st := Stock{Quantity: decimal.MustParse(q)}
		if r != "" {
			st.Reserve = decimal.MustParse(r)
		}
		id, err := strconv.ParseInt(wh, 10, 64)
		if err != nil {
			panic(err)
		}
		if o.Stock == nil {
			o.Stock = map[int64]Stock{}
		}
		o.Stock[id] = st
		o.Total.Quantity, _ = o.Total.Quantity.Add(st.Quantity)
		o.Total.Reserve, _ = o.Total.Reserve.Add(st.Reserve)
	}
	return o
}

// Compact spellings of plan entries, so each rule's expectation reads in one line.

func changeStrings(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("%s/%d/%d %s %s→%s", c.SKU, c.OfferID, c.WarehouseID, c.Field, c.From, c.To)
	}
	return out
}

func missingStrings(ms []Missing) []string {
	if ms == nil {
		return nil
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.SKU
		if m.OfferID != 0 {
			out[i] += fmt.Sprintf("#%d", m.OfferID)
		}
		if m.WarehouseID != 0 {
			out[i] += fmt.Sprintf("@%d", m.WarehouseID)
		}
	}
	return out
}

func dupStrings(ds []Duplicate) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		s := d.SKU
		if d.Warehouse != "" {
			s += " in " + d.Warehouse
		}
		if len(d.Rows) > 0 {
			s += fmt.Sprintf(" rows %v", d.Rows)
		}
		if len(d.OfferIDs) > 0 {
			s += fmt.Sprintf(" offers %v", d.OfferIDs)
		}
		if d.Side != "" {
			s += " (" + d.Side + ")"
		}
		out[i] = s
	}
	return out
}

func problemStrings(ps []catalog.Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%d %s %s: %s", p.Row, p.SKU, p.Field, p.Error)
	}
	return out
}

func summaryString(s Summary) string {
	mis := "null"
	if s.MissingInSource != nil {
		mis = strconv.Itoa(*s.MissingInSource)
	}
	return fmt.Sprintf("matched %d unchanged %d changes %d zeroed %d mit %d mis %s dups %d problems %d",
		s.Matched, s.Unchanged, s.Changes, s.Zeroed, s.MissingInTarget, mis, s.Duplicates, s.Problems)
}
