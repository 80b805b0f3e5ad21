package catalogplan

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

// editField is one field edit-products compares: how to read it from a source row
// and from a KeyCRM offer (with its product card), and where it is written.
type editField struct {
	name string
	// product fields are written with PUT /products/{id}, one request a product;
	// the others with PUT /offers.
	product bool
	source  func(it *catalog.Item, cats *Categories) (plan.Value, bool, error)
	target  func(o *keycrm.Offer) (plan.Value, bool)
}

func numField(name string, src func(*catalog.Item) catalog.Num, dst func(*keycrm.Offer) *plan.Value) editField {
	return editField{name: name,
		source: func(it *catalog.Item, _ *Categories) (plan.Value, bool, error) {
			n := src(it)
			return plan.NumberValue(n.V), n.Known, nil
		},
		target: func(o *keycrm.Offer) (plan.Value, bool) {
			v := dst(o)
			if v == nil {
				return plan.Value{}, false
			}
			return *v, true
		},
	}
}

func textField(name string, product bool, src func(*catalog.Item) string, dst func(*keycrm.Offer) (string, bool)) editField {
	return editField{name: name, product: product,
		source: func(it *catalog.Item, _ *Categories) (plan.Value, bool, error) {
			s := strings.TrimSpace(src(it))
			return plan.TextValue(s), s != "", nil
		},
		target: func(o *keycrm.Offer) (plan.Value, bool) {
			s, ok := dst(o)
			return plan.TextValue(s), ok && s != ""
		},
	}
}

func optNum(d *decimal.Decimal) *plan.Value {
	if d == nil {
		return nil
	}
	v := plan.NumberValue(*d)
	return &v
}

// idValue is a category id in a plan: a number, so revert can send it back.
func idValue(id int64) plan.Value { return plan.NumberValue(decimal.FromInt(id)) }

// productOf returns the offer's card, present when the offers were read with
// include=product.
func productOf(o *keycrm.Offer) (*keycrm.ProductSummary, bool) { return o.Product, o.Product != nil }

// editFields is in the order changes of one item are listed.
var editFields = []editField{
	numField(catalog.FieldPrice, func(it *catalog.Item) catalog.Num { return it.Price },
		func(o *keycrm.Offer) *plan.Value { v := plan.NumberValue(o.Price); return &v }),
	numField(catalog.FieldPurchasedPrice, func(it *catalog.Item) catalog.Num { return it.PurchasedPrice },
		func(o *keycrm.Offer) *plan.Value { return optNum(o.PurchasedPrice) }),
	textField(catalog.FieldName, true, func(it *catalog.Item) string { return it.Name },
		func(o *keycrm.Offer) (string, bool) {
			p, ok := productOf(o)
			return strings.TrimSpace(p.Name), ok
		}),
	textField(catalog.FieldDescription, true, func(it *catalog.Item) string { return it.Description },
		func(o *keycrm.Offer) (string, bool) {
			p, ok := productOf(o)
			return p.Description, ok
		}),
	{
		name: catalog.FieldCategory, product: true,
		source: func(it *catalog.Item, cats *Categories) (plan.Value, bool, error) {
			if strings.TrimSpace(it.Category) == "" {
				return plan.Value{}, false, nil
			}
			id, found, path, err := cats.Resolve(it.Category)
			if err != nil {
				return plan.Value{}, false, err
			}
			if found < len(path) {
				// edit-products never creates anything; import does.
				return plan.Value{}, false, fmt.Errorf("category %q is not in KeyCRM; create it there first", PathKey(path[:found+1]))
			}
			return idValue(id), true, nil
		},
		target: func(o *keycrm.Offer) (plan.Value, bool) {
			p, ok := productOf(o)
			if !ok || p.CategoryID == nil {
				return plan.Value{}, false
			}
			return idValue(*p.CategoryID), true
		},
	},
	textField(catalog.FieldBarcode, false, func(it *catalog.Item) string { return it.Barcode },
		func(o *keycrm.Offer) (string, bool) { return o.Barcode, true }),
	numField(catalog.FieldWeight, func(it *catalog.Item) catalog.Num { return it.Weight },
		func(o *keycrm.Offer) *plan.Value { return optNum(o.Weight) }),
	numField(catalog.FieldLength, func(it *catalog.Item) catalog.Num { return it.Length },
		func(o *keycrm.Offer) *plan.Value { return optNum(o.Length) }),
	numField(catalog.FieldWidth, func(it *catalog.Item) catalog.Num { return it.Width },
		func(o *keycrm.Offer) *plan.Value { return optNum(o.Width) }),
	numField(catalog.FieldHeight, func(it *catalog.Item) catalog.Num { return it.Height },
		func(o *keycrm.Offer) *plan.Value { return optNum(o.Height) }),
	textField(catalog.FieldImageURL, false, func(it *catalog.Item) string {
		if len(it.ImageURLs) == 0 {
			return ""
		}
		return it.ImageURLs[0]
	}, func(o *keycrm.Offer) (string, bool) { return o.ThumbnailURL, true }),
}

// CmdEdit is the command of an edit-products plan.
const CmdEdit = "edit-products"

// EditChecks are the guards an edit-products plan is measured against:
// empty-source and max-changes, and max-price-change even when no price changes,
// so its guard list keeps one shape.
var EditChecks = plan.Checks{Source: true, Prices: true}

// EditFields lists the fields edit-products can compare, in plan order.
func EditFields() []string {
	out := make([]string, len(editFields))
	for i, f := range editFields {
		out[i] = f.name
	}
	return out
}

// NeedsProducts reports whether comparing these fields needs the offers' cards
// (include=product): for product fields, and for prices, whose currency lives on
// the card.
func NeedsProducts(fields []string) bool {
	for _, name := range fields {
		if name == catalog.FieldPrice || name == catalog.FieldPurchasedPrice {
			return true
		}
		if i := slices.IndexFunc(editFields, func(f editField) bool { return f.name == name }); i >= 0 && editFields[i].product {
			return true
		}
	}
	return false
}

// EditOptions shape an edit-products plan.
type EditOptions struct {
	Source plan.Source
	APIURL string
	// Fields limits what is compared; empty means every field the source gives
	// a value for somewhere.
	Fields []string
}

// EditPlan is an edit-products plan: the contract's plan, plus the product each
// product-field change is written to (PUT /products/{id} is per product, and a
// plan entry names an offer).
type EditPlan struct {
	*plan.Plan
	// ProductIDs maps the offer id of each product-field change to its product.
	ProductIDs map[int64]int64
}

// ProductRequests is the number of PUT /products/{id} requests applying takes:
// one per product with a changed name, description, category or barcode.
func (e *EditPlan) ProductRequests() int {
	seen := map[int64]bool{}
	for _, c := range e.Changes {
		if IsProductField(c.Field) {
			seen[e.ProductIDs[c.OfferID]] = true
		}
	}
	return len(seen)
}

// OfferRequests is the number of PUT /offers requests applying takes.
func (e *EditPlan) OfferRequests() int {
	ids := map[int64]bool{}
	for _, c := range e.Changes {
		if !IsProductField(c.Field) {
			ids[c.OfferID] = true
		}
	}
	return ceilDiv(len(ids), keycrm.MaxOfferUpdates)
}

// Duration is how long the writes take at perMinute requests a minute, the figure
// the plan shows before confirming (5,000 renames at 60 a minute: 84 minutes).
func (e *EditPlan) Duration(perMinute int) time.Duration {
	if perMinute < 1 {
		perMinute = 1
	}
	n := e.ProductRequests() + e.OfferRequests()
	return time.Duration(n) * time.Minute / time.Duration(perMinute)
}

// IsProductField tells the fields written with PUT /products/{id}: the card's
// name, description and category, and the barcode, which PUT /offers cannot change.
func IsProductField(name string) bool {
	return name == catalog.FieldBarcode || fieldOf(name).product
}

func fieldOf(name string) editField {
	i := slices.IndexFunc(editFields, func(f editField) bool { return f.name == name })
	if i < 0 {
		return editField{name: name}
	}
	return editFields[i]
}

// CheckFields validates --fields before anything is read.
func CheckFields(fields []string) error {
	for _, f := range fields {
		if slices.IndexFunc(editFields, func(e editField) bool { return e.name == f }) < 0 {
			return fmt.Errorf("--fields: %q cannot be edited (want some of %s)", f, strings.Join(EditFields(), ", "))
		}
	}
	return nil
}

// PlanEdit computes the edit-products plan from the source rows and the offers
// read for the source's SKUs (with their cards when NeedsProducts says so).
func PlanEdit(c *Collector, offers []keycrm.Offer, cats *Categories, opt EditOptions) *EditPlan {
	apiURL := opt.APIURL
	p := &plan.Plan{Version: plan.Version, Command: CmdEdit, DryRun: true, Source: opt.Source,
		Target: plan.Target{Location: "keycrm", APIURL: &apiURL, WarehouseIDs: []int64{}}}
	ep := &EditPlan{Plan: p, ProductIDs: map[int64]int64{}}
	if cats == nil {
		cats = NewCategories(nil)
	}
	units, order := c.units()
	fields := opt.Fields
	if len(fields) == 0 {
		fields = givenFields(units)
	}
	held := offersBySKU(offers)
	p.Duplicates = targetDuplicates(held)
	e := &editor{c: c, cats: cats, fields: fields, ep: ep, wanted: map[productKey]*catalog.Item{}, carried: map[productKey]bool{}}
	slices.Sort(order)
	for _, sku := range order {
		it := units[sku]
		offers := held[sku]
		switch {
		case len(offers) == 0:
			p.MissingInTarget = append(p.MissingInTarget, plan.Missing{SKU: sku})
			continue
		case len(offers) > 1:
			continue
		}
		p.Summary.Matched++
		changes := e.compare(it, &offers[0])
		if len(changes) == 0 {
			p.Summary.Unchanged++
			continue
		}
		p.Summary.Changes++
		p.Changes = append(p.Changes, changes...)
	}
	p.Problems = c.Problems()
	p.Summary.MissingInTarget = len(p.MissingInTarget)
	p.Summary.Duplicates = len(p.Duplicates)
	p.Summary.Problems = len(p.Problems)
	p.Source.Items = p.Summary.Matched + p.Summary.MissingInTarget
	return ep
}

// productKey is one field of one product card.
type productKey struct {
	id    int64
	field string
}

// editor compares source rows with their offers.
type editor struct {
	c      *Collector
	cats   *Categories
	fields []string
	ep     *EditPlan
	// wanted is the first row giving each product field, so two offers of one
	// product that disagree on its name are caught; carried marks the product
	// fields a planned change already writes.
	wanted  map[productKey]*catalog.Item
	carried map[productKey]bool
}

// compare returns the row's changes; none when the row is held back by a problem
// (reported here or by the reader) or equals KeyCRM.
func (e *editor) compare(it *catalog.Item, o *keycrm.Offer) []plan.Change {
	if e.c.bad[it.SKU] {
		return nil
	}
	if o.Product != nil && it.Currency != "" && o.Product.CurrencyCode != "" &&
		!strings.EqualFold(strings.TrimSpace(it.Currency), o.Product.CurrencyCode) {
		e.c.addProblem(it, catalog.FieldCurrency, it.Currency,
			fmt.Sprintf("KeyCRM keeps this product in %s; prices are never converted", o.Product.CurrencyCode))
		return nil
	}
	var changes []plan.Change
	var claimed []productKey
	for _, name := range e.fields {
		f := fieldOf(name)
		to, known, err := f.source(it, e.cats)
		if err != nil {
			e.c.addProblem(it, name, it.Category, err.Error())
			return nil
		}
		if !known {
			continue // unknown never overwrites a known value
		}
		product := f.product || name == catalog.FieldBarcode
		k := productKey{o.ProductID, name}
		if product {
			if first, ok := e.wanted[k]; !ok {
				e.wanted[k] = it
			} else if v, _, _ := f.source(first, e.cats); !v.Equal(to) {
				e.c.addProblem(it, name, to.String(), fmt.Sprintf("row %d wants another %s for the same product", first.Pos.Row, name))
				return nil
			}
		}
		from, _ := f.target(o)
		if from.Equal(to) || (product && e.carried[k]) {
			continue
		}
		if name == catalog.FieldBarcode && o.Product != nil && o.Product.HasOffers {
			e.c.addProblem(it, name, it.Barcode, "KeyCRM's API cannot change the barcode of a variant")
			return nil
		}
		if product {
			claimed = append(claimed, k)
		}
		changes = append(changes, plan.Change{SKU: it.SKU, OfferID: o.ID, Field: name, From: from, To: to})
	}
	for _, k := range claimed {
		e.carried[k] = true
		e.ep.ProductIDs[o.ID] = o.ProductID
	}
	return changes
}

// givenFields are the editable fields some row of the source gives a value for.
func givenFields(units map[string]*catalog.Item) []string {
	var out []string
	none := NewCategories(nil)
	for _, f := range editFields {
		for _, it := range units {
			if _, known, _ := f.source(it, none); known || (f.name == catalog.FieldCategory && it.Category != "") {
				out = append(out, f.name)
				break
			}
		}
	}
	return out
}

// TargetValue reads a field of an offer as the plan compares it, for the read-back
// after applying. ok is false when KeyCRM holds no value.
func TargetValue(field string, o *keycrm.Offer) (plan.Value, bool) {
	f := fieldOf(field)
	if f.target == nil {
		return plan.Value{}, false
	}
	return f.target(o)
}

// Revertible splits an edit run's journaled entries into those a revert can put
// back and those it cannot: a value KeyCRM did not hold before (null) cannot be
// sent back through the API, so such entries are listed for the operator instead.
func Revertible(applied []plan.Change) (keep, skipped []plan.Change) {
	for _, c := range applied {
		if c.From.IsZero() {
			skipped = append(skipped, c)
		} else {
			keep = append(keep, c)
		}
	}
	return keep, skipped
}
