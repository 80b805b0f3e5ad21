package plan

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unsafe"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// IndexOptions say how source items are routed to KeyCRM warehouses and which fields
// besides the quantity are kept. At most one of Warehouse and WarehouseMap is set.
type IndexOptions struct {
	// Warehouse is --warehouse ID: every item goes to this KeyCRM warehouse; a
	// per-warehouse source sends each SKU's total there.
	Warehouse int64
	// WarehouseMap is --warehouse-map NAME=ID: a source warehouse's name (else its
	// id) to a KeyCRM warehouse id. Several source warehouses may share one KeyCRM
	// warehouse; their quantities add up. Rows of unmapped warehouses are
	// counted per warehouse (see Unmapped) and never written.
	WarehouseMap map[string]int64
	// Fields lists the fields to keep besides the quantity (price,
	// purchased_price, name). Keeping only what the command compares is what lets
	// a million-row source fit in memory.
	Fields []string
}

// Errors of NewIndex and Finish, all usage or source errors (exit 2).
var (
	ErrWarehouseOptions = errors.New("--warehouse and --warehouse-map cannot be used together")
	ErrNoWarehouseField = errors.New("--warehouse-map needs a source with a warehouse field")
	ErrSourceTooLarge   = errors.New("source too large to index")
	errFinished         = errors.New("index already finished")
)

// Index is the source side of a plan, built by streaming: it implements the reader's
// sink (Item and Problem), then Finish settles duplicates, routing and sums.
//
// An item is one (SKU, source warehouse) pair. The same pair twice is a duplicate:
// every row of it is left out and reported with all its rows. Every SKU the source
// mentions — valid, duplicate, problem row, unmapped warehouse, unknown quantity — is
// remembered as seen and is never missing in the source. A SKU with a problem row is
// left out whole, because the row that could not be read may have carried part of
// its stock.
//
// Entries are compact and pointer-free (SKU bytes live in an arena), so a million
// rows cost tens of megabytes and no garbage-collector scanning.
type Index struct {
	opt   IndexOptions
	byMap bool
	keep  keepBits
	// targets are the KeyCRM warehouse ids items are routed to, ascending: the
	// --warehouse id, the map's distinct ids, or a single 0 meaning totals.
	targets []int64

	// arena holds the SKU and name bytes in blocks of arenaBlock bytes (the first
	// grows up to that): a span never crosses a block, so its offset names the
	// block and the place in it, and growing copies nothing. One slice doubled
	// as it grew would allocate twice what it holds and copy it all once more.
	arena [][]byte
	// chunks hold the entries while reading, chunkSize each but the last (see
	// push); Finish sorts them into entries. Growing one slice instead would copy
	// it again and again and leave each old copy as garbage, about five times its
	// final size for a million rows.
	chunks  [][]entry
	count   int // entries in chunks
	entries []entry
	ext     []extra
	whs     []srcWarehouse
	whByKey map[string]uint32
	files   []string
	fileIdx map[string]uint16

	problems []catalog.Problem
	dups     []Duplicate
	// parents are the SKUs other items name as their parent: a shop's variable
	// product, whose variations are the offers that hold stock.
	parents map[string]bool

	sawPlain, sawWarehouse bool
	finished               bool
	err                    error
}

// span is a run of bytes in the arena.
type span struct{ off, n uint32 }

// entry is one source row while reading; after Finish, one planned item (a SKU in one
// routed KeyCRM warehouse) or a marker for a SKU that was seen but yields no item.
//
// The quantity is kept as its coefficient and scale rather than as a
// decimal.Decimal, whose padding would make an entry 40 bytes instead of 32: a
// fifth more memory for every row read and every item.
type entry struct {
	sku  span
	coef int64 // the quantity is coef × 10^-scale
	// row is the first source row of the item (1-based, header counted).
	row int32
	// wh indexes Index.whs while reading and Index.targets after Finish.
	wh    uint32
	ext   uint32 // index into Index.ext when optional fields are kept
	file  uint16 // index into Index.files
	flags entryFlags
	scale int8
}

// qty returns the entry's quantity. New cannot fail: a Decimal's own coefficient
// and scale, which setQty stored, are in range.
func (e *entry) qty() decimal.Decimal {
	d, _ := decimal.New(e.coef, int(e.scale))
	return d
}

func (e *entry) setQty(d decimal.Decimal) {
	scale := d.Scale()
	coef, _ := d.Shift(scale) // an integer, which Int64 returns whole
	e.coef, e.scale = coef.Int64(), int8(scale)
}

type entryFlags uint8

const (
	flagKnown    entryFlags = 1 << iota // the quantity is known
	flagProblem                         // marker: a problem row carried this SKU
	flagUnmapped                        // a row of a warehouse the map does not name
	flagSeen                            // after Finish: seen, but no planned item
	flagFirst                           // after Finish: the SKU's first item, which carries its per-SKU fields
)

// noWarehouse sorts problem markers after a SKU's rows; no interned warehouse gets it.
const noWarehouse = math.MaxUint32

// extra holds the optional per-SKU fields.
type extra struct {
	price, purchasedPrice catalog.Num
	name                  span
	available             catalog.Flag
}

// srcWarehouse is a source warehouse and where it is routed.
type srcWarehouse struct {
	key, name string
	target    uint32 // index into Index.targets
	mapped    bool
	rows      int // rows read for an unmapped warehouse
}

// NewIndex checks the options and returns an empty index.
func NewIndex(opt IndexOptions) (*Index, error) {
	opt.WarehouseMap = maps.Clone(opt.WarehouseMap) // routing reads it lazily
	x := &Index{
		opt:     opt,
		byMap:   len(opt.WarehouseMap) > 0,
		whByKey: map[string]uint32{},
		fileIdx: map[string]uint16{},
	}
	switch {
	case opt.Warehouse != 0 && x.byMap:
		return nil, ErrWarehouseOptions
	case opt.Warehouse < 0:
		return nil, fmt.Errorf("--warehouse %d: a KeyCRM warehouse id is a positive number", opt.Warehouse)
	case x.byMap:
		for name, id := range opt.WarehouseMap {
			if strings.TrimSpace(name) == "" || id <= 0 {
				return nil, fmt.Errorf("--warehouse-map %q=%d: want NAME=ID with a positive KeyCRM warehouse id", name, id)
			}
			x.targets = append(x.targets, id)
		}
		slices.Sort(x.targets)
		x.targets = slices.Compact(x.targets)
	default:
		x.targets = []int64{opt.Warehouse} // 0: totals over all warehouses
	}
	for _, name := range opt.Fields {
		i, err := lookupField(name)
		if err != nil {
			return nil, fmt.Errorf("index fields: %w", err)
		}
		x.keep |= fields[i].keep
	}
	// Index 0 is the "no warehouse" of plain sources.
	x.whs = []srcWarehouse{x.route("", "")}
	x.whByKey[""] = 0
	return x, nil
}

// route decides where rows of one source warehouse go. Map keys match the warehouse's
// name first, then its id, as an operator names warehouses the way the file shows them.
func (x *Index) route(key, name string) srcWarehouse {
	w := srcWarehouse{key: key, name: name, mapped: true}
	if !x.byMap {
		return w
	}
	var id int64
	ok := false
	if name != "" {
		id, ok = x.opt.WarehouseMap[name]
	}
	if !ok && key != "" {
		id, ok = x.opt.WarehouseMap[key]
	}
	w.mapped = ok
	if ok {
		w.target = uint32(slices.Index(x.targets, id))
	}
	return w
}

// UnmatchedMap lists the --warehouse-map names that matched no warehouse of the
// source (a typo, or a warehouse absent from this export), sorted, with the names of
// the warehouses the source does have.
func (x *Index) UnmatchedMap() (unmatched, have []string) {
	if !x.byMap {
		return nil, nil
	}
	found := map[string]bool{}
	for i := range x.whs {
		w := &x.whs[i]
		found[w.name], found[w.key] = true, true
		if d := w.display(); d != "" {
			have = append(have, d)
		}
	}
	for name := range x.opt.WarehouseMap {
		if !found[name] {
			unmatched = append(unmatched, name)
		}
	}
	slices.Sort(unmatched)
	slices.Sort(have)
	return unmatched, slices.Compact(have)
}

// display is how a source warehouse is named in reports.
func (w *srcWarehouse) display() string {
	if w.name != "" {
		return w.name
	}
	return w.key
}

// Item records one source item. It returns an error only when the index cannot grow
// further or was already finished.
func (x *Index) Item(it *catalog.Item) error {
	if x.finished {
		return errFinished
	}
	if x.err != nil {
		return x.err
	}
	sku := catalog.NormalizeSKU(it.SKU)
	if sku == "" {
		x.problems = append(x.problems, catalog.Problem{
			File: it.Pos.File, Row: it.Pos.Row, Column: it.Pos.Column,
			Field: catalog.FieldSKU, Value: it.SKU, Error: "empty SKU",
		})
		return nil
	}
	e, err := x.newEntry(sku, it.Pos)
	if err != nil {
		return err
	}
	if p := catalog.NormalizeSKU(it.ParentSKU); p != "" && p != sku {
		if x.parents == nil {
			x.parents = map[string]bool{}
		}
		x.parents[p] = true
	}
	if it.Warehouse == "" {
		x.sawPlain = true
	} else {
		x.sawWarehouse = true
	}
	e.wh = x.warehouse(it.Warehouse, it.WarehouseName)
	if w := &x.whs[e.wh]; !w.mapped {
		// One note per warehouse, not a problem per row: an export of 19
		// warehouses with 3 mapped is a choice, not 3,504 errors.
		w.rows++
		e.flags = flagUnmapped
		x.push(e)
		return nil
	}
	if it.Quantity.Known {
		e.setQty(it.Quantity.V)
		e.flags = flagKnown
	}
	if x.keep != 0 {
		ex, err := x.extraFrom(it)
		if err != nil {
			return err
		}
		e.ext = uint32(len(x.ext))
		x.ext = append(x.ext, ex)
	}
	x.push(e)
	return nil
}

// UnmappedWarehouse is a source warehouse that --warehouse-map does not route, with
// how many rows it held; Name is "" for rows that named no warehouse.
type UnmappedWarehouse struct {
	Name string
	Rows int
}

// Unmapped lists the source warehouses whose rows no map entry routes, in the order
// they were first read.
func (x *Index) Unmapped() []UnmappedWarehouse {
	var out []UnmappedWarehouse
	for i := range x.whs {
		if w := &x.whs[i]; w.rows > 0 {
			out = append(out, UnmappedWarehouse{Name: w.display(), Rows: w.rows})
		}
	}
	return out
}

// Problem records a row the reader could not use. Its SKU, when it has one, is seen
// (never missing in the source) and held back. Calls after Finish are ignored.
func (x *Index) Problem(p catalog.Problem) {
	if x.finished {
		return
	}
	x.problems = append(x.problems, p)
	sku := catalog.NormalizeSKU(p.SKU)
	if sku == "" || x.err != nil {
		return
	}
	e, err := x.newEntry(sku, catalog.Position{File: p.File, Row: p.Row})
	if err != nil {
		return // x.err is set; Finish reports it
	}
	e.wh = noWarehouse
	e.flags = flagProblem
	x.push(e)
}

// The entries while reading are addressed by arrival: entry i is in chunk
// i>>chunkBits at i&chunkMask. The first chunk starts at minChunk and doubles, so
// small sources stay small; large ones grow in steps of 2 MB.
const (
	minChunk  = 256
	chunkBits = 16
	chunkSize = 1 << chunkBits
	chunkMask = chunkSize - 1
)

func (x *Index) push(e entry) {
	n := len(x.chunks)
	if n == 0 || len(x.chunks[n-1]) == chunkSize {
		c := make([]entry, 0, min(max(x.count, minChunk), chunkSize))
		adviseHuge(c)
		x.chunks = append(x.chunks, c)
		n++
	}
	c := x.chunks[n-1]
	if len(c) == cap(c) {
		c = append(make([]entry, 0, min(2*cap(c), chunkSize)), c...)
	}
	x.chunks[n-1] = append(c, e)
	x.count++
}

// arrived returns the entry that arrived i-th, before Finish.
func (x *Index) arrived(i uint32) *entry { return &x.chunks[i>>chunkBits][i&chunkMask] }

func (x *Index) newEntry(sku string, pos catalog.Position) (entry, error) {
	if int64(x.count) >= math.MaxUint32-1 {
		x.err = ErrSourceTooLarge
		return entry{}, x.err
	}
	s, err := x.store(sku)
	if err != nil {
		return entry{}, err
	}
	f, err := x.file(pos.File)
	if err != nil {
		return entry{}, err
	}
	// Rows beyond int32 are beyond any real file; they only order and report.
	row := int32(min(max(int64(pos.Row), 0), math.MaxInt32))
	return entry{sku: s, row: row, file: f}, nil
}

// Arena blocks: 1 MiB, the first starting at firstBlock; a string longer than a
// block gets a block of its own and the numbers of as many blocks as it spans.
const (
	arenaBits  = 20
	arenaBlock = 1 << arenaBits
	arenaMask  = arenaBlock - 1
	firstBlock = 4 << 10
)

// store copies s into the arena. Copying (rather than keeping the reader's string)
// also avoids pinning whatever line buffer the reader sliced it from.
func (x *Index) store(s string) (span, error) { return storeIn(x, s) }

func storeIn[T string | []byte](x *Index, s T) (span, error) {
	if len(s) == 0 {
		return span{}, nil
	}
	b := len(x.arena) - 1
	if b == 0 && len(x.arena[0])+len(s) > cap(x.arena[0]) && len(x.arena[0])+len(s) <= arenaBlock {
		grown := make([]byte, len(x.arena[0]), min(max(2*cap(x.arena[0]), len(x.arena[0])+len(s)), arenaBlock))
		copy(grown, x.arena[0])
		x.arena[0] = grown
	}
	if b < 0 || len(x.arena[b])+len(s) > cap(x.arena[b]) {
		b = len(x.arena)
		blocks := (len(s) + arenaMask) >> arenaBits
		if b+blocks > 1<<(32-arenaBits) {
			x.err = ErrSourceTooLarge
			return span{}, x.err
		}
		size := arenaBlock
		if b == 0 {
			size = firstBlock
		}
		x.arena = append(x.arena, make([]byte, 0, max(size, len(s))))
		for range blocks - 1 {
			x.arena = append(x.arena, nil) // numbers taken by a long string
		}
	}
	sp := span{off: uint32(b<<arenaBits | len(x.arena[b])), n: uint32(len(s))}
	x.arena[b] = append(x.arena[b], s...)
	return sp, nil
}

// text returns the bytes of s as a string without copying them: bytes once in
// the arena are never written again (blocks only grow, and the first is copied
// when it grows), which is all unsafe.String asks. Building the target's offers
// took a string for every SKU of a million-row side.
func (x *Index) text(s span) string {
	b := x.bytes(s)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (x *Index) bytes(s span) []byte { return arenaBytes(x.arena, s) }

func arenaBytes(arena [][]byte, s span) []byte {
	if s.n == 0 {
		return nil
	}
	o := s.off & arenaMask
	return arena[s.off>>arenaBits][o : o+s.n]
}

func (x *Index) file(name string) (uint16, error) {
	// Rows come a file at a time: most are of the file added last.
	if n := len(x.files); n > 0 && x.files[n-1] == name {
		return uint16(n - 1), nil
	}
	if i, ok := x.fileIdx[name]; ok {
		return i, nil
	}
	if len(x.files) > math.MaxUint16 {
		x.err = fmt.Errorf("%w: more than %d files", ErrSourceTooLarge, math.MaxUint16)
		return 0, x.err
	}
	i := uint16(len(x.files))
	x.files = append(x.files, name)
	x.fileIdx[name] = i
	return i, nil
}

func (x *Index) warehouse(key, name string) uint32 {
	if key == "" {
		return 0 // a plain source's rows: NewIndex's first warehouse
	}
	if i, ok := x.whByKey[key]; ok {
		return i
	}
	i := uint32(len(x.whs))
	x.whs = append(x.whs, x.route(key, name))
	x.whByKey[key] = i
	return i
}

func (x *Index) extraFrom(it *catalog.Item) (extra, error) {
	var ex extra
	if x.keep&keepPrice != 0 {
		ex.price = it.Price
	}
	if x.keep&keepPurchasedPrice != 0 {
		ex.purchasedPrice = it.PurchasedPrice
	}
	if x.keep&keepAvailable != 0 {
		ex.available = it.Available
	}
	if x.keep&keepName != 0 && it.Name != "" {
		s, err := x.store(it.Name)
		if err != nil {
			return ex, err
		}
		ex.name = s
	}
	return ex, nil
}

// extraOf returns an item's optional fields; all unknown when none were kept.
func (x *Index) extraOf(e *entry) extra {
	if int(e.ext) >= len(x.ext) {
		return extra{}
	}
	return x.ext[e.ext]
}

// Finish settles the index: duplicates are found and left out, rows are routed and
// summed per SKU and KeyCRM warehouse, SKUs with problem rows are held back. It must be
// called once after the last Item; calling it again returns the first result.
func (x *Index) Finish() error {
	if x.finished {
		return x.err
	}
	x.finished = true
	if x.err != nil {
		return x.err
	}
	if x.byMap && x.sawPlain && !x.sawWarehouse {
		x.err = ErrNoWarehouseField
		return x.err
	}
	x.sortEntries()
	x.chunks = nil
	x.compact()
	slices.SortStableFunc(x.problems, func(a, b catalog.Problem) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Row, b.Row))
	})
	slices.SortFunc(x.dups, compareDuplicates)
	x.whByKey, x.fileIdx = nil, nil
	return nil
}

// compact rewrites the sorted rows, in place, into planned items: one per SKU and
// routed warehouse, or one seen-marker per SKU that yields none. In place is safe
// because a SKU never yields more entries than it has rows, and its rows are read
// before its items are written.
//
// When the arena holds SKUs alone (no names), each SKU is also copied, once, into a
// new arena in SKU order: the rows were read in any order, so in the old one the
// merge and every later pass would read the SKUs of neighbouring items from all
// over the arena, a cache miss each.
func (x *Index) compact() {
	in := x.entries
	out := in[:0]
	old := x.arena
	relay := x.keep&keepName == 0
	if relay {
		x.arena = nil
	}
	var sums []sum // scratch, reused: most SKUs have one sum
	for i := 0; i < len(in); {
		sku := arenaBytes(old, in[i].sku)
		j := i + 1
		for j < len(in) && in[j].sku.n == in[i].sku.n && bytes.Equal(arenaBytes(old, in[j].sku), sku) {
			j++
		}
		if relay {
			// Cannot fail: the new arena holds no more than the old one did.
			sp, _ := storeIn(x, sku)
			for k := i; k < j; k++ {
				in[k].sku = sp
			}
		}
		if e := in[i]; j == i+1 && e.flags&(flagProblem|flagUnmapped) == 0 && len(x.parents) == 0 {
			// The common case, one plain row: what compactSKU makes of it.
			e.wh = x.whs[e.wh].target
			e.flags = e.flags&flagKnown | flagFirst
			out = append(out, e)
		} else {
			out, sums = x.compactSKU(in[i:j], out, sums[:0])
		}
		i = j
	}
	x.entries = out
}

// sum accumulates the rows of one SKU routed to one KeyCRM warehouse.
type sum struct {
	target   uint32
	qty      decimal.Decimal
	row      int32
	file     uint16
	known    bool
	overflow bool
	dup      bool // a duplicate routed here: the whole item is left out
	// plain is set when a row without a source warehouse was routed here, and
	// groups counts the source warehouses (that one included) routed here.
	plain  bool
	groups int
}

func (x *Index) compactSKU(rows []entry, out []entry, sums []sum) ([]entry, []sum) {
	sku := rows[0].sku
	firstRow, firstFile := rows[0].row, rows[0].file
	held := false
	var merged extraMerge
	for a := 0; a < len(rows); {
		b := a + 1
		for b < len(rows) && rows[b].wh == rows[a].wh {
			b++
		}
		e := rows[a]
		switch {
		case e.flags&flagProblem != 0:
			held = true
		case e.flags&flagUnmapped != 0:
			// Counted per warehouse when read; never written.
		case b-a > 1:
			x.addDuplicate(rows[a:b])
			var i int
			sums, i = addTo(sums, x.whs[e.wh].target, e)
			sums[i].dup = true
		default:
			var i int
			sums, i = addTo(sums, x.whs[e.wh].target, e)
			if x.keep != 0 {
				x.merge(&merged, e.ext)
			}
			sums[i].plain = sums[i].plain || x.whs[e.wh].key == ""
			sums[i].groups++
		}
		a = b
	}
	x.routedDuplicates(rows, sums)
	slices.SortFunc(sums, func(a, b sum) int { return cmp.Compare(a.target, b.target) })
	if merged.n > 0 {
		x.ext[merged.slot] = merged.ex
		x.conflictProblems(merged.conflicts, sku, firstRow, firstFile)
	}
	// A parent product without a stock figure of its own (WooCommerce's variable
	// product) is no offer: KeyCRM holds its variations, so it is neither
	// compared nor missing in KeyCRM.
	container := x.parents[string(x.bytes(sku))] && !slices.ContainsFunc(sums, func(s sum) bool { return s.known })
	n := 0
	for _, s := range sums {
		// A problem row may have carried part of the SKU's stock, so none of its
		// items can be compared: it is left out whole, like a duplicate.
		if s.dup || container || held {
			continue
		}
		e := entry{sku: sku, row: s.row, wh: s.target, ext: merged.slot, file: s.file}
		e.setQty(s.qty)
		if s.known && !s.overflow {
			e.flags |= flagKnown
		}
		if s.overflow {
			x.problems = append(x.problems, catalog.Problem{
				File: x.files[s.file], Row: int(s.row), Field: catalog.FieldQuantity, SKU: x.text(sku),
				Error: "the quantities of this SKU add up beyond the number range",
			})
		}
		if n == 0 {
			e.flags |= flagFirst
		}
		out = append(out, e)
		n++
	}
	if n == 0 {
		out = append(out, entry{sku: sku, row: firstRow, file: firstFile, flags: flagSeen})
	}
	return out, sums
}

// routedDuplicates finds the items two source items land on after routing. Source
// warehouses add up (a map may send several to one KeyCRM warehouse, and --warehouse
// takes a SKU's total over its warehouses), but a row with no source warehouse is
// already a total of its own: with any other row on the same KeyCRM warehouse it is
// two products sharing a SKU, and which stock is right cannot be told.
func (x *Index) routedDuplicates(rows []entry, sums []sum) {
	for i := range sums {
		s := &sums[i]
		if s.dup || !s.plain || s.groups < 2 {
			continue
		}
		s.dup = true
		var routed []entry
		for _, e := range rows {
			if e.flags&(flagProblem|flagUnmapped) == 0 && x.whs[e.wh].target == s.target {
				routed = append(routed, e)
			}
		}
		x.addDuplicate(routed)
	}
}

// addTo adds a row to the sum of its target warehouse and returns that sum's index.
func addTo(sums []sum, target uint32, e entry) ([]sum, int) {
	known := e.flags&flagKnown != 0
	i := slices.IndexFunc(sums, func(s sum) bool { return s.target == target })
	if i < 0 {
		return append(sums, sum{target: target, qty: e.qty(), row: e.row, file: e.file, known: known}), len(sums)
	}
	s := &sums[i]
	if e.row < s.row {
		s.row, s.file = e.row, e.file
	}
	if s.known && known && !s.overflow {
		q, err := s.qty.Add(e.qty())
		s.qty, s.overflow = q, err != nil
	}
	s.known = s.known && known
	return sums, i
}

func (x *Index) addDuplicate(rows []entry) {
	d := Duplicate{SKU: x.text(rows[0].sku), Rows: make([]int, len(rows))}
	for i, e := range rows {
		d.Rows[i] = int(e.row)
	}
	slices.Sort(d.Rows)
	if w := &x.whs[rows[0].wh]; w.key != "" {
		d.Warehouse = w.display()
	}
	x.dups = append(x.dups, d)
}

// extraMerge combines the per-SKU fields of a SKU's rows (one per source warehouse).
// Rows that disagree on a known value make it unknown and a problem: which one is
// right cannot be told.
type extraMerge struct {
	ex        extra
	slot      uint32 // the first row's slot, reused for the merged fields
	n         int
	conflicts keepBits
}

func (x *Index) merge(m *extraMerge, slot uint32) {
	ex := x.ext[slot]
	m.n++
	if m.n == 1 {
		m.ex, m.slot = ex, slot
		return
	}
	m.conflicts = mergeNum(&m.ex.price, ex.price, keepPrice, m.conflicts)
	m.conflicts = mergeNum(&m.ex.purchasedPrice, ex.purchasedPrice, keepPurchasedPrice, m.conflicts)
	switch {
	case ex.available == catalog.FlagUnknown || m.conflicts&keepAvailable != 0:
	case m.ex.available == catalog.FlagUnknown:
		m.ex.available = ex.available
	case m.ex.available != ex.available:
		m.conflicts |= keepAvailable
		m.ex.available = catalog.FlagUnknown
	}
	switch {
	case ex.name.n == 0 || m.conflicts&keepName != 0:
	case m.ex.name.n == 0:
		m.ex.name = ex.name
	case !bytes.Equal(x.bytes(m.ex.name), x.bytes(ex.name)):
		m.conflicts |= keepName
		m.ex.name = span{}
	}
}

// mergeNum folds v into dst and returns conflicts with bit added when they disagree;
// dst then becomes unknown and stays so.
func mergeNum(dst *catalog.Num, v catalog.Num, bit, conflicts keepBits) keepBits {
	switch {
	case !v.Known || conflicts&bit != 0:
	case !dst.Known:
		*dst = v
	case dst.V != v.V:
		*dst = catalog.Num{}
		conflicts |= bit
	}
	return conflicts
}

func (x *Index) conflictProblems(conflicts keepBits, sku span, row int32, file uint16) {
	for i := range fields {
		if f := &fields[i]; f.keep != 0 && conflicts&f.keep != 0 {
			x.problems = append(x.problems, catalog.Problem{
				File: x.files[file], Row: int(row), Field: f.name, SKU: x.text(sku),
				Error: "the rows of this SKU give different values; left unknown",
			})
		}
	}
}

// AsTarget turns a finished index into a Snapshot, for diff --against LOCATION: one
// offer per SKU (no offer id) with its stock per routed warehouse and in total. SKUs
// with a duplicate or a problem row are Excluded: they are compared with
// nothing and missing from nothing.
//
// The offers stay in the index: Compute reads them one SKU at a time as it merges, so
// a million-row target never exists twice (see indexOffers). The Snapshot's Offers
// is therefore empty.
func (x *Index) AsTarget() (Snapshot, error) {
	if !x.finished {
		return Snapshot{}, errors.New("index not finished")
	}
	if x.err != nil {
		return Snapshot{}, x.err
	}
	s := Snapshot{Complete: true, Excluded: map[string]bool{}, Problems: x.problems, index: x}
	for _, d := range x.dups {
		d.Side = SideTarget
		s.Duplicates = append(s.Duplicates, d)
		s.Excluded[d.SKU] = true
	}
	x.eachSKU(func(items []entry) {
		if items[0].flags&flagSeen != 0 {
			s.Excluded[x.text(items[0].sku)] = true
		}
	})
	return s, nil
}

// SKUs lists the SKUs of a finished index that have a planned item, in order: the
// SKUs to look up in KeyCRM. Duplicates and SKUs seen only in problem rows are not
// planned, so they need no lookup.
func (x *Index) SKUs() []string {
	var out []string
	x.eachSKU(func(items []entry) {
		if items[0].flags&flagSeen == 0 {
			out = append(out, x.text(items[0].sku))
		}
	})
	return out
}

// Planned reports whether a finished index has at least one planned item.
func (x *Index) Planned() bool {
	return slices.ContainsFunc(x.entries, func(e entry) bool { return e.flags&flagSeen == 0 })
}

// eachSKU calls fn with each SKU's entries of a finished index, in SKU order.
func (x *Index) eachSKU(fn func(items []entry)) {
	for i := 0; i < len(x.entries); {
		j := x.skuEnd(i)
		fn(x.entries[i:j])
		i = j
	}
}

// skuEnd returns the end of the SKU's entries that start at i, in a finished index.
func (x *Index) skuEnd(i int) int {
	es := x.entries
	j := i + 1
	for j < len(es) && es[j].sku == es[i].sku {
		j++
	}
	return j
}
