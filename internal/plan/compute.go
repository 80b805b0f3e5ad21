package plan

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Options say what a plan compares and writes besides the index's routing. The
// command that makes the plan chooses them; Compute knows no command and no flag.
type Options struct {
	// Command is the name written into the plan (CmdPushStock, CmdDiff, ...).
	Command string
	// Source and Target describe the two sides for the plan's header. Compute
	// fills Source.Items and Target.WarehouseIDs.
	Source Source
	Target Target
	DryRun bool
	// Delta is set for sources holding changes only (CommerceML
	// СодержитТолькоИзменения="true"): absence from them says nothing, so
	// missing_in_source is not computed and MissingZero is refused.
	Delta bool
	// MissingZero is the missing policy that sets the target's items the source
	// lacks to 0 (push-stock --missing zero); without it they are kept.
	MissingZero bool
	// AddMissing writes the source's items the target lacks, as changes from no
	// value: a file target is written whole, so a new file gets every item. They
	// are still listed (and counted) as missing in the target.
	AddMissing bool
	// Fields are the fields compared and written; empty means the quantity.
	Fields []string
	// Stock is the stock figure the target's quantity is read as; "" means
	// on-hand.
	Stock StockMode
}

// Errors of Compute: options that do not fit the source or the snapshot, found before
// anything is written. Commands word them for their flags.
var (
	ErrMissingZeroDelta      = errors.New("the source holds changes only, so a SKU absent from it is not known to be gone")
	ErrMissingZeroIncomplete = errors.New("zeroing what the source lacks needs the whole catalogue, but only the source's SKUs were read")
)

// Compute compares what the source says with what the target holds now and returns
// the plan. It never writes and never fails on data: rows it cannot use are listed as
// duplicates or problems. It fails only on options that do not fit together.
func Compute(idx *Index, target Snapshot, opt Options) (*Plan, error) {
	if idx == nil || !idx.finished {
		return nil, errors.New("compute plan: source index not finished")
	}
	if idx.err != nil {
		return nil, fmt.Errorf("compute plan: %w", idx.err)
	}
	c := &computer{x: idx, t: &target, mode: opt.Stock}
	if err := c.configure(opt); err != nil {
		return nil, fmt.Errorf("compute plan: %w", err)
	}
	c.p = newPlan(opt, idx)
	if c.listMissing {
		c.p.MissingInSource = []Missing{}
	}
	c.merge(newOfferSeq(c.t))
	c.settleMissing()
	c.finish()
	if opt.Target.Location == KeyCRM {
		c.unseenWarehouses()
	}
	return c.p, nil
}

// unseenWarehouses warns about routed KeyCRM warehouses that no offer read has a
// stock row in. The API has no list of warehouses, so a mistyped id is not refused
// until the first write; the warning comes before anything is sent.
func (c *computer) unseenWarehouses() {
	for _, wh := range c.x.targets {
		if wh == 0 || slices.ContainsFunc(c.t.Offers, func(o Offer) bool { _, ok := o.Stock[wh]; return ok }) {
			continue
		}
		c.p.Warnings = append(c.p.Warnings, unseenWarehousePrefix(wh)+"; it may not exist (keycrm-sync doctor lists those seen)")
	}
}

func unseenWarehousePrefix(wh int64) string {
	return fmt.Sprintf("warehouse %d is not among the warehouses KeyCRM reported", wh)
}

// UnseenWarehouse returns the plan's warning that warehouse wh was never seen in
// KeyCRM, "" when there is none. It reads the warnings themselves, so a plan saved
// and applied later still knows.
func (p *Plan) UnseenWarehouse(wh int64) string {
	prefix := unseenWarehousePrefix(wh)
	for _, w := range p.Warnings {
		if strings.HasPrefix(w, prefix+";") {
			return w
		}
	}
	return ""
}

// computer holds one Compute run.
type computer struct {
	x *Index
	t *Snapshot
	p *Plan

	fields      []int // positions in fields, ascending
	mode        StockMode
	listMissing bool // missing_in_source is computed
	zero        bool // --missing zero
	add         bool // items the target lacks become changes

	matched, changed, zeroed int
	near                     nearMatches
}

func (c *computer) configure(opt Options) error {
	switch c.mode {
	case "":
		c.mode = OnHand
	case OnHand, Available:
	default:
		return fmt.Errorf("stock %q: want on-hand or available", c.mode)
	}
	names := opt.Fields
	if len(names) == 0 {
		names = []string{catalog.FieldQuantity}
	}
	for _, name := range names {
		i, err := lookupField(name)
		if err != nil {
			return err
		}
		if k := fields[i].keep; k != 0 && c.x.keep&k == 0 {
			return fmt.Errorf("field %q was not kept when the source was indexed", name)
		}
		c.fields = append(c.fields, i)
	}
	slices.Sort(c.fields)
	c.fields = slices.Compact(c.fields)

	c.listMissing = c.t.Complete && !opt.Delta
	c.add = opt.AddMissing
	if opt.MissingZero {
		switch {
		case opt.Delta:
			return ErrMissingZeroDelta
		case !c.t.Complete:
			return ErrMissingZeroIncomplete
		}
		c.zero = true
	}
	return nil
}

func newPlan(opt Options, idx *Index) *Plan {
	p := &Plan{
		Version:         Version,
		Command:         opt.Command,
		DryRun:          opt.DryRun,
		Source:          opt.Source,
		Target:          opt.Target,
		Changes:         []Change{},
		MissingInTarget: []Missing{},
		Duplicates:      []Duplicate{},
		Problems:        []catalog.Problem{},
		Guards:          []Guard{},
	}
	p.Target.WarehouseIDs = []int64{}
	if idx.targets[0] != 0 {
		p.Target.WarehouseIDs = slices.Clone(idx.targets)
	}
	return p
}

// merge walks the source's items and the target's offers, both in SKU order, one SKU
// at a time.
func (c *computer) merge(offers offerSeq) {
	src := c.x.entries
	i := 0
	for i < len(src) || !offers.done() {
		var d int
		switch {
		case i == len(src):
			d = 1
		case offers.done():
			d = -1
		default:
			d = offers.compare(c.x.bytes(src[i].sku))
		}
		var items []entry
		if d <= 0 {
			j := i + 1
			for j < len(src) && src[j].sku == src[i].sku {
				j++
			}
			items, i = src[i:j], j
		}
		var group []*Offer
		if d >= 0 {
			group = offers.next()
		}
		c.sku(items, group)
	}
}

// sku plans one SKU: items are its source entries, group its target offers; either
// may be empty.
func (c *computer) sku(items []entry, group []*Offer) {
	switch {
	case len(group) > 1:
		c.targetDuplicate(group) // the source's items are left out
	case len(items) == 0:
		c.missingInSource(group[0])
	case items[0].flags&flagSeen != 0:
		// Seen only as a duplicate, a problem or an unmapped row: nothing to
		// compare, and never missing on either side.
	case len(c.t.Excluded) > 0 && c.t.Excluded[string(c.x.bytes(items[0].sku))]:
		// The target holds the SKU but cannot compare it.
	case len(group) == 0:
		c.missingInTarget(items)
	default:
		c.match(items, group[0])
	}
}

func (c *computer) targetDuplicate(group []*Offer) {
	d := Duplicate{SKU: group[0].SKU, OfferIDs: make([]int64, len(group))}
	for i, o := range group {
		d.OfferIDs[i] = o.ID
	}
	c.p.Duplicates = append(c.p.Duplicates, d)
}

// missingInSource holds an offer the source lacks until the merge is done (see
// settleMissing): whether it is missing or a near match takes the source's every SKU.
func (c *computer) missingInSource(o *Offer) {
	if !c.listMissing {
		return // absence says nothing: a delta source, or a SKU-filtered read
	}
	p := pendingMissing{missing: Missing{SKU: o.SKU, OfferID: o.ID}}
	// With a map, every mapped KeyCRM warehouse is the source's to keep in step.
	for _, wh := range c.x.targets {
		st := o.Stock[wh]
		if !c.zero || st.Unknown || st.Quantity.Sign() <= 0 {
			continue
		}
		p.zero = append(p.zero, Change{
			SKU: o.SKU, OfferID: o.ID, WarehouseID: wh, Field: catalog.FieldQuantity,
			From: NumberValue(st.Quantity), To: NumberValue(decimal.Zero),
		})
	}
	c.near.add(p)
}

// settleMissing lists the offers the source lacks, in SKU order, as near matches
// or as missing (and zeroed, with --missing zero).
func (c *computer) settleMissing() {
	c.near.settle(c.x, func(p *pendingMissing, src string) {
		c.p.NearMatches = append(c.p.NearMatches, NearMatch{SKU: p.missing.SKU, OfferID: p.missing.OfferID, SourceSKU: src})
	}, func(p *pendingMissing) {
		c.p.MissingInSource = append(c.p.MissingInSource, p.missing)
		c.p.Changes = append(c.p.Changes, p.zero...)
		c.zeroed += len(p.zero)
	})
}

func (c *computer) missingInTarget(items []entry) {
	sku := c.x.text(items[0].sku)
	for i := range items {
		m := Missing{SKU: sku}
		if c.x.byMap {
			m.WarehouseID = c.x.targets[items[i].wh]
		}
		c.p.MissingInTarget = append(c.p.MissingInTarget, m)
		if c.add {
			c.addNew(sku, &items[i], m.WarehouseID)
		}
	}
}

// addNew writes an item the target lacks: each known field, from no value.
func (c *computer) addNew(sku string, e *entry, wh int64) {
	for _, fi := range c.fields {
		f := &fields[fi]
		if !f.perWarehouse && e.flags&flagFirst == 0 {
			continue
		}
		if to, ok := f.source(c.x, e); ok {
			c.p.Changes = append(c.p.Changes, Change{SKU: sku, WarehouseID: wh, Field: f.name, To: to})
		}
	}
}

// match compares each of a SKU's items with its one offer. Per-SKU fields are compared
// once, on the SKU's first item, so they count towards one item only.
func (c *computer) match(items []entry, o *Offer) {
	for i := range items {
		e := &items[i]
		c.matched++
		changed := false
		for _, fi := range c.fields {
			f := &fields[fi]
			if !f.perWarehouse && e.flags&flagFirst == 0 {
				continue
			}
			to, ok := f.source(c.x, e)
			if !ok {
				continue // an unknown value is never a change
			}
			var wh int64
			if f.perWarehouse {
				wh = c.x.targets[e.wh]
			}
			from, ok, err := f.target(o, wh, c.mode)
			if err != nil {
				c.p.Problems = append(c.p.Problems, catalog.Problem{
					File: c.p.Target.Location, Field: f.name, SKU: o.SKU, Error: err.Error(),
				})
				continue
			}
			if !ok || from.Equal(to) {
				continue
			}
			c.p.Changes = append(c.p.Changes, Change{
				SKU: o.SKU, OfferID: o.ID, WarehouseID: wh, Field: f.name, From: from, To: to,
			})
			changed = true
		}
		if changed {
			c.changed++
		}
	}
}

// finish gathers the lists, sorts what the merge did not already order and counts.
func (c *computer) finish() {
	p := c.p
	slices.SortFunc(p.Changes, compareChanges)
	p.Duplicates = append(p.Duplicates, c.x.dups...)
	p.Duplicates = append(p.Duplicates, c.t.Duplicates...)
	slices.SortFunc(p.Duplicates, compareDuplicates)
	// The source's problems in row order first, then the target's, then those
	// found while comparing (already appended, so rotate them to the end).
	found := p.Problems
	p.Problems = make([]catalog.Problem, 0, len(c.x.problems)+len(c.t.Problems)+len(found))
	p.Problems = append(p.Problems, c.x.problems...)
	p.Problems = append(p.Problems, c.t.Problems...)
	p.Problems = append(p.Problems, found...)

	p.Summary = Summary{
		Matched:         c.matched,
		Unchanged:       c.matched - c.changed,
		Changes:         c.changed + c.zeroed,
		Zeroed:          c.zeroed,
		MissingInTarget: len(p.MissingInTarget),
		Duplicates:      len(p.Duplicates),
		Problems:        len(p.Problems),
	}
	if p.MissingInSource != nil {
		n := len(p.MissingInSource)
		p.Summary.MissingInSource = &n
	}
	p.Source.Items = c.matched + len(p.MissingInTarget)
}

func compareChanges(a, b Change) int {
	return cmp.Or(strings.Compare(a.SKU, b.SKU), cmp.Compare(a.WarehouseID, b.WarehouseID),
		cmp.Compare(fieldOrder(a.Field), fieldOrder(b.Field)), strings.Compare(a.Field, b.Field))
}

// fieldOrder is a field's place in contract order; names of no known field (a plan
// read back from a newer version) sort last, by name.
func fieldOrder(name string) int {
	if i := fieldIndex(name); i >= 0 {
		return i
	}
	return len(fields)
}

// compareDuplicates orders by SKU; for one SKU the source's come first, then KeyCRM's,
// then those of a source read as the target.
func compareDuplicates(a, b Duplicate) int {
	return cmp.Or(strings.Compare(a.SKU, b.SKU), cmp.Compare(dupSide(a), dupSide(b)),
		strings.Compare(a.Warehouse, b.Warehouse), slices.Compare(a.Rows, b.Rows))
}

func dupSide(d Duplicate) int {
	switch {
	case d.Side == SideTarget:
		return 2
	case len(d.OfferIDs) > 0:
		return 1
	}
	return 0
}
