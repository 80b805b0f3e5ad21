package plan

import (
	"cmp"
	"encoding/binary"
	"slices"
	"unsafe"
)

// The index's rows are sorted by SKU bytes, then warehouse, then row, then the
// order they arrived in. Comparing SKUs pairwise took a third of a million-row
// diff: some twenty million bytes.Compare calls, each chasing two spans into the
// arena. Instead each row gets a sort key, the next 8 bytes of its SKU as a
// big-endian number, and the keys are radix sorted; rows whose 8 bytes tie are
// sorted again on the following 8, until the SKUs run out. Only rows that still
// tie then (the same SKU in several warehouses or rows) are compared whole.

// sortKey is a row's place in the sort: the 8 SKU bytes at the current depth and
// the row's position in arrival order.
type sortKey struct {
	pre uint64
	i   uint32
}

// Below radixMin keys a comparison sort is faster than a radix sort's 256-entry
// histograms.
const radixMin = 256

// chunk returns the 8 bytes of b from depth on as a big-endian number, zero-padded:
// numbers order as the bytes do, and a SKU that ends within them ties only with
// SKUs it is a prefix of, padded with zero bytes, which the next level separates.
func chunk(b []byte, depth int) uint64 {
	if depth >= len(b) {
		return 0
	}
	b = b[depth:]
	if len(b) >= 8 {
		return binary.BigEndian.Uint64(b)
	}
	var k uint64
	for i, c := range b {
		k |= uint64(c) << (56 - 8*i)
	}
	return k
}

// The sort keys and scratch fit in the entries' memory (see sortEntries): this
// constant does not compile if an entry were smaller than two keys.
const _ = unsafe.Sizeof(entry{}) - 2*unsafe.Sizeof(sortKey{})

// sortEntries sorts the entries read (x.chunks) into x.entries.
//
// The sort keys and their radix scratch, 16 bytes a row each, live in the memory
// the sorted entries (32 bytes a row) are then scattered into: fresh memory costs
// a page fault every 4 KB, and a million rows would otherwise fault in 32 MB more
// of it. Both types hold no pointers, so the collector minds neither view.
func (x *Index) sortEntries() {
	x.entries = make([]entry, x.count)
	adviseHuge(x.entries)
	var keys, scratch []sortKey
	if x.count > 0 {
		both := unsafe.Slice((*sortKey)(unsafe.Pointer(&x.entries[0])), 2*x.count)
		keys, scratch = both[:0:x.count], both[x.count:]
	}
	dest := x.sortedPlaces(keys, scratch)
	// Scattered in arrival order, rather than gathered in sorted order or
	// permuted in place: the reads run through the chunks, and the stores, each
	// to a random place, wait on nothing, where a permutation's next load waits
	// on the last. Only the places (4 bytes a row) outlive the sort keys.
	i := 0
	for _, c := range x.chunks {
		for _, e := range c {
			x.entries[dest[i]] = e
			i++
		}
	}
}

// sortedPlaces returns where each entry read goes, by arrival, sorting keys
// (empty, with room for every entry) with scratch (as long).
func (x *Index) sortedPlaces(keys, scratch []sortKey) []uint32 {
	for _, c := range x.chunks {
		for i := range c {
			keys = append(keys, sortKey{pre: chunk(x.bytes(c[i].sku), 0), i: uint32(len(keys))})
		}
	}
	x.sortKeys(keys, scratch, 0)
	dest := make([]uint32, len(keys))
	for k, key := range keys {
		dest[key.i] = uint32(k)
	}
	return dest
}

// sortKeys sorts keys whose SKUs agree before depth, using scratch (as long as
// keys) for the radix passes.
func (x *Index) sortKeys(keys, scratch []sortKey, depth int) {
	sortByPre(keys, scratch)
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j].pre == keys[i].pre {
			j++
		}
		if j-i > 1 {
			x.sortTies(keys[i:j], scratch[i:j], depth+8)
		}
		i = j
	}
}

// sortTies sorts keys that agree on their SKUs' bytes before depth: on the next 8
// bytes, or whole once every SKU among them has ended (they are then one SKU,
// ordered by warehouse, row and arrival).
func (x *Index) sortTies(keys, scratch []sortKey, depth int) {
	longest := 0
	for k := range keys {
		sku := x.bytes(x.arrived(keys[k].i).sku)
		longest = max(longest, len(sku))
		keys[k].pre = chunk(sku, depth)
	}
	if depth < longest {
		x.sortKeys(keys, scratch, depth)
		return
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		ea, eb := x.arrived(a.i), x.arrived(b.i)
		// Zero padding ties "A" with "A\x00": the shorter comes first.
		if ea.sku.n != eb.sku.n {
			return cmp.Compare(ea.sku.n, eb.sku.n)
		}
		if ea.wh != eb.wh {
			return cmp.Compare(ea.wh, eb.wh)
		}
		if ea.row != eb.row {
			return cmp.Compare(ea.row, eb.row)
		}
		return cmp.Compare(a.i, b.i)
	})
}

// sortByPre sorts keys by pre, then i, with scratch as long as keys.
func sortByPre(keys, scratch []sortKey) {
	if len(keys) >= radixMin {
		radixSort(keys, scratch) // stable: ties keep their order, which is i's
		return
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		if a.pre != b.pre {
			return cmp.Compare(a.pre, b.pre)
		}
		return cmp.Compare(a.i, b.i)
	})
}

// radixSort sorts keys by pre, stably (so ties stay in arrival order), with
// least-significant-byte passes through scratch; a byte that is the same in every
// key (the "SKU-" every SKU starts with) costs no pass.
func radixSort(keys, scratch []sortKey) {
	var counts [8][256]int
	for _, k := range keys {
		for b := range 8 {
			counts[b][byte(k.pre>>(8*b))]++
		}
	}
	src, dst := keys, scratch
	for b := range 8 {
		c := &counts[b]
		shift := 8 * b
		if c[byte(src[0].pre>>shift)] == len(src) {
			continue
		}
		off := 0
		for v, n := range c {
			c[v] = off
			off += n
		}
		for _, k := range src {
			d := byte(k.pre >> shift)
			dst[c[d]] = k
			c[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}
