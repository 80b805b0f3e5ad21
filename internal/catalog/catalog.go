// Package catalog holds the canonical shape every reader produces and every planner
// consumes: an Item is one (SKU, warehouse) pair with the fields the source gave,
// and a Problem is a row that could not be used, with its position.
//
// Unknown is never zero: a field the source left absent or empty stays unknown
// (Num.Known false, empty string, FlagUnknown) and an unknown value is never a change.
package catalog

import (
	"strings"
	"unicode/utf8"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Num is a number the source may not have given.
type Num struct {
	V     decimal.Decimal
	Known bool
}

// Known returns a known Num.
func Known(v decimal.Decimal) Num { return Num{V: v, Known: true} }

// String prints the number, or "" when unknown.
func (n Num) String() string {
	if !n.Known {
		return ""
	}
	return n.V.String()
}

// Flag is a yes/no value the source may not have given (feeds' "available").
type Flag int8

// Flag values.
const (
	FlagUnknown Flag = iota
	FlagYes
	FlagNo
)

// Property is one variant attribute, such as Розмір=42.
type Property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Item is one (SKU, warehouse) pair as a source states it. Field names follow the
// canonical fields of the command-line contract (cli.md section 3).
type Item struct {
	SKU string
	// Warehouse is the source's own warehouse name or id; "" when the source has
	// no per-warehouse stock.
	Warehouse string
	// WarehouseName is the display name when Warehouse is an id (CommerceML Склады).
	WarehouseName string
	// WarehouseColumn is where Warehouse was read (a header, a JSON key, an XML
	// path), for the problem of a warehouse no --warehouse-map entry routes.
	WarehouseColumn string

	Quantity       Num
	Available      Flag
	Price          Num
	PurchasedPrice Num
	Currency       string
	Name           string
	Description    string
	Category       string
	Barcode        string
	Weight         Num
	Length         Num
	Width          Num
	Height         Num
	ImageURLs      []string
	ParentSKU      string
	Properties     []Property

	// Pos is where the item was read: File (inside a folder or zip package, else
	// the location itself) and Row (1-based, header counted; the line for text
	// and XML sources).
	Pos Position
}

// Position locates a value in a source.
type Position struct {
	File   string
	Row    int
	Column string
}

// Problem is a row left out of the plan, in the JSON shape of the contract.
type Problem struct {
	File   string `json:"file"`
	Row    int    `json:"row"`
	Column string `json:"column"`
	Field  string `json:"field"`
	// SKU is the row's SKU when it could be read. A SKU seen in a problem row is
	// never "missing in source".
	SKU   string `json:"sku,omitempty"`
	Value string `json:"value"`
	Error string `json:"error"`
}

// NormalizeSKU is the one rule for source SKUs: surrounding white space (including
// no-break spaces) is trimmed; case and inner spaces are kept, because KeyCRM
// compares SKUs exactly as stored.
func NormalizeSKU(s string) string {
	// Nearly every SKU starts and ends with a printable ASCII byte, which no
	// trimmed character starts or ends with: such a SKU is already normal.
	if s == "" || plainEdge(s[0]) && plainEdge(s[len(s)-1]) {
		return s
	}
	return strings.TrimFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\u00a0' || r == '\ufeff' || r == '\u200b'
	})
}

func plainEdge(c byte) bool { return c > ' ' && c < utf8.RuneSelf }

// Canonical field names, as used by --map, --fields, JSON lines and SQL columns.
const (
	FieldSKU            = "sku"
	FieldQuantity       = "quantity"
	FieldWarehouse      = "warehouse"
	FieldAvailable      = "available"
	FieldPrice          = "price"
	FieldPurchasedPrice = "purchased_price"
	FieldCurrency       = "currency"
	FieldName           = "name"
	FieldDescription    = "description"
	FieldCategory       = "category"
	FieldBarcode        = "barcode"
	FieldWeight         = "weight"
	FieldLength         = "length"
	FieldWidth          = "width"
	FieldHeight         = "height"
	FieldImageURL       = "image_url"
	FieldParentSKU      = "parent_sku"
	FieldProperties     = "properties"
)

// Fields lists every canonical field in contract order.
var Fields = []string{
	FieldSKU, FieldQuantity, FieldWarehouse, FieldAvailable, FieldPrice, FieldPurchasedPrice,
	FieldCurrency, FieldName, FieldDescription, FieldCategory, FieldBarcode, FieldWeight,
	FieldLength, FieldWidth, FieldHeight, FieldImageURL, FieldParentSKU, FieldProperties,
}

// MaxImages is KeyCRM's limit of pictures per product.
const MaxImages = 6
