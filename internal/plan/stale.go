package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
)

// StaleEntry is a change whose expected current value no longer holds in the target.
type StaleEntry struct {
	Change
	// Expected is what the target should hold: the plan's From for apply, the
	// value the run wrote (To) for revert.
	Expected Value
	// Live is what the target holds now; the zero Value when the offer is gone or
	// the value cannot be read.
	Live Value
}

// Stale lists the changes of a saved plan whose From no longer equals the live value
// (apply PLAN.json checks this before writing; someone changed the target since the
// plan was made). Entries the live snapshot does not hold are stale.
func Stale(p *Plan, live Snapshot) []StaleEntry {
	byKey := live.byKey()
	var stale []StaleEntry
	for _, c := range p.Changes {
		v, ok := byKey.value(c)
		if !ok || !v.Equal(c.From) {
			stale = append(stale, StaleEntry{Change: c, Expected: c.From, Live: v})
		}
	}
	return stale
}

// Revert builds the plan that puts back each applied entry's From, with the live value
// as the new From. An entry whose live value is neither what the run wrote nor what it
// replaced was changed since by someone else: it is stale, and stays in the plan so
// --force can still write it, unless its offer is gone. An entry whose live value
// already is its From needs nothing: a revert killed half-way and run again finds the
// entries it restored done, and an unconfirmed entry (sent by a run that died before
// the answer) whose write never landed holds its From too. The caller fills in Source
// (the run) and the target's description.
func Revert(applied, unconfirmed []Change, live Snapshot) (*Plan, []StaleEntry) {
	p := &Plan{
		Version:         Version,
		Command:         CmdRevert,
		Target:          Target{WarehouseIDs: []int64{}},
		Changes:         []Change{},
		MissingInTarget: []Missing{},
		Duplicates:      []Duplicate{},
		Problems:        []catalog.Problem{},
		Guards:          []Guard{},
	}
	byKey := live.byKey()
	matched, changed := map[Key]bool{}, map[Key]bool{}
	var stale []StaleEntry
	for _, a := range slices.Concat(applied, unconfirmed) {
		v, ok := byKey.value(a)
		if !ok || (!v.Equal(a.To) && !v.Equal(a.From)) {
			stale = append(stale, StaleEntry{Change: a, Expected: a.To, Live: v})
		}
		if !ok {
			continue
		}
		key := a.Item()
		matched[key] = true
		if v.Equal(a.From) {
			continue
		}
		changed[key] = true
		p.Changes = append(p.Changes, Change{
			SKU: a.SKU, OfferID: a.OfferID, WarehouseID: a.WarehouseID, Row: a.Row, Field: a.Field, From: v, To: a.From,
		})
		if a.WarehouseID != 0 && !slices.Contains(p.Target.WarehouseIDs, a.WarehouseID) {
			p.Target.WarehouseIDs = append(p.Target.WarehouseIDs, a.WarehouseID)
		}
	}
	slices.SortFunc(p.Changes, compareChanges)
	slices.Sort(p.Target.WarehouseIDs)
	p.Summary = Summary{Matched: len(matched), Changes: len(changed), Unchanged: len(matched) - len(changed)}
	p.Source.Items = len(matched)
	return p, stale
}

// Values reads each change's field from the snapshot as written (on-hand stock), in
// the changes' order; the zero Value where the snapshot does not hold the item.
func (s Snapshot) Values(changes []Change) []Value {
	l := s.byKey()
	out := make([]Value, len(changes))
	for i, c := range changes {
		out[i], _ = l.value(c)
	}
	return out
}

// liveOffers finds the offer a change names: by offer id in KeyCRM, by SKU in a target
// without offer ids (a file or a shop database read as a snapshot).
type liveOffers struct {
	byID  map[int64]*Offer
	bySKU map[string]*Offer
}

func (s Snapshot) byKey() liveOffers {
	l := liveOffers{byID: make(map[int64]*Offer, len(s.Offers)), bySKU: map[string]*Offer{}}
	for i := range s.Offers {
		o := &s.Offers[i]
		if o.ID != 0 {
			l.byID[o.ID] = o
		} else if o.SKU != "" {
			l.bySKU[o.SKU] = o
		}
	}
	return l
}

// value reads a change's field from the live offer, as written (on-hand stock).
func (l liveOffers) value(c Change) (Value, bool) {
	o := l.bySKU[c.SKU]
	if c.OfferID != 0 {
		o = l.byID[c.OfferID]
	}
	if o == nil {
		return Value{}, false
	}
	i := fieldIndex(c.Field)
	if i < 0 {
		v, ok := o.Fields[c.Field]
		return v, ok
	}
	f := &fields[i]
	var wh int64
	if f.perWarehouse {
		wh = c.WarehouseID
	}
	v, ok, err := f.target(o, wh, OnHand)
	if err != nil || !ok {
		return Value{}, false
	}
	return v, true
}

// StaleError refuses a plan whose entries no longer hold (exit 3 unless --force).
type StaleError struct {
	Entries []StaleEntry
	// Target names where the entries changed, as Target.Name does: KeyCRM
	// when empty.
	Target string
}

// staleShown is how many entries the message spells out; the rest are counted.
const staleShown = 5

func (e *StaleError) Error() string {
	var b strings.Builder
	where := e.Target
	if where == "" {
		where = "KeyCRM"
	}
	fmt.Fprintf(&b, "stale plan: %d %s changed in %s since", len(e.Entries), plural(len(e.Entries), "entry has", "entries have"), where)
	for i, s := range e.Entries {
		if i == staleShown {
			fmt.Fprintf(&b, "; and %d more", len(e.Entries)-staleShown)
			break
		}
		sep := ": "
		if i > 0 {
			sep = "; "
		}
		live := "gone"
		if !s.Live.IsZero() {
			live = "now " + s.Live.String()
		}
		fmt.Fprintf(&b, "%s%s %s expected %s, %s", sep, s.where(), s.Field, s.Expected, live)
	}
	return b.String()
}

// where names an entry's SKU, offer and warehouse for messages.
func (c Change) where() string {
	s := c.SKU
	var ids []string
	if c.OfferID != 0 {
		ids = append(ids, fmt.Sprintf("offer %d", c.OfferID))
	}
	if c.WarehouseID != 0 {
		ids = append(ids, fmt.Sprintf("warehouse %d", c.WarehouseID))
	}
	if len(ids) > 0 {
		s += " (" + strings.Join(ids, ", ") + ")"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
