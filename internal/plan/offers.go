package plan

import (
	"bytes"
	"cmp"
	"iter"
	"slices"
	"strings"
)

// offerSeq is the target's comparable offers in SKU order, one SKU at a time, for
// Compute's merge. A KeyCRM snapshot is sorted once; a source read as the target is
// already in SKU order and builds each offer only when the merge reaches it.
type offerSeq interface {
	// done reports that no offers are left.
	done() bool
	// compare orders a source SKU against the next offers' SKU.
	compare(sku []byte) int
	// next returns the offers sharing the next SKU (several: a duplicate SKU in
	// KeyCRM). They are valid until the following call.
	next() []*Offer
}

// All yields the snapshot's comparable offers in SKU order, whether it holds them
// (KeyCRM, a shop) or builds them one at a time from an index (a source read as the
// target, whose Offers stay empty). A yielded offer is valid until the next one.
func (t *Snapshot) All() iter.Seq[*Offer] {
	return func(yield func(*Offer) bool) {
		for s := newOfferSeq(t); !s.done(); {
			for _, o := range s.next() {
				if !yield(o) {
					return
				}
			}
		}
	}
}

func newOfferSeq(t *Snapshot) offerSeq {
	if t.index != nil {
		s := &indexOffers{x: t.index, excluded: t.Excluded}
		s.skip()
		return s
	}
	return &snapshotOffers{offers: t.Offers, ord: sortedOffers(t)}
}

// snapshotOffers walks a snapshot's Offers through a sorted order.
type snapshotOffers struct {
	offers []Offer
	ord    []int32
	k      int
	group  []*Offer
}

// sortedOffers returns the positions of the comparable offers, ordered by SKU (then id,
// so duplicates list their offers in order). It sorts small keys rather than positions
// into the offers, which would chase a pointer into a large struct on every comparison.
func sortedOffers(t *Snapshot) []int32 {
	type key struct {
		sku string
		id  int64
		pos int32
	}
	keys := make([]key, 0, len(t.Offers))
	for i := range t.Offers {
		if o := &t.Offers[i]; o.SKU != "" && !t.Excluded[o.SKU] {
			keys = append(keys, key{o.SKU, o.ID, int32(i)})
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.sku != b.sku {
			return strings.Compare(a.sku, b.sku)
		}
		return cmp.Compare(a.id, b.id)
	})
	ord := make([]int32, len(keys))
	for i, k := range keys {
		ord[i] = k.pos
	}
	return ord
}

func (s *snapshotOffers) done() bool { return s.k == len(s.ord) }

// compare spells the comparison out: converting sku for a comparison operator does
// not allocate.
func (s *snapshotOffers) compare(sku []byte) int {
	t := s.offers[s.ord[s.k]].SKU
	switch {
	case string(sku) == t:
		return 0
	case string(sku) < t:
		return -1
	}
	return 1
}

func (s *snapshotOffers) next() []*Offer {
	s.group = s.group[:0]
	first := &s.offers[s.ord[s.k]]
	for ; s.k < len(s.ord) && s.offers[s.ord[s.k]].SKU == first.SKU; s.k++ {
		s.group = append(s.group, &s.offers[s.ord[s.k]])
	}
	return s.group
}

// indexOffers walks a finished index read as the target, reusing one Offer.
type indexOffers struct {
	x        *Index
	excluded map[string]bool
	i        int // the next SKU's first entry
	o        Offer
	group    [1]*Offer
}

func (s *indexOffers) done() bool { return s.i == len(s.x.entries) }

func (s *indexOffers) compare(sku []byte) int {
	return bytes.Compare(sku, s.x.bytes(s.x.entries[s.i].sku))
}

// skip moves past SKUs that are no offer: seen only, or excluded.
func (s *indexOffers) skip() {
	es := s.x.entries
	for s.i < len(es) {
		e := &es[s.i]
		if e.flags&flagSeen == 0 && (len(s.excluded) == 0 || !s.excluded[string(s.x.bytes(e.sku))]) {
			return
		}
		s.i = s.x.skuEnd(s.i)
	}
}

func (s *indexOffers) next() []*Offer {
	j := s.x.skuEnd(s.i)
	s.x.offerInto(&s.o, s.x.entries[s.i:j])
	s.i = j
	s.skip()
	s.group[0] = &s.o
	return s.group[:]
}

// offerInto fills o with one SKU's items as a target offer, reusing o's stock map.
func (x *Index) offerInto(o *Offer, items []entry) {
	stock := o.Stock
	clear(stock)
	*o = Offer{SKU: x.text(items[0].sku)}
	ex := x.extraOf(&items[0])
	o.Price, o.PurchasedPrice, o.Name, o.Available = ex.price, ex.purchasedPrice, x.text(ex.name), ex.available
	for i, e := range items {
		st := Stock{Quantity: e.qty(), Unknown: e.flags&flagKnown == 0}
		if wh := x.targets[e.wh]; wh != 0 {
			if stock == nil {
				stock = make(map[int64]Stock, len(items))
			}
			stock[wh] = st
			o.Stock = stock
		}
		if i == 0 {
			o.Total = st
			continue
		}
		o.Total.Unknown = o.Total.Unknown || st.Unknown
		if !o.Total.Unknown {
			q, err := o.Total.Quantity.Add(st.Quantity)
			o.Total.Quantity, o.Total.Unknown = q, err != nil
		}
	}
}
