package moysklad

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/numparse"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// metaRef is a MoySklad link: the entity's href, whose last path segment is
// its UUID, and its type (product, variant, service, bundle, consignment,
// store).
type metaRef struct {
	Href string `json:"href"`
	Type string `json:"type"`
}

// id is the UUID in the href, without the query ("?expand=supplier").
func (m metaRef) id() string {
	h := m.Href
	if i := strings.IndexAny(h, "?#"); i >= 0 {
		h = h[:i]
	}
	return h[strings.LastIndexByte(h, '/')+1:]
}

// price is one of an assortment row's prices, in kopecks (hundredths).
type price struct {
	Value    json.RawMessage `json:"value"`
	Currency *struct {
		IsoCode string `json:"isoCode"`
	} `json:"currency"`
	PriceType *struct {
		Name string `json:"name"`
	} `json:"priceType"`
}

// storeStock is one warehouse of a report/stock/bystore row.
type storeStock struct {
	Meta  metaRef         `json:"meta"`
	Name  string          `json:"name"`
	Stock json.RawMessage `json:"stock"`
}

// row is a row of any of the exports, with the keys keycrm-sync reads. Values
// whose type varies in hand-edited files (numbers, codes) are kept raw.
type row struct {
	Meta        metaRef         `json:"meta"`
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Code        json.RawMessage `json:"code"`
	Article     json.RawMessage `json:"article"`
	Description string          `json:"description"`
	PathName    string          `json:"pathName"`
	Folder      *struct {
		Name string `json:"name"`
	} `json:"folder"`
	// Stock is on hand: the canonical quantity. Quantity (available: stock −
	// reserve + in transit), FreeStock, Reserve and InTransit are never read
	// as a quantity; their presence names a …/current report's stock type.
	Stock      json.RawMessage     `json:"stock"`
	Quantity   json.RawMessage     `json:"quantity"`
	FreeStock  json.RawMessage     `json:"freeStock"`
	Reserve    json.RawMessage     `json:"reserve"`
	InTransit  json.RawMessage     `json:"inTransit"`
	Price      json.RawMessage     `json:"price"`     // report/stock/all: cost, kopecks
	SalePrice  json.RawMessage     `json:"salePrice"` // report/stock/all: sale price, kopecks
	SalePrices []price             `json:"salePrices"`
	BuyPrice   *price              `json:"buyPrice"`
	Barcodes   []map[string]string `json:"barcodes"`
	// Characteristics are a variant's Розмір=42.
	Characteristics []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"characteristics"`
	Product *struct {
		Meta    metaRef         `json:"meta"`
		Article json.RawMessage `json:"article"`
		Code    json.RawMessage `json:"code"`
	} `json:"product"`
	StockByStore []storeStock    `json:"stockByStore"`
	AssortmentID string          `json:"assortmentId"`
	StoreID      json.RawMessage `json:"storeId"`
}

// shape is what a row is, told by its keys.
type shape uint8

const (
	shapeEntity         shape = iota // report/stock/all or entity/assortment
	shapeByStore                     // report/stock/bystore
	shapeCurrent                     // report/stock/all/current
	shapeByStoreCurrent              // report/stock/bystore/current
	shapeStore                       // entity/store
)

func (r *row) shape() shape {
	switch {
	case r.StockByStore != nil:
		return shapeByStore
	case r.AssortmentID != "" && r.StoreID != nil:
		return shapeByStoreCurrent
	case r.AssortmentID != "":
		return shapeCurrent
	case r.Meta.Type == "store":
		return shapeStore
	}
	return shapeEntity
}

// uuid is the row's entity id: from its href, else its id key.
func (r *row) uuid() string {
	if id := r.Meta.id(); id != "" {
		return id
	}
	return r.ID
}

// isAssortment tells an entity/assortment row (it has an id and entity
// keys) from a report/stock/all row.
func (r *row) isAssortment() bool {
	return r.ID != "" || r.SalePrices != nil || r.BuyPrice != nil || r.Barcodes != nil
}

// Problem texts of this format.
var (
	errBundle          = errors.New("a bundle (комплект): MoySklad computes its stock from its components, so it is not synced")
	errNotInAssortment = errors.New("not in the assortment export: no article or code for this MoySklad id")
	errNotText         = errors.New("not a text value")
)

// text returns a raw JSON string's or number's text; ok is false for other
// values (objects, arrays, booleans).
func text(raw json.RawMessage) (s string, ok bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	switch raw[0] {
	case '"':
		err := json.Unmarshal(raw, &s)
		return s, err == nil
	case '{', '[', 't', 'f':
		return "", false
	}
	return string(raw), true
}

// number reads a JSON number, or a number in a JSON string (hand-edited
// files). known is false for an absent, null or blank value; text is the
// value as a problem shows it.
func number(raw json.RawMessage) (d decimal.Decimal, known bool, txt string, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return decimal.Zero, false, "", nil
	}
	switch raw[0] {
	case '"':
		s, _ := text(raw)
		if strings.TrimSpace(s) == "" {
			return decimal.Zero, false, "", nil
		}
		d, _, err = numparse.Parse(s, numparse.Options{})
		return d, err == nil, s, err
	case '{', '[', 't', 'f':
		return decimal.Zero, false, string(raw), numparse.ErrSyntax
	}
	// MoySklad's numbers are binary doubles: float noise is rounded away as
	// in spreadsheet cells.
	d, _, err = numparse.Parse(raw, numparse.Options{Spreadsheet: true})
	return d, err == nil, string(raw), err
}

// identity describes a row that has no SKU, so that the operator can find
// it in MoySklad: its code (when the key is the article) and its UUID.
func identity(key string, code json.RawMessage, uuid string) string {
	var parts []string
	if c, _ := text(code); key != "code" && strings.TrimSpace(c) != "" {
		parts = append(parts, "code "+strconv.Quote(strings.TrimSpace(c)))
	}
	if uuid != "" {
		parts = append(parts, "id "+uuid)
	}
	return strings.Join(parts, ", ")
}

// barcode picks a row's first barcode, preferring the kinds KeyCRM users put
// on shelves.
func barcode(codes []map[string]string) string {
	if len(codes) == 0 {
		return ""
	}
	for _, kind := range []string{"ean13", "ean8", "gtin", "upc", "code128"} {
		if v := strings.TrimSpace(codes[0][kind]); v != "" {
			return v
		}
	}
	for _, v := range codes[0] {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// category is the group's own name: a report's folder name, or the last
// level of an assortment row's pathName ("Взуття/Кросівки" → "Кросівки").
func category(r *row) string {
	if r.Folder != nil && strings.TrimSpace(r.Folder.Name) != "" {
		return strings.TrimSpace(r.Folder.Name)
	}
	p := strings.TrimSpace(r.PathName)
	return strings.TrimSpace(p[strings.LastIndexByte(p, '/')+1:])
}

// typeError turns a row of the wrong JSON types into a problem's column,
// field and text.
func typeError(e *json.UnmarshalTypeError) (column, field, msg string) {
	column = e.Field
	if column == "" {
		column = "rows[]"
	}
	field = catalog.FieldSKU
	switch head, _, _ := strings.Cut(e.Field, "."); head {
	case "name":
		field = catalog.FieldName
	case "description":
		field = catalog.FieldDescription
	case "pathName", "folder":
		field = catalog.FieldCategory
	case "barcodes":
		field = catalog.FieldBarcode
	case "characteristics":
		field = catalog.FieldProperties
	case "salePrices":
		field = catalog.FieldPrice
	case "buyPrice":
		field = catalog.FieldPurchasedPrice
	case "stockByStore":
		field = catalog.FieldQuantity
	case "product":
		field = catalog.FieldParentSKU
	}
	return column, field, fmt.Sprintf("a JSON %s where MoySklad writes %s", e.Value, jsonType(e.Type.String()))
}

// jsonType names a Go type as the JSON value it decodes.
func jsonType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case goType == "string":
		return "a string"
	case strings.Contains(goType, "struct"), strings.HasPrefix(goType, "map"), strings.HasPrefix(goType, "moysklad."):
		return "an object"
	}
	return goType
}
