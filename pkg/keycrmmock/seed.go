package keycrmmock

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// LoadSeed reads a seed file: JSON in the State shape, or a quick-start CSV with
// the columns sku, name, price, quantity and optionally warehouse_id, reserve and
// parent_sku. The result is validated and normalised (ordered by id, lists
// non-nil), so it equals what State returns from a server started with it.
func LoadSeed(path string) (State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return State{}, fmt.Errorf("read seed: %w", err)
	}
	var st State
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json":
		st, err = decodeState(data)
	case ".csv":
		st, err = decodeCSV(data)
	default:
		return State{}, fmt.Errorf("seed %s: unknown format %q (want .json or .csv)", path, ext)
	}
	if err != nil {
		return State{}, fmt.Errorf("seed %s: %w", path, err)
	}
	s, err := buildStore(st, time.Time{})
	if err != nil {
		return State{}, fmt.Errorf("seed %s: %w", path, err)
	}
	return s.state(), nil
}

// decodeState reads State JSON strictly: an unknown field is an error, because
// a misspelt "purchase_price" would otherwise seed zeros without a word.
func decodeState(data []byte) (State, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var st State
	err := dec.Decode(&st)
	if err == nil {
		if _, tokErr := dec.Token(); !errors.Is(tokErr, io.EOF) {
			err = errors.New("more than one JSON value")
		}
	}
	if err == nil {
		return st, nil
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return State{}, fmt.Errorf("line %d: %w", lineAt(data, syntax.Offset), err)
	case errors.As(err, &typ):
		return State{}, fmt.Errorf("line %d: %w", lineAt(data, typ.Offset), err)
	case errors.Is(err, io.EOF):
		return State{}, errors.New("empty JSON")
	}
	return State{}, fmt.Errorf("line %d: %w", lineAt(data, dec.InputOffset()), err)
}

func lineAt(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return 1 + bytes.Count(data[:offset], []byte("\n"))
}

var (
	csvRequired = []string{"sku", "name", "price", "quantity"}
	csvOptional = []string{"warehouse_id", "reserve", "parent_sku"}
)

// csvRow is one offer as the quick-start CSV describes it, remembered with the
// line it was first seen on for error messages.
type csvRow struct {
	line   int
	name   string
	price  decimal.Decimal
	parent string
	stock  map[string]Stock // shared with the offer, so later rows add to it
}

// decodeCSV turns the quick-start CSV into a State. Rows repeating a SKU add
// that offer's stock in another warehouse; rows sharing a parent_sku become the
// offers of one product named after the first of them; every other row is a
// product of its own. Stock without a warehouse_id goes to warehouse 1.
func decodeCSV(data []byte) (State, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return State{}, errors.New("line 1: no header (want sku,name,price,quantity)")
	}
	if err != nil {
		return State{}, err
	}
	col := map[string]int{}
	for i, name := range header {
		if !slices.Contains(csvRequired, name) && !slices.Contains(csvOptional, name) {
			return State{}, fmt.Errorf("line 1 column %d: unknown column %q (known: %s, %s)", i+1, name,
				strings.Join(csvRequired, ","), strings.Join(csvOptional, ","))
		}
		if _, dup := col[name]; dup {
			return State{}, fmt.Errorf("line 1 column %d: column %q appears twice", i+1, name)
		}
		col[name] = i
	}
	for _, name := range csvRequired {
		if _, ok := col[name]; !ok {
			return State{}, fmt.Errorf("line 1: missing column %q", name)
		}
	}

	st := State{Warehouses: []Warehouse{{ID: defaultWarehouseID, Name: defaultWarehouseName}}}
	warehouses := map[int64]bool{defaultWarehouseID: true}
	bySKU := map[string]*csvRow{}
	productOf := map[string]int{} // parent_sku -> index in st.Products
	var offerID int64
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return State{}, err
		}
		line, _ := r.FieldPos(0)
		cell := func(name string) string {
			if i, ok := col[name]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		at := func(name string) string { return fmt.Sprintf("line %d column %q", line, name) }
		number := func(name string) (decimal.Decimal, error) {
			v := cell(name)
			if v == "" {
				return decimal.Zero, nil
			}
			d, err := decimal.Parse(v)
			if err != nil {
				return decimal.Zero, fmt.Errorf("%s: %q is not a plain number (use a dot for decimals): %w", at(name), v, err)
			}
			if d.Sign() < 0 {
				return decimal.Zero, fmt.Errorf("%s: %s is negative", at(name), v)
			}
			return d, nil
		}

		row := csvRow{line: line, name: cell("name"), parent: cell("parent_sku")}
		sku := cell("sku")
		switch {
		case sku == "":
			return State{}, fmt.Errorf("%s: empty sku", at("sku"))
		case row.name == "":
			return State{}, fmt.Errorf("%s: empty name", at("name"))
		}
		if row.price, err = number("price"); err != nil {
			return State{}, err
		}
		var stock Stock
		if stock.Quantity, err = number("quantity"); err != nil {
			return State{}, err
		}
		if stock.Reserve, err = number("reserve"); err != nil {
			return State{}, err
		}
		wh := int64(defaultWarehouseID)
		if v := cell("warehouse_id"); v != "" {
			if wh, err = strconv.ParseInt(v, 10, 64); err != nil || wh <= 0 {
				return State{}, fmt.Errorf("%s: %q is not a warehouse id", at("warehouse_id"), v)
			}
		}
		if !warehouses[wh] {
			warehouses[wh] = true
			st.Warehouses = append(st.Warehouses, Warehouse{ID: wh, Name: "Склад " + strconv.FormatInt(wh, 10)})
		}
		whKey := strconv.FormatInt(wh, 10)

		if prev, ok := bySKU[sku]; ok {
			if prev.name != row.name || prev.price != row.price || prev.parent != row.parent {
				return State{}, fmt.Errorf("line %d: sku %q is already on line %d with a different name, price or parent_sku", line, sku, prev.line)
			}
			if _, dup := prev.stock[whKey]; dup {
				return State{}, fmt.Errorf("line %d: sku %q already has stock in warehouse %d (first seen on line %d)", line, sku, wh, prev.line)
			}
			prev.stock[whKey] = stock
			continue
		}

		offerID++
		row.stock = map[string]Stock{whKey: stock}
		o := Offer{ID: offerID, SKU: &sku, Price: row.price, Properties: []Property{}, Stock: row.stock}
		pi, grouped := productOf[row.parent]
		if row.parent == "" || !grouped {
			st.Products = append(st.Products, Product{ID: int64(len(st.Products) + 1), Name: row.name, CurrencyCode: defaultCurrency})
			pi = len(st.Products) - 1
			if row.parent != "" {
				productOf[row.parent] = pi
			}
		}
		st.Products[pi].Offers = append(st.Products[pi].Offers, o)
		bySKU[sku] = &row
	}
	return st, nil
}
