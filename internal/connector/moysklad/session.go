package moysklad

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
)

// entity is what a folder's assortment export says about one item: enough to
// name the rows of the reports that know it only by its UUID.
type entity struct {
	sku, code, name, barcode string
	parent                   string // a variant's product UUID
	typ                      string
}

// session turns rows into items and problems, and keeps what spans rows and
// files: the assortment of a folder, the warehouses, the counts for notes.
type session struct {
	sink       connector.Sink
	key        string // "article" or "code"
	priceTypes map[string]string
	folder     bool
	info       *connector.SourceInfo

	entities map[string]*entity // folder: the assortment by UUID
	parents  map[string]string  // single file: products read so far, UUID → SKU
	stores   map[string]string  // store UUID → name
	whSeen   map[string]bool

	fields   feedkit.Fields
	it       catalog.Item
	file     string
	line     int
	problems []catalog.Problem

	// Counts for notes.
	services, consignments, bundles, nullStore int
	noStock, stockRows, noKey, noKeyWithCode   int
	orphans, noPriceType, notFound             int
}

func newSession(sink connector.Sink, key string, priceTypes map[string]string, folder bool, info *connector.SourceInfo) *session {
	return &session{
		sink: sink, key: key, priceTypes: priceTypes, folder: folder, info: info,
		entities: map[string]*entity{}, parents: map[string]string{}, stores: map[string]string{}, whSeen: map[string]bool{},
	}
}

// begin starts an item read from file at line.
func (s *session) begin(file string, line int) {
	s.it = catalog.Item{Pos: catalog.Position{File: file, Row: line}}
	s.file, s.line = file, line
	s.problems = s.problems[:0]
}

func (s *session) problem(column, field, value string, err error) {
	s.problems = append(s.problems, catalog.Problem{
		File: s.file, Row: s.line, Column: column, Field: field, Value: value, Error: err.Error(),
	})
}

// emit yields the item, or its problems carrying its SKU.
func (s *session) emit() error {
	s.fields.Add(&s.it)
	if len(s.problems) > 0 {
		for _, p := range s.problems {
			p.SKU = s.it.SKU
			s.sink.Problem(p)
		}
		return nil
	}
	return s.sink.Item(&s.it)
}

// keyOf returns the row's key value and the key's name.
func (s *session) keyOf(article, code json.RawMessage) (json.RawMessage, string) {
	if s.key == "code" {
		return code, "code"
	}
	return article, "article"
}

// setSKU reads the key; a row without one is a problem carrying what
// identity the row has (its code, its UUID), so that it can be found.
func (s *session) setSKU(raw json.RawMessage, column, ident string, hasCode bool) {
	v, ok := text(raw)
	if !ok {
		s.problem(column, catalog.FieldSKU, string(raw), errNotText)
		return
	}
	s.it.SKU = catalog.NormalizeSKU(v)
	if s.it.SKU == "" {
		s.missingKey(column, ident, hasCode)
	}
}

func (s *session) missingKey(column, ident string, hasCode bool) {
	s.problem(column, catalog.FieldSKU, ident, fieldmap.ErrEmptySKU)
	s.noKey++
	if hasCode && s.key != "code" {
		s.noKeyWithCode++
	}
}

// quantity reads an on-hand stock value.
func (s *session) quantity(column string, raw json.RawMessage) {
	d, known, txt, err := number(raw)
	switch {
	case err != nil:
		s.problem(column, catalog.FieldQuantity, txt, err)
	case !known:
	case d.Sign() < 0:
		s.problem(column, catalog.FieldQuantity, txt, fieldmap.ErrNegative)
	default:
		s.it.Quantity = catalog.Known(d)
	}
}

// kopecks reads a price in hundredths into field (price or
// purchased_price), in currency (an ISO code, "" when not given). A price of
// 0 is how MoySklad shows a price never set: unknown, not free.
func (s *session) kopecks(column, field string, raw json.RawMessage, currency string) {
	d, known, txt, err := number(raw)
	if err == nil && known {
		d, err = d.Shift(-2)
	}
	switch {
	case err != nil:
		s.problem(column, field, txt, err)
	case !known || d.IsZero():
	case d.Sign() < 0:
		s.problem(column, field, txt, fieldmap.ErrNegativeNo)
	default:
		if field == catalog.FieldPrice {
			s.it.Price = catalog.Known(d)
		} else {
			s.it.PurchasedPrice = catalog.Known(d)
		}
		if c := strings.TrimSpace(currency); c != "" && s.it.Currency == "" {
			s.it.Currency = fieldmap.NormalizeCurrency(c)
		}
	}
}

// iso is a price's currency code when the export expanded the currency.
func iso(p *price) string {
	if p.Currency == nil {
		return ""
	}
	return p.Currency.IsoCode
}

// priceOf finds the sale price of the type --price-type names for field, or
// (for price) the first; -1 when there is none.
func (s *session) priceOf(prices []price, field string) int {
	name := s.priceTypes[field]
	if name == "" {
		if field == catalog.FieldPrice && len(prices) > 0 {
			return 0
		}
		return -1
	}
	for i, p := range prices {
		if p.PriceType != nil && strings.EqualFold(strings.TrimSpace(p.PriceType.Name), strings.TrimSpace(name)) {
			return i
		}
	}
	if len(prices) > 0 {
		s.noPriceType++
	}
	return -1
}

// prices reads a report row's salePrice and price (cost), or an assortment
// row's salePrices and buyPrice.
func (s *session) prices(r *row) {
	salePrice := func(field string) bool {
		i := s.priceOf(r.SalePrices, field)
		if i >= 0 {
			s.kopecks("salePrices["+strconv.Itoa(i)+"].value", field, r.SalePrices[i].Value, iso(&r.SalePrices[i]))
		}
		return i >= 0 || s.priceTypes[field] != ""
	}
	if r.SalePrice != nil {
		s.kopecks("salePrice", catalog.FieldPrice, r.SalePrice, "")
	} else {
		salePrice(catalog.FieldPrice)
	}
	switch {
	case r.Price != nil:
		s.kopecks("price", catalog.FieldPurchasedPrice, r.Price, "")
	case salePrice(catalog.FieldPurchasedPrice):
	case r.BuyPrice != nil:
		s.kopecks("buyPrice.value", catalog.FieldPurchasedPrice, r.BuyPrice.Value, iso(r.BuyPrice))
	}
}

// skipped counts a row that is not a SKU: services have no stock and
// batches (consignments) repeat their product's stock in parts.
func (s *session) skipped(typ string) bool {
	switch typ {
	case "service":
		s.services++
		return true
	case "consignment":
		s.consignments++
		return true
	}
	return false
}

// entityRow reads a report/stock/all or entity/assortment row.
func (s *session) entityRow(file string, line int, r *row) error {
	if s.skipped(r.Meta.Type) {
		return nil
	}
	s.begin(file, line)
	uuid := r.uuid()
	raw, column := s.keyOf(r.Article, r.Code)
	code, _ := text(r.Code)
	s.setSKU(raw, column, identity(s.key, r.Code, uuid), strings.TrimSpace(code) != "")
	if r.Meta.Type == "bundle" {
		s.bundles++
		s.problem("meta.type", catalog.FieldQuantity, "bundle", errBundle)
		return s.emit()
	}
	if r.Stock != nil {
		s.stockRows++
		s.quantity("stock", r.Stock)
	} else {
		s.noStock++
	}
	s.prices(r)
	s.it.Name = strings.TrimSpace(r.Name)
	s.it.Description = strings.TrimSpace(r.Description)
	s.it.Category = category(r)
	s.it.Barcode = barcode(r.Barcodes)
	for _, c := range r.Characteristics {
		if n, v := strings.TrimSpace(c.Name), strings.TrimSpace(c.Value); n != "" && v != "" {
			s.it.Properties = append(s.it.Properties, catalog.Property{Name: n, Value: v})
		}
	}
	s.parent(r, uuid)
	return s.emit()
}

// parent finds a variant's product SKU: from the product link when the
// export expanded it, else from the product's own row (the folder's
// assortment, or an earlier row of the same file).
func (s *session) parent(r *row, uuid string) {
	if !s.folder && r.Meta.Type == "product" && r.ID != "" && s.it.SKU != "" {
		s.parents[uuid] = s.it.SKU
	}
	if s.folder {
		if e := s.entities[uuid]; e != nil {
			if s.it.Barcode == "" {
				s.it.Barcode = e.barcode
			}
			if r.Product == nil {
				s.it.ParentSKU = s.parentOf(e)
				return
			}
		}
	}
	if r.Meta.Type != "variant" || r.Product == nil {
		return
	}
	raw, _ := s.keyOf(r.Product.Article, r.Product.Code)
	if v, _ := text(raw); catalog.NormalizeSKU(v) != "" {
		s.it.ParentSKU = catalog.NormalizeSKU(v)
		return
	}
	pid := r.Product.Meta.id()
	if s.folder {
		if p := s.entities[pid]; p != nil && p.sku != "" {
			s.it.ParentSKU = p.sku
			return
		}
	} else if sku, ok := s.parents[pid]; ok {
		s.it.ParentSKU = sku
		return
	}
	s.orphans++
}

// parentOf is a folder entity's product SKU, or "".
func (s *session) parentOf(e *entity) string {
	if e.parent == "" {
		return ""
	}
	if p := s.entities[e.parent]; p != nil {
		return p.sku
	}
	s.orphans++
	return ""
}

// remember adds a folder's assortment or store row to the lookups.
func (s *session) remember(r *row) {
	if r.shape() == shapeStore {
		s.stores[r.uuid()] = strings.TrimSpace(r.Name)
		return
	}
	raw, _ := s.keyOf(r.Article, r.Code)
	sku, _ := text(raw)
	code, _ := text(r.Code)
	e := &entity{sku: catalog.NormalizeSKU(sku), code: strings.TrimSpace(code), name: strings.TrimSpace(r.Name), barcode: barcode(r.Barcodes), typ: r.Meta.Type}
	if r.Product != nil {
		e.parent = r.Product.Meta.id()
	}
	s.entities[r.uuid()] = e
	if r.ID != "" {
		s.entities[r.ID] = e
	}
}

// fromEntity names an item read by UUID; false when it has no SKU (the
// problem is recorded).
func (s *session) fromEntity(e *entity, uuid string) bool {
	s.it.SKU, s.it.Name, s.it.Barcode = e.sku, e.name, e.barcode
	s.it.ParentSKU = s.parentOf(e)
	if e.sku == "" {
		ident := "id " + uuid
		if e.code != "" && s.key != "code" {
			ident = "code " + strconv.Quote(e.code) + ", " + ident
		}
		s.missingKey(s.key, ident, e.code != "")
		return false
	}
	return true
}

// lookup finds a row's entity for a report that names items by UUID; a
// miss is the row's problem.
func (s *session) lookup(uuid, column string) *entity {
	e := s.entities[uuid]
	if e == nil {
		s.notFound++
		s.problem(column, catalog.FieldSKU, uuid, errNotInAssortment)
	}
	return e
}

// warehouse records a warehouse of the source, once.
func (s *session) warehouse(id, name string) {
	if !s.whSeen[id] {
		s.whSeen[id] = true
		s.info.Warehouses = append(s.info.Warehouses, connector.Warehouse{ID: id, Name: name})
	}
}

// byStoreRow reads a report/stock/bystore row: one item per warehouse.
func (s *session) byStoreRow(file string, line int, r *row) error {
	uuid := r.uuid()
	e := s.entities[uuid]
	typ := r.Meta.Type
	if typ == "" && e != nil {
		typ = e.typ
	}
	if s.skipped(typ) {
		return nil
	}
	s.begin(file, line)
	if e = s.lookup(uuid, "meta.href"); e == nil {
		return s.emit()
	}
	if !s.fromEntity(e, uuid) {
		return s.emit()
	}
	if typ == "bundle" {
		s.bundles++
		s.problem("meta.type", catalog.FieldQuantity, "bundle", errBundle)
		return s.emit()
	}
	base := s.it
	for i := range r.StockByStore {
		st := &r.StockByStore[i]
		s.begin(file, line)
		s.it.SKU, s.it.Name, s.it.Barcode, s.it.ParentSKU = base.SKU, base.Name, base.Barcode, base.ParentSKU
		id, name := st.Meta.id(), strings.TrimSpace(st.Name)
		if name == "" {
			name = s.stores[id]
		}
		if id == "" {
			id, name = name, ""
		}
		s.it.Warehouse, s.it.WarehouseName = id, name
		s.it.WarehouseColumn = "stockByStore[" + strconv.Itoa(i) + "].meta"
		s.warehouse(id, name)
		s.quantity("stockByStore["+strconv.Itoa(i)+"].stock", st.Stock)
		if err := s.emit(); err != nil {
			return err
		}
	}
	return nil
}

// stockTypes explains the values a …/current report may hold instead of
// stock on hand.
var stockTypes = []struct{ key, meaning string }{
	{"quantity", "available: stock − reserve + in transit; pushing it would subtract KeyCRM's reserves twice"},
	{"freeStock", "stock − reserve; pushing it would subtract KeyCRM's reserves twice"},
	{"reserve", "reserves"},
	{"inTransit", "goods in transit"},
}

// currentRow reads a report/stock/all/current or bystore/current row.
func (s *session) currentRow(file string, line int, r *row, perStore bool) error {
	if r.Stock == nil {
		for _, t := range stockTypes {
			if raw := map[string]json.RawMessage{"quantity": r.Quantity, "freeStock": r.FreeStock, "reserve": r.Reserve, "inTransit": r.InTransit}[t.key]; raw != nil {
				return fmt.Errorf("read %s line %d: the report holds stockType=%s (%s), not stock on hand: request it with stockType=stock (the default)", file, line, t.key, t.meaning)
			}
		}
		return fmt.Errorf("read %s line %d: the row has no stock value", file, line)
	}
	var store string
	if perStore {
		if store, _ = text(r.StoreID); strings.TrimSpace(store) == "" {
			s.nullStore++
			return nil
		}
	}
	e := s.entities[r.AssortmentID]
	if e != nil && s.skipped(e.typ) {
		return nil
	}
	s.begin(file, line)
	if e = s.lookup(r.AssortmentID, "assortmentId"); e == nil || !s.fromEntity(e, r.AssortmentID) {
		return s.emit()
	}
	if e.typ == "bundle" {
		s.bundles++
		s.problem("assortmentId", catalog.FieldQuantity, r.AssortmentID, errBundle)
		return s.emit()
	}
	if perStore {
		store = strings.TrimSpace(store)
		s.it.Warehouse, s.it.WarehouseName = store, s.stores[store]
		s.it.WarehouseColumn = "storeId"
		s.warehouse(store, s.stores[store])
	}
	s.stockRows++
	s.quantity("stock", r.Stock)
	return s.emit()
}

// typeProblem reports a row whose values have the wrong JSON types.
func (s *session) typeProblem(file string, line int, e *json.UnmarshalTypeError) {
	s.begin(file, line)
	column, field, msg := typeError(e)
	s.problems = append(s.problems, catalog.Problem{File: file, Row: line, Column: column, Field: field, Value: e.Value, Error: msg})
	for _, p := range s.problems {
		s.sink.Problem(p)
	}
}

// notes explains the counts.
func (s *session) notes() []string {
	var notes []string
	add := func(n int, format string, args ...any) {
		if n > 0 {
			notes = append(notes, fmt.Sprintf(format, append([]any{n, plural(n)}, args...)...))
		}
	}
	add(s.services, "%d service row%s skipped: services have no stock")
	add(s.consignments, "%d batch (consignment) row%s skipped: a batch is part of its product's stock; export with groupBy=variant")
	add(s.bundles, "%d bundle row%s reported as problems: MoySklad computes a bundle's stock from its components; keep bundles out of KeyCRM stock sync")
	add(s.noKeyWithCode, "%d row%s without an article but with a code: --key code reads MoySklad's code as the SKU")
	add(s.notFound, "%d row%s naming an id that the assortment export lacks: export every page of GET /entity/assortment into the folder")
	add(s.nullStore, "%d row%s without a warehouse (storeId null: reserves not bound to one) skipped")
	add(s.orphans, "%d variant%s without its product's SKU: parent_sku is unknown (export with expand=product, or with the products before their variants)")
	add(s.noPriceType, "%d row%s without the price type --price-type names: that price is unknown")
	if s.noStock > 0 && s.stockRows == 0 {
		notes = append(notes, "the export carries no stock values (an entity/assortment without stock fields): every quantity is unknown; export report/stock/all for stock")
	} else {
		add(s.noStock, "%d row%s without a stock value: their quantity is unknown")
	}
	return notes
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
