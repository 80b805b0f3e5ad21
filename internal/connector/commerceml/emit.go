package commerceml

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Keys: where the SKU comes from (--key).
const (
	keyArticle = "article" // Артикул of the offer, else of its Товар
	keyCode    = "code"    // ЗначениеРеквизита Код (1C's item code)
	keyBarcode = "barcode" // Штрихкод
	keyID      = "id"      // the offer's Ид
)

// keyNames are the keys' names in the files, for messages.
var keyNames = map[string]string{keyArticle: "Артикул", keyCode: "Код", keyBarcode: "Штрихкод", keyID: "Ид"}

// keyPaths are where an offer carries each key, for problems.
var keyPaths = map[string]string{keyArticle: pathArticle, keyCode: pathCode, keyBarcode: pathBarcode, keyID: pathID}

// Price fields a price type can fill (a bit mask: one type may fill both).
const (
	noPrice     = 0
	fieldPrice  = 1
	fieldBought = 2
)

// cutName is the length at which 1C cuts the names of price types and other
// catalogue entries ("Основная цена приобретени").
const cutName = 25

// checkEvery is how many products or offers pass between looks at the context.
const checkEvery = 64

// run is one Read: what the package declares, the catalogue index, offers
// waiting to be joined, and what to tell the operator afterwards.
type run struct {
	ctx      context.Context
	sink     connector.Sink
	key      string
	priceOpt map[string]string
	// byWarehouse: one item per Склад (a warehouse map routes them);
	// otherwise one item per offer with its own Количество.
	byWarehouse bool

	groups     map[string]string // group Ид → name
	warehouses []warehouse
	whIndex    map[string]int
	types      []priceType
	typeIndex  map[string]int
	sel        struct {
		done          bool
		price, bought string // the chosen price types' Ид
	}
	products map[string]*product
	delta    bool

	// Offers of files that carry no stock, kept to be joined with the
	// streamed ones by Ид; those no streamed offer claims are emitted last.
	index   map[string]int
	pending []offer
	claimed []bool

	// fatal is an error that ends the read as it is: the sink's, the
	// context's, or a --price-type that matches nothing.
	fatal error

	scratch    offer
	cur, perWh catalog.Item // the offer's item, and its copy per warehouse
	priceBuf   []byte
	typeBuf    []byte
	currencies interner // as offers' prices write them
	ticks      int

	// Counts for the notes.
	items, empty, deleted, orphans, lost, noKey, sumDiffers, unknownQty, otherCurrency int

	seen  uint32 // the fieldBit of every field items or problems carried
	notes []string
}

type warehouse struct {
	connector.Warehouse
	declared bool
}

func newRun(ctx context.Context, sink connector.Sink, o options) *run {
	return &run{
		ctx: ctx, sink: sink, key: o.key, priceOpt: o.priceTypes, byWarehouse: o.perWarehouse,
		groups: map[string]string{}, whIndex: map[string]int{}, typeIndex: map[string]int{},
		products: map[string]*product{}, index: map[string]int{},
	}
}

// tick looks at the context every checkEvery elements.
func (r *run) tick() error {
	if r.ticks++; r.ticks%checkEvery == 0 {
		if err := r.ctx.Err(); err != nil {
			r.fatal = err
			return err
		}
	}
	return nil
}

func (r *run) declareWarehouse(w connector.Warehouse) {
	if i, ok := r.whIndex[w.ID]; ok {
		if w.Name != "" {
			r.warehouses[i].Name = w.Name
		}
		r.warehouses[i].declared = true
		return
	}
	r.whIndex[w.ID] = len(r.warehouses)
	r.warehouses = append(r.warehouses, warehouse{Warehouse: w, declared: true})
}

// warehouseID returns id as a string, the known warehouse's own when it is
// one: every offer names the same few warehouses.
func (r *run) warehouseID(id []byte) string {
	if i, ok := r.whIndex[string(id)]; ok {
		return r.warehouses[i].ID
	}
	return string(id)
}

// warehouseName returns a warehouse's declared name, recording a warehouse
// that offers name but no Склады list declares.
func (r *run) warehouseName(id string) string {
	if i, ok := r.whIndex[id]; ok {
		return r.warehouses[i].Name
	}
	r.whIndex[id] = len(r.warehouses)
	r.warehouses = append(r.warehouses, warehouse{Warehouse: connector.Warehouse{ID: id}})
	return ""
}

func (r *run) declarePriceType(pt priceType) {
	if pt.id == "" {
		return
	}
	if i, ok := r.typeIndex[pt.id]; ok {
		r.types[i] = pt
		return
	}
	r.typeIndex[pt.id] = len(r.types)
	r.types = append(r.types, pt)
}

// resolvePrices chooses, once, the price types that fill price and
// purchased_price: those --price-type names, else the only type the package
// declares for price. It runs before the first offer is read, when every file's
// declarations have been seen.
func (r *run) resolvePrices() error {
	if r.sel.done {
		return r.fatal
	}
	r.sel.done = true
	if len(r.priceOpt) == 0 {
		switch len(r.types) {
		case 0:
		case 1:
			r.sel.price = r.types[0].id
		default:
			r.notes = append(r.notes, fmt.Sprintf("prices were not read: the package declares %d price types (%s); choose with --price-type price=NAME (and purchased_price=NAME)", len(r.types), r.typeNames()))
		}
		return nil
	}
	for _, field := range []string{catalog.FieldPrice, catalog.FieldPurchasedPrice} {
		name, ok := r.priceOpt[field]
		if !ok {
			continue
		}
		id, err := r.matchPriceType(name)
		if err != nil {
			r.fatal = &priceTypeError{field: field, name: name, err: err}
			return r.fatal
		}
		if field == catalog.FieldPrice {
			r.sel.price = id
		} else {
			r.sel.bought = id
		}
	}
	return nil
}

// priceTypeError is a --price-type that names no single declared type.
type priceTypeError struct {
	field, name string
	err         error
}

func (e *priceTypeError) Error() string {
	return fmt.Sprintf("--price-type %s=%s: %v", e.field, e.name, e.err)
}

// matchPriceType finds the one declared type a --price-type name means: by
// exact name or Ид, else by name ignoring case, else by a prefix either way —
// the name given may be short for the declared one, and a declared name cut
// by 1C at cutName characters is a prefix of the full name the operator types.
func (r *run) matchPriceType(name string) (string, error) {
	want := strings.TrimSpace(name)
	lower := strings.ToLower(want)
	rules := []func(priceType) bool{
		func(t priceType) bool { return t.name == want || t.id == want },
		func(t priceType) bool { return strings.EqualFold(t.name, want) },
		func(t priceType) bool {
			have := strings.ToLower(t.name)
			return strings.HasPrefix(have, lower) || utf8.RuneCountInString(t.name) >= cutName && strings.HasPrefix(lower, have)
		},
	}
	for _, rule := range rules {
		var hits []priceType
		for _, t := range r.types {
			if rule(t) {
				hits = append(hits, t)
			}
		}
		switch len(hits) {
		case 0:
			continue
		case 1:
			return hits[0].id, nil
		}
		names := make([]string, len(hits))
		for i, t := range hits {
			names[i] = fmt.Sprintf("%q", t.name)
		}
		return "", fmt.Errorf("the name matches several price types: %s; the package declares %s", strings.Join(names, ", "), r.typeNames())
	}
	if len(r.types) == 0 {
		return "", fmt.Errorf("the package declares no price types (ТипыЦен)")
	}
	return "", fmt.Errorf("no such price type; the package declares %s", r.typeNames())
}

func (r *run) typeNames() string {
	names := make([]string, len(r.types))
	for i, t := range r.types {
		names[i] = fmt.Sprintf("%q", t.name)
	}
	return strings.Join(names, ", ")
}

// priceField says which fields a price of type id fills, with the type.
func (r *run) priceField(id []byte) (int, priceType) {
	field := noPrice
	if len(id) == 0 {
		return field, priceType{}
	}
	if string(id) == r.sel.price {
		field |= fieldPrice
	}
	if string(id) == r.sel.bought {
		field |= fieldBought
	}
	var pt priceType
	if i, ok := r.typeIndex[string(id)]; ok {
		pt = r.types[i]
	}
	return field, pt
}

// store keeps an offer of a file without stock, merged with earlier ones of
// the same Ид.
func (r *run) store(o *offer) {
	if i, ok := r.index[o.id]; ok && o.id != "" {
		r.pending[i].merge(o)
		return
	}
	if o.id != "" {
		r.index[o.id] = len(r.pending)
	}
	r.pending = append(r.pending, o.clone())
	r.claimed = append(r.claimed, false)
}

// stream emits an offer of a file with stock, joined with what files without
// stock said about the same Ид.
func (r *run) stream(o *offer) error {
	i, ok := r.index[o.id]
	if !ok || o.id == "" {
		return r.emit(o)
	}
	r.claimed[i] = true
	joined := r.pending[i].clone()
	joined.merge(o)
	return r.emit(&joined)
}

// flush emits the kept offers no streamed offer claimed: a package without
// stock (prices only), or offers its rests leave out.
func (r *run) flush() error {
	for i := range r.pending {
		if r.claimed[i] {
			continue
		}
		if err := r.tick(); err != nil {
			return err
		}
		if err := r.emit(&r.pending[i]); err != nil {
			return err
		}
	}
	return nil
}

// emit turns one offer into its items — one per warehouse it lists, or one
// without a warehouse — or into the problems that keep it out.
func (r *run) emit(o *offer) error {
	baseID, charID, _ := strings.Cut(o.id, "#")
	variant := charID != ""
	exact := r.products[o.id]
	parent := r.products[baseID]
	self := exact // the Товар that is this very offer
	if self == nil && !variant {
		self = parent
	}
	sku, sourced := r.sku(o, exact, parent, self)
	if o.deleted || self != nil && self.deleted || parent != nil && parent.deleted {
		r.deleted++
		// Its stock is not synced, but its SKU was seen: reported as a problem,
		// it is never "missing in the source" and never zeroed by --missing
		// zero on the strength of a deletion mark.
		if sku != "" {
			r.problem(catalog.Problem{File: o.file, Row: o.line, Column: pathDeleted, Field: catalog.FieldSKU,
				Value: sku, Error: deletedError}, sku)
		}
		return nil
	}
	var problems []catalog.Problem
	if sku == "" {
		problems = append(problems, r.keyProblem(o, exact, parent))
	} else if sourced && len(r.products) > 0 && exact == nil && parent == nil {
		r.orphans++
	}
	for _, n := range []struct {
		v     *number
		field string
	}{{&o.price, catalog.FieldPrice}, {&o.bought, catalog.FieldPurchasedPrice}} {
		if n.v.err != nil {
			problems = append(problems, numberProblem(n.v, n.field))
		}
	}
	if (len(o.stocks) == 0 || !r.byWarehouse) && o.total.err != nil {
		problems = append(problems, numberProblem(&o.total, catalog.FieldQuantity))
	}
	if len(problems) > 0 {
		for _, p := range problems {
			r.problem(p, sku)
		}
		return nil
	}
	// The item is built in the run, not on the stack: the sink gets a
	// pointer, and a local would move to the heap at every offer.
	it := &r.cur
	*it = catalog.Item{
		SKU: sku, Name: o.name, Price: o.price.n, PurchasedPrice: o.bought.n,
		Barcode: o.barcode.v, Pos: catalog.Position{File: o.file, Row: o.line},
	}
	if len(o.props) > 0 {
		it.Properties = append([]catalog.Property(nil), o.props...)
	}
	priceC, boughtC := fieldmap.NormalizeCurrency(o.priceC), fieldmap.NormalizeCurrency(o.boughtC)
	switch {
	case it.Price.Known && it.PurchasedPrice.Known && priceC != boughtC && priceC != "" && boughtC != "":
		// An item has one currency; a purchase price in another one
		// (УТ's "Закупочная" in USD beside a retail price in UAH) would be
		// written as if it were in the retail currency.
		it.PurchasedPrice = catalog.Num{}
		r.otherCurrency++
		it.Currency = priceC
	case it.Price.Known:
		it.Currency = priceC
	case it.PurchasedPrice.Known:
		it.Currency = boughtC
	}
	for _, p := range []*product{exact, parent} {
		if p == nil {
			continue
		}
		if it.Name == "" {
			it.Name = p.name
		}
		if it.Category == "" {
			it.Category = r.groups[p.group]
		}
	}
	if self != nil {
		if it.Barcode == "" {
			it.Barcode = self.barcode
		}
		if it.Properties == nil {
			it.Properties = self.props
		}
	}
	if variant {
		it.ParentSKU = r.parentKey(baseID, parent)
	}
	switch {
	case len(o.stocks) == 0:
		it.Quantity = o.total.n
		return r.item(it)
	case r.byWarehouse:
		return r.perWarehouse(o, it)
	}
	return r.whole(o, it)
}

// perWarehouse emits one item per warehouse an offer lists.
func (r *run) perWarehouse(o *offer, it *catalog.Item) error {
	for _, st := range o.stocks {
		if st.q.err != nil {
			r.problem(numberProblem(&st.q, stockField(&st)), it.SKU)
			continue
		}
		wi := &r.perWh
		*wi = *it
		wi.Warehouse, wi.WarehouseName, wi.WarehouseColumn = st.warehouse, r.warehouseName(st.warehouse), st.whPath
		wi.Quantity = st.q.n
		wi.Pos = catalog.Position{File: st.q.file, Row: st.q.line}
		if err := r.item(wi); err != nil {
			return err
		}
	}
	r.compareSum(o)
	return nil
}

// whole emits one item for an offer that goes to one KeyCRM warehouse: its
// own Количество, as 1C states it and as Bitrix and the shop modules read it.
// The Склад breakdown stands in only for an offer without a Количество, whose
// total it then is.
func (r *run) whole(o *offer, it *catalog.Item) error {
	if o.total.n.Known {
		r.compareSum(o)
		it.Quantity = o.total.n
		return r.item(it)
	}
	bad := false
	for i := range o.stocks {
		if st := &o.stocks[i]; st.q.err != nil {
			r.problem(numberProblem(&st.q, stockField(st)), it.SKU)
			bad = true
		}
	}
	if bad {
		return nil
	}
	if sum, ok := stockSum(o); ok {
		it.Quantity = catalog.Known(sum)
	}
	return r.item(it)
}

// stockField is the field a bad Склад entry's problem is about.
func stockField(st *stock) string {
	if st.q.err == errNoWarehouse {
		return catalog.FieldWarehouse
	}
	return catalog.FieldQuantity
}

// stockSum adds up an offer's per-warehouse quantities; ok is false when one
// is unknown or unreadable.
func stockSum(o *offer) (decimal.Decimal, bool) {
	sum := decimal.Zero
	for _, st := range o.stocks {
		if !st.q.n.Known {
			return sum, false
		}
		var err error
		if sum, err = sum.Add(st.q.n.V); err != nil {
			return sum, false
		}
	}
	return sum, true
}

// compareSum counts an offer whose Количество and Склад sum disagree.
func (r *run) compareSum(o *offer) {
	if sum, ok := stockSum(o); ok && o.total.n.Known && sum.Cmp(o.total.n.V) != 0 {
		r.sumDiffers++
	}
}

// sku finds the offer's key; sourced tells whether the offer itself carried it.
func (r *run) sku(o *offer, exact, parent, self *product) (sku string, sourced bool) {
	if r.key == keyID {
		return catalog.NormalizeSKU(o.id), true
	}
	if own := o.key(r.key).v; own != "" {
		return own, true
	}
	from := []*product{exact, parent}
	if r.key == keyBarcode {
		// A barcode names one exact thing: a variant does not inherit its
		// product's.
		from = []*product{self}
	}
	for _, p := range from {
		if v := r.keyOf(p); v != "" {
			return v, false
		}
	}
	return "", false
}

// keyOf is a catalogue product's value of the key.
func (r *run) keyOf(p *product) string {
	if p == nil {
		return ""
	}
	switch r.key {
	case keyArticle:
		return p.article
	case keyCode:
		return p.code
	case keyBarcode:
		return p.barcode
	}
	return ""
}

// parentKey is a variant's parent_sku: its product's key, or the product's
// Ид with --key id.
func (r *run) parentKey(baseID string, parent *product) string {
	if r.key == keyID {
		return catalog.NormalizeSKU(baseID)
	}
	return r.keyOf(parent)
}

// keyProblem explains an offer without a SKU.
func (r *run) keyProblem(o *offer, exact, parent *product) catalog.Problem {
	el := o.key(r.key)
	p := catalog.Problem{File: o.file, Row: o.line, Column: keyPaths[r.key], Field: catalog.FieldSKU, Error: fieldmap.ErrEmptySKU.Error()}
	switch {
	case el.seen:
		p.File, p.Row, p.Column = el.file, el.line, el.path
	case r.key != keyID && len(r.products) > 0 && exact == nil && parent == nil:
		p.Column, p.Value = pathID, o.id
		p.Error = fmt.Sprintf("offer not in the catalogue (no Товар with its Ид) and without %s of its own", keyNames[r.key])
		r.lost++
		return p
	}
	r.noKey++
	return p
}

// pathDeleted and deletedError describe a deleted offer's problem.
const (
	pathDeleted  = "Предложение/ПометкаУдаления"
	deletedError = "marked deleted in 1C (ПометкаУдаления or Статус Удален); its stock is not synced"
)

func numberProblem(n *number, field string) catalog.Problem {
	return catalog.Problem{File: n.file, Row: n.line, Column: n.path, Field: field, Value: n.raw, Error: n.err.Error()}
}

func (r *run) problem(p catalog.Problem, sku string) {
	p.SKU = sku
	r.seen |= fieldBit(p.Field)
	r.sink.Problem(p)
}

// item hands one item to the sink, recording the fields it carries.
func (r *run) item(it *catalog.Item) error {
	r.items++
	if !it.Quantity.Known {
		r.unknownQty++
	}
	r.seen |= fieldsOf(it)
	if err := r.sink.Item(it); err != nil {
		r.fatal = err
		return err
	}
	return nil
}

// fieldBit is a canonical field's bit in run.seen: its place in
// catalog.Fields.
func fieldBit(field string) uint32 { return 1 << slices.Index(catalog.Fields, field) }

var (
	bitSKU       = fieldBit(catalog.FieldSKU)
	bitQuantity  = fieldBit(catalog.FieldQuantity)
	bitWarehouse = fieldBit(catalog.FieldWarehouse)
	bitPrice     = fieldBit(catalog.FieldPrice)
	bitBought    = fieldBit(catalog.FieldPurchasedPrice)
	bitCurrency  = fieldBit(catalog.FieldCurrency)
	bitName      = fieldBit(catalog.FieldName)
	bitCategory  = fieldBit(catalog.FieldCategory)
	bitBarcode   = fieldBit(catalog.FieldBarcode)
	bitParent    = fieldBit(catalog.FieldParentSKU)
	bitProps     = fieldBit(catalog.FieldProperties)
)

// fieldsOf is the set of fields an item carries.
func fieldsOf(it *catalog.Item) uint32 {
	bits := bitSKU
	for _, f := range []struct {
		set bool
		bit uint32
	}{
		{it.Quantity.Known, bitQuantity}, {it.Warehouse != "", bitWarehouse}, {it.Price.Known, bitPrice},
		{it.PurchasedPrice.Known, bitBought}, {it.Currency != "", bitCurrency}, {it.Name != "", bitName},
		{it.Category != "", bitCategory}, {it.Barcode != "", bitBarcode}, {it.ParentSKU != "", bitParent},
		{len(it.Properties) > 0, bitProps},
	} {
		if f.set {
			bits |= f.bit
		}
	}
	return bits
}

// info fills what the read found into info.
func (r *run) info(info *connector.SourceInfo) {
	info.Delta = r.delta
	info.Fields = nil
	for _, f := range catalog.Fields {
		if r.seen&fieldBit(f) != 0 {
			info.Fields = append(info.Fields, f)
		}
	}
	info.Warehouses = nil
	var undeclared []string
	for _, w := range r.warehouses {
		info.Warehouses = append(info.Warehouses, w.Warehouse)
		if !w.declared {
			undeclared = append(undeclared, fmt.Sprintf("%q", w.ID))
		}
	}
	notes := r.notes
	add := func(n int, format string, args ...any) {
		if n > 0 {
			notes = append(notes, fmt.Sprintf(format, append([]any{n}, args...)...))
		}
	}
	add(r.empty, "%d empty offers (<Предложение/>) were skipped")
	add(r.deleted, "%d offers marked deleted in 1C (ПометкаУдаления, Статус Удален) were skipped: their stock is not synced, and those with a SKU are listed as problems")
	add(r.orphans, "%d offers are not in the catalogue (no Товар with their Ид); their SKU and name come from the offer alone")
	add(r.lost, "%d offers are not in the catalogue and carry no %s themselves: reported as problems", keyNames[r.key])
	if r.noKey > 0 && len(r.products) == 0 && r.key != keyID {
		notes = append(notes, fmt.Sprintf("%d offers have no %s, and no catalogue (Каталог) was read for them to inherit one from: read the exchange folder or zip with import.xml, or choose another identifier: --key %s", r.noKey, keyNames[r.key], r.otherKeys()))
	} else {
		add(r.noKey, "%d offers have no %s (neither the offer nor its Товар); another identifier can be the SKU: --key %s", keyNames[r.key], r.otherKeys())
	}
	add(r.otherCurrency, "%d offers have price and purchased_price in different currencies; their purchased_price was left unknown")
	if r.byWarehouse {
		add(r.sumDiffers, "%d offers have a Количество that differs from the sum of their warehouses; the per-warehouse quantities were used")
	} else {
		add(r.sumDiffers, "%d offers have a Количество that differs from the sum of their warehouses (Склад); the offer's Количество was used (--warehouse-map syncs each warehouse)")
	}
	if len(undeclared) > 0 {
		notes = append(notes, fmt.Sprintf("offers name warehouses the package does not declare (no Склады entry, so no name): %s", strings.Join(undeclared, ", ")))
	}
	if r.items > 0 && r.unknownQty == r.items {
		notes = append(notes, "no offer states a quantity (Количество, Склад or Остатки): the package carries prices only and its stock is unknown")
	} else {
		add(r.unknownQty, "%d items state no quantity; their stock is unknown, not zero")
	}
	if r.delta {
		notes = append(notes, "the package holds changes only (СодержитТолькоИзменения): what it leaves out is unchanged, so nothing is zeroed from it")
	}
	info.Notes = append(info.Notes, notes...)
}

func (r *run) otherKeys() string {
	var keys []string
	for _, k := range []string{keyArticle, keyCode, keyBarcode, keyID} {
		if k != r.key {
			keys = append(keys, k)
		}
	}
	return strings.Join(keys, "|")
}

// maxInterned bounds an interner: past it, each value is allocated as read.
const maxInterned = 1024

// interner hands out one string per distinct value of a field that repeats
// across offers (a currency), so that reading it allocates once.
type interner struct{ m map[string]string }

func (in *interner) get(b []byte) string {
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if in.m == nil {
		in.m = map[string]string{}
	}
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}
