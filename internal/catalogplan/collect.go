package catalogplan

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// MaxNameLength is the longest product name KeyCRM stores (see the package doc).
const MaxNameLength = 255

// Collector is the reader's sink for both commands: it keeps every item and the
// reader's problem rows, and checks each item as a product row when it arrives.
type Collector struct {
	items    []catalog.Item
	problems []catalog.Problem
	// bad holds the SKUs with a problem row; such a SKU is never created or changed.
	bad map[string]bool
	// columns maps a canonical field to the header it was read from, for
	// sources with a header row (see Problems).
	columns map[string]string
}

// NewCollector returns an empty Collector.
func NewCollector() *Collector { return &Collector{bad: map[string]bool{}} }

// Item checks the row and keeps it, or records why it cannot be used.
func (c *Collector) Item(it *catalog.Item) error {
	// The reader owns *it: the collector normalises its own copy.
	c.items = append(c.items, *it)
	kept := &c.items[len(c.items)-1]
	kept.SKU = catalog.NormalizeSKU(kept.SKU)
	kept.ParentSKU = catalog.NormalizeSKU(kept.ParentSKU)
	for _, p := range checkRow(kept) {
		c.Problem(p)
	}
	return nil
}

// Problem records a row the reader could not use.
func (c *Collector) Problem(p catalog.Problem) {
	c.problems = append(c.problems, p)
	if p.SKU != "" {
		c.bad[catalog.NormalizeSKU(p.SKU)] = true
	}
}

// Problems returns every problem so far, in arrival order. The row checks see an
// item, not its cells, so a problem without a column gets the header its field
// was read from, or else (XML, JSON and database sources, whose readers do not
// say) the canonical field name: never an empty column.
func (c *Collector) Problems() []catalog.Problem {
	for i := range c.problems {
		if p := &c.problems[i]; p.Column == "" {
			p.Column = cmp.Or(c.columns[p.Field], p.Field)
		}
	}
	return c.problems
}

func (c *Collector) addProblem(it *catalog.Item, field, value, why string) {
	c.Problem(rowProblem(it, field, value, why))
}

func rowProblem(it *catalog.Item, field, value, why string) catalog.Problem {
	return catalog.Problem{File: it.Pos.File, Row: it.Pos.Row, Column: it.Pos.Column, Field: field,
		SKU: it.SKU, Value: value, Error: why}
}

// checkRow finds what KeyCRM would refuse or what is surely a mistake in a row:
// names too long, placeholder or negative prices, pictures that are not web links.
func checkRow(it *catalog.Item) []catalog.Problem {
	var out []catalog.Problem
	add := func(field, value, why string) { out = append(out, rowProblem(it, field, value, why)) }
	if n := utf8.RuneCountInString(it.Name); n > MaxNameLength {
		add(catalog.FieldName, it.Name, fmt.Sprintf("name is %d characters long; KeyCRM keeps at most %d", n, MaxNameLength))
	}
	if it.Price.Known {
		switch {
		case it.Price.V.Sign() < 0:
			add(catalog.FieldPrice, it.Price.String(), "negative price")
		case it.Price.V.IsZero() || it.Price.V == one:
			// A price of 0 or 1 is what shops put on cards nobody priced yet;
			// copying it would sell the goods for nothing.
			add(catalog.FieldPrice, it.Price.String(), "placeholder price; leave the cell empty if the price is not known")
		}
	}
	if it.PurchasedPrice.Known && it.PurchasedPrice.V.Sign() < 0 {
		add(catalog.FieldPurchasedPrice, it.PurchasedPrice.String(), "negative purchase price")
	}
	for _, u := range it.ImageURLs {
		if !isWebURL(u) {
			add(catalog.FieldImageURL, u, "picture is not an http(s) link")
		}
	}
	return out
}

var one = decimal.FromInt(1)

func isWebURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// units merges the rows of one SKU. Rows that agree on what the product is are one
// unit (a per-warehouse source repeats a SKU once per warehouse); the first row
// gives the values. Rows that disagree make the SKU a problem: one SKU used by two
// products.
func (c *Collector) units() (map[string]*catalog.Item, []string) {
	bySKU := map[string]*catalog.Item{}
	var order []string
	clash := map[string]bool{}
	for i := range c.items {
		it := &c.items[i]
		if it.SKU == "" {
			continue
		}
		first, seen := bySKU[it.SKU]
		if !seen {
			bySKU[it.SKU] = it
			order = append(order, it.SKU)
			continue
		}
		if first.Name != it.Name || first.ParentSKU != it.ParentSKU || !slices.Equal(first.Properties, it.Properties) {
			why := "one SKU used by two different products or variants"
			if it.ParentSKU != "" && it.ParentSKU == first.ParentSKU {
				// 1C characteristics inherit their product's Артикул: the
				// operator needs to know the way out, not only the clash.
				why = "variants of one product share this SKU and KeyCRM needs one per variant: give each its own " +
					"(1C: an article per characteristic, or --key id to use each characteristic's Ид)"
			}
			if !clash[it.SKU] {
				clash[it.SKU] = true
				c.addProblem(first, catalog.FieldSKU, first.SKU, why)
			}
			c.addProblem(it, catalog.FieldSKU, it.SKU, why)
		}
	}
	return bySKU, order
}
