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
// arena. Instead each row gets a sort key, the next 12 bytes of its SKU as
// big-endian numbers, and the keys are radix sorted; rows whose 12 bytes tie are
// sorted again on the following 12, until the SKUs run out. Only rows that still
// tie then (the same SKU in several warehouses or rows) are compared whole. Most
// SKUs are no longer than 12 bytes, so most sorts end at the first level, without
// going back to the arena for the rows of every tie (a cache miss each).

// sortKey is a row's place in the sort: the 12 SKU bytes at the current depth
// (pre, then pre2, which fills what would be the struct's padding) and the row's
// position in arrival order.
type sortKey struct {
	pre  uint64
	pre2 uint32
	i    uint32
}

// keyBytes is how many SKU bytes a sort key holds.
const keyBytes = 12

// Below radixMin keys a comparison sort is faster than a radix sort's 256-entry
// histograms.
const radixMin = 256

// chunk returns the 12 bytes of b from depth on as big-endian numbers (8 and 4
// bytes), zero-padded: numbers order as the bytes do, and a SKU that ends within
// them ties only with SKUs it is a prefix of, padded with zero bytes, which the
// next level separates.
func chunk(b []byte, depth int) (uint64, uint32) {
	if depth >= len(b) {
		return 0, 0
	}
	b = b[depth:]
	if len(b) >= keyBytes {
		return binary.BigEndian.Uint64(b), binary.BigEndian.Uint32(b[8:])
	}
	var k [keyBytes]byte
	copy(k[:], b)
	return binary.BigEndian.Uint64(k[:]), binary.BigEndian.Uint32(k[8:])
}

// keyAt is the sort key of the row that arrived i-th, at depth.
func keyAt(sku []byte, depth int, i uint32) sortKey {
	pre, pre2 := chunk(sku, depth)
	return sortKey{pre: pre, pre2: pre2, i: i}
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
			keys = append(keys, keyAt(x.bytes(c[i].sku), 0, uint32(len(keys))))
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
		for j < len(keys) && keys[j].pre == keys[i].pre && keys[j].pre2 == keys[i].pre2 {
			j++
		}
		if j-i > 1 {
			x.sortTies(keys[i:j], scratch[i:j], depth+keyBytes)
		}
		i = j
	}
}

// sortTies sorts keys that agree on their SKUs' bytes before depth: on the next 12
// bytes, or whole once every SKU among them has ended (they are then one SKU,
// ordered by warehouse, row and arrival).
func (x *Index) sortTies(keys, scratch []sortKey, depth int) {
	longest := 0
	for k := range keys {
		sku := x.bytes(x.arrived(keys[k].i).sku)
		longest = max(longest, len(sku))
		keys[k] = keyAt(sku, depth, keys[k].i)
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

// sortByPre sorts keys by pre, pre2, then i, with scratch as long as keys.
func sortByPre(keys, scratch []sortKey) {
	if len(keys) >= radixMin {
		radixSort(keys, scratch) // stable: ties keep their order, which is i's
		return
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		return cmp.Or(cmp.Compare(a.pre, b.pre), cmp.Compare(a.pre2, b.pre2), cmp.Compare(a.i, b.i))
	})
}

// radixSort sorts keys by pre and pre2, stably (so ties stay in arrival order),
// with least-significant-byte passes through scratch: pre2's 4 bytes, then pre's
// 8. A byte that is the same in every key (the "SKU-" every SKU starts with, the
// zero padding of short SKUs) costs no pass.
func radixSort(keys, scratch []sortKey) {
	var counts [keyBytes][256]int
	for _, k := range keys {
		for b := range 4 {
			counts[b][byte(k.pre2>>(8*b))]++
		}
		for b := range 8 {
			counts[4+b][byte(k.pre>>(8*b))]++
		}
	}
	// digit is byte b of a key, counting from the least significant.
	digit := func(k *sortKey, b int) byte {
		if b < 4 {
			return byte(k.pre2 >> (8 * b))
		}
		return byte(k.pre >> (8 * (b - 4)))
	}
	src, dst := keys, scratch
	for b := range keyBytes {
		c := &counts[b]
		if c[digit(&src[0], b)] == len(src) {
			continue
		}
		off := 0
		for v, n := range c {
			c[v] = off
			off += n
		}
		for k := range src {
			d := digit(&src[k], b)
			dst[c[d]] = src[k]
			c[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}
