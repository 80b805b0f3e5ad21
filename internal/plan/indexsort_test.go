package plan

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
)

// sortedByCompare is the order sortEntries must produce, by comparing rows whole:
// SKU bytes, warehouse, row, then arrival.
func sortedByCompare(x *Index) []entry {
	var es []entry
	for _, c := range x.chunks {
		es = append(es, c...)
	}
	slices.SortStableFunc(es, func(a, b entry) int {
		if c := bytes.Compare(x.bytes(a.sku), x.bytes(b.sku)); c != 0 {
			return c
		}
		if a.wh != b.wh {
			return cmp.Compare(a.wh, b.wh)
		}
		return cmp.Compare(a.row, b.row)
	})
	return es
}

// checkSort feeds skus (with warehouses and rows) into an index and holds
// sortEntries to the comparison order.
func checkSort(t *testing.T, skus []string, whs []string, rows []int) {
	t.Helper()
	x, err := NewIndex(IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range skus {
		// Item would normalise the SKU; the sort must hold for any bytes.
		e, err := x.newEntry(s, catalog.Position{File: "f", Row: rows[i]})
		if err != nil {
			t.Fatal(err)
		}
		e.wh = x.warehouse(whs[i], "")
		x.push(e)
	}
	want := sortedByCompare(x)
	x.sortEntries()
	if !slices.Equal(x.entries, want) {
		for i := range want {
			if x.entries[i] != want[i] {
				t.Fatalf("entry %d: %q wh %d row %d, want %q wh %d row %d", i,
					x.bytes(x.entries[i].sku), x.entries[i].wh, x.entries[i].row, x.bytes(want[i].sku), want[i].wh, want[i].row)
			}
		}
	}
}

// The radix sort orders rows as comparing them would: SKUs that share long
// prefixes, end within or exactly at an 8-byte chunk, hold zero bytes or bytes
// above 0x7f, and the same SKU in many warehouses and rows.
func TestSortEntries(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte{0, 1, 'A', 'a', '-', 0x7f, 0x80, 0xff}
	for _, n := range []int{0, 1, 2, 7, radixMin - 1, radixMin, 5000, 40000} {
		skus, whs, rows := make([]string, n), make([]string, n), make([]int, n)
		for i := range n {
			var b []byte
			switch i % 4 {
			case 0: // a long shared prefix, as in generated SKUs
				b = fmt.Appendf(nil, "SKU-%08d", r.IntN(max(n/3, 1)))
			case 1: // random short bytes, often prefixes of one another
				for range r.IntN(20) {
					b = append(b, alphabet[r.IntN(len(alphabet))])
				}
			case 2: // exactly 8 or 16 bytes, then maybe a zero
				b = bytes.Repeat([]byte{'Q'}, 8*(1+r.IntN(2)))
				if r.IntN(2) == 0 {
					b = append(b, 0)
				}
			default: // Cyrillic
				b = fmt.Appendf(nil, "Артикул-%d", r.IntN(50))
			}
			skus[i] = string(b)
			whs[i] = fmt.Sprint(r.IntN(3))
			rows[i] = r.IntN(10)
		}
		t.Run(fmt.Sprint(n), func(t *testing.T) { checkSort(t, skus, whs, rows) })
	}
}

// FuzzSortEntries holds the radix sort to the comparison order: each 3 bytes are
// a SKU length (from a pool of bytes), a warehouse and a row.
func FuzzSortEntries(f *testing.F) {
	f.Add([]byte("\x08\x00\x01\x09\x01\x01\x08\x00\x00\x10\x02\x05\x00\x00\x00"), []byte("ABCDEFGH\x00ABCDEFGHIJ"))
	f.Add([]byte("\x01\x00\x00\x02\x00\x00\x03\x00\x00"), []byte("\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, spec, pool []byte) {
		var skus, whs []string
		var rows []int
		for i := 0; i+2 < len(spec); i += 3 {
			off := i % max(len(pool), 1)
			end := min(off+int(spec[i]%24), len(pool))
			skus = append(skus, string(pool[min(off, end):end]))
			whs = append(whs, fmt.Sprint(spec[i+1]%4))
			rows = append(rows, int(spec[i+2]%8))
		}
		// Enough rows for the radix path, by repeating the spec's rows.
		for len(skus) > 0 && len(skus) < 2*radixMin {
			skus, whs, rows = append(skus, skus...), append(whs, whs...), append(rows, rows...)
		}
		checkSort(t, skus, whs, rows)
	})
}
