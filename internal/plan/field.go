package plan

import (
	"fmt"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
)

// field is one comparable field: how to read it from an indexed source item and from a
// target offer. Adding a field for edit-products is one entry in fields plus, when it
// is not stock, one member of extra.
type field struct {
	name string
	// perWarehouse fields are compared per KeyCRM warehouse (or as a total); the
	// others once per SKU, and their changes carry no warehouse id.
	perWarehouse bool
	// keep is the field's bit in IndexOptions.Fields; 0 for quantity, which every
	// index keeps.
	keep   keepBits
	source func(x *Index, e *entry) (Value, bool)
	target func(o *Offer, wh int64, mode StockMode) (Value, bool, error)
}

// keepBits records which optional fields an Index stores.
type keepBits uint8

const (
	keepPrice keepBits = 1 << iota
	keepPurchasedPrice
	keepName
	keepAvailable
)

// fields is in contract order (catalog.Fields); a field's position orders changes of
// one item.
var fields = []field{
	{
		name:         catalog.FieldQuantity,
		perWarehouse: true,
		source: func(_ *Index, e *entry) (Value, bool) {
			return NumberValue(e.qty()), e.flags&flagKnown != 0
		},
		target: func(o *Offer, wh int64, mode StockMode) (Value, bool, error) {
			d, ok, err := o.stockIn(wh).value(mode)
			return NumberValue(d), ok, err
		},
	},
	{
		// available compares a feed's in-stock flag with what KeyCRM can sell:
		// quantity minus reserve above 0, over all warehouses (feeds carry no
		// warehouse). A source read as the target gives its own flag.
		name: catalog.FieldAvailable,
		keep: keepAvailable,
		source: func(x *Index, e *entry) (Value, bool) {
			return flagValue(x.extraOf(e).available)
		},
		target: func(o *Offer, _ int64, _ StockMode) (Value, bool, error) {
			if o.Available != catalog.FlagUnknown {
				v, ok := flagValue(o.Available)
				return v, ok, nil
			}
			d, ok, err := o.Total.value(Available)
			if !ok || err != nil {
				return Value{}, false, err
			}
			if d.Sign() > 0 {
				return TextValue(flagYes), true, nil
			}
			return TextValue(flagNo), true, nil
		},
	},
	{
		name: catalog.FieldPrice,
		keep: keepPrice,
		source: func(x *Index, e *entry) (Value, bool) {
			return numValue(x.extraOf(e).price)
		},
		target: func(o *Offer, _ int64, _ StockMode) (Value, bool, error) {
			v, ok := numValue(o.Price)
			return v, ok, nil
		},
	},
	{
		name: catalog.FieldPurchasedPrice,
		keep: keepPurchasedPrice,
		source: func(x *Index, e *entry) (Value, bool) {
			return numValue(x.extraOf(e).purchasedPrice)
		},
		target: func(o *Offer, _ int64, _ StockMode) (Value, bool, error) {
			v, ok := numValue(o.PurchasedPrice)
			return v, ok, nil
		},
	},
	{
		name: catalog.FieldName,
		keep: keepName,
		source: func(x *Index, e *entry) (Value, bool) {
			n := x.extraOf(e).name
			return TextValue(x.text(n)), n.n > 0
		},
		target: func(o *Offer, _ int64, _ StockMode) (Value, bool, error) {
			return TextValue(o.Name), o.Name != "", nil
		},
	},
}

// fieldIndex returns the position of a field in fields, or -1.
func fieldIndex(name string) int {
	for i := range fields {
		if fields[i].name == name {
			return i
		}
	}
	return -1
}

// lookupField returns the position of a field in fields, or an error naming the
// fields that can be compared.
func lookupField(name string) (int, error) {
	if i := fieldIndex(name); i >= 0 {
		return i, nil
	}
	names := make([]string, len(fields))
	for i := range fields {
		names[i] = fields[i].name
	}
	return 0, fmt.Errorf("field %q cannot be compared (want one of %s)", name, strings.Join(names, ", "))
}

func numValue(n catalog.Num) (Value, bool) { return NumberValue(n.V), n.Known }

// Texts of the available flag in plans.
const (
	flagYes = "yes"
	flagNo  = "no"
)

func flagValue(f catalog.Flag) (Value, bool) {
	switch f {
	case catalog.FlagYes:
		return TextValue(flagYes), true
	case catalog.FlagNo:
		return TextValue(flagNo), true
	}
	return Value{}, false
}
