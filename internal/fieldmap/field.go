package fieldmap

import (
	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/numparse"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Field is a canonical field by its place in catalog.Fields. Readers that know
// which field each value is (the XML feed readers) set values by Field, with
// no name lookup per value.
type Field uint8

// The canonical fields, in catalog.Fields order.
const (
	SKU            Field = kSKU
	Quantity       Field = kQuantity
	Warehouse      Field = kWarehouse
	Available      Field = kAvailable
	Price          Field = kPrice
	PurchasedPrice Field = kPurchasedPrice
	Currency       Field = kCurrency
	Name           Field = kName
	Description    Field = kDescription
	Category       Field = kCategory
	Barcode        Field = kBarcode
	Weight         Field = kWeight
	Length         Field = kLength
	Width          Field = kWidth
	Height         Field = kHeight
	ImageURL       Field = kImageURL
	ParentSKU      Field = kParentSKU
	Properties     Field = kProperties
)

// String is the field's canonical name.
func (f Field) String() string { return catalog.Fields[f] }

// Set is SetValue for a field given by place and a value given as a string
// or as bytes of a reader's buffer: the same rules, and a number is read from
// the bytes without a string being made of it.
func Set[T Text](it *catalog.Item, f Field, value T) error {
	i, j := trimBounds(value)
	if i == j || int(f) >= numKinds {
		return nil
	}
	v := value[i:j]
	switch kind := int(f); kind {
	case kQuantity, kPrice, kPurchasedPrice, kWeight, kLength, kWidth, kHeight:
		if d, ok := plainNumber(v); ok {
			putNumber(it, kind, d)
			return nil
		}
		_, err := setNumber(it, kind, v, false, numparse.AnyMark)
		return err
	case kAvailable:
		flag, err := ParseFlag(string(v))
		it.Available = flag
		return err
	}
	return setText(it, int(f), string(v))
}

// plainNumber reads the numbers feeds write most ("37", "537.50"): ASCII
// digits with at most one '.' inside them, no leading zero but that of
// "0.5", and not three digits after the '.' (which a column's mark settles,
// "1.250"). numparse reads them as the same decimal; anything else is
// reported not ok and left to numparse.
func plainNumber[T Text](v T) (decimal.Decimal, bool) {
	if len(v) == 0 || len(v) > maxPlainDigits {
		return decimal.Zero, false
	}
	var coef int64
	dot := -1
	for k := 0; k < len(v); k++ {
		switch c := v[k]; {
		case c >= '0' && c <= '9':
			coef = coef*10 + int64(c-'0')
		case c == '.' && dot < 0 && k > 0 && k < len(v)-1:
			dot = k
		default:
			return decimal.Zero, false
		}
	}
	if v[0] == '0' && len(v) > 1 && dot != 1 {
		return decimal.Zero, false
	}
	scale := 0
	if dot >= 0 {
		if scale = len(v) - dot - 1; scale == 3 {
			return decimal.Zero, false
		}
	}
	d, err := decimal.New(coef, scale)
	return d, err == nil
}

// maxPlainDigits keeps plainNumber within the digits numparse reads exactly
// (a spreadsheet's 15), the '.' included.
const maxPlainDigits = 15
