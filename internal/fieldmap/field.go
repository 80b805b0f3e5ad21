package fieldmap

import (
	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/numparse"
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
		_, err := setNumber(it, kind, v, false, numparse.AnyMark)
		return err
	case kAvailable:
		flag, err := ParseFlag(string(v))
		it.Available = flag
		return err
	}
	return setText(it, int(f), string(v))
}
