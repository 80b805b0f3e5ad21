package plan

import (
	"bytes"
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// sku writes the i-th generated SKU into buf, as a reader would hand it over.
func genSKU(buf []byte, i int) string {
	buf = append(buf[:0], "SKU-"...)
	return string(strconv.AppendInt(buf, int64(i), 10))
}

// genSnapshot returns n offers with one warehouse; every 20th differs from genItem.
func genSnapshot(n int) Snapshot {
	s := Snapshot{Complete: true, Offers: make([]Offer, n)}
	var buf []byte
	for i := range s.Offers {
		q := decimal.FromInt(int64(i % 50))
		if i%20 == 0 {
			q = decimal.FromInt(int64(i%50 + 1))
		}
		s.Offers[i] = Offer{ID: int64(i + 1), SKU: genSKU(buf, i), Stock: map[int64]Stock{1: {Quantity: q}}, Total: Stock{Quantity: q}}
	}
	return s
}

func genItem(buf []byte, i int) catalog.Item {
	return catalog.Item{SKU: genSKU(buf, i), Quantity: catalog.Known(decimal.FromInt(int64(i % 50))),
		Pos: catalog.Position{File: "stock.csv", Row: i + 2}}
}

// BenchmarkPlan100k plans 100k source items against a 100k-offer snapshot: indexing,
// Finish and Compute, the whole pure part of a push-stock. Source rows arrive in
// reverse order so the index has real sorting to do.
func BenchmarkPlan100k(b *testing.B) {
	const n = 100_000
	target := genSnapshot(n)
	items := make([]catalog.Item, n)
	var buf []byte
	for i := range items {
		items[i] = genItem(buf, n-1-i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		x, err := NewIndex(IndexOptions{Warehouse: 1})
		if err != nil {
			b.Fatal(err)
		}
		for _, it := range items {
			if err := x.Item(&it); err != nil {
				b.Fatal(err)
			}
		}
		if err := x.Finish(); err != nil {
			b.Fatal(err)
		}
		p, err := Compute(x, target, Options{Command: CmdPushStock})
		if err != nil {
			b.Fatal(err)
		}
		if p.Summary.Changes != n/20 {
			b.Fatalf("changes %d, want %d", p.Summary.Changes, n/20)
		}
	}
}

// TestIndexMemory streams a million items into an index and reports what each costs
// once finished, and what the whole build allocated. The budget is what keeps a
// million-row source planning within ~250 MB peak RSS alongside the KeyCRM snapshot.
func TestIndexMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million-item index")
	}
	const n = 1_000_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	x, err := NewIndex(IndexOptions{Warehouse: 1})
	if err != nil {
		t.Fatal(err)
	}
	var buf []byte
	for i := range n {
		it := genItem(buf, (i*7919)%n)
		if err := x.Item(&it); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Finish(); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	live := float64(after.HeapAlloc-before.HeapAlloc) / n
	total := float64(after.TotalAlloc-before.TotalAlloc) / n
	t.Logf("1M items: %.0f bytes/item live after Finish, %.0f bytes/item allocated in all, heap peak ~%d MB",
		live, total, after.HeapSys>>20)
	if live > 100 {
		t.Errorf("%.0f bytes per item live; the budget is 100", live)
	}
	runtime.KeepAlive(x)
}

// genIndex returns a finished index of n items, every 20th quantity raised by delta.
func genIndex(tb testing.TB, n, delta int) *Index {
	tb.Helper()
	x, err := NewIndex(IndexOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	var buf []byte
	for i := range n {
		k := (i * 7919) % n
		it := genItem(buf, k)
		if k%20 == 0 {
			it.Quantity = catalog.Known(decimal.FromInt(int64(k%50 + delta)))
		}
		if err := x.Item(&it); err != nil {
			tb.Fatal(err)
		}
	}
	if err := x.Finish(); err != nil {
		tb.Fatal(err)
	}
	return x
}

// against compares two finished indexes as diff --against does.
func against(tb testing.TB, src, other *Index) *Plan {
	tb.Helper()
	target, err := other.AsTarget()
	if err != nil {
		tb.Fatal(err)
	}
	p, err := Compute(src, target, Options{Command: CmdDiff, DryRun: true})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkAgainst100k is the comparison of diff --against once both sides are read:
// two 100k-item indexes merged, 5% of the quantities differing.
func BenchmarkAgainst100k(b *testing.B) {
	const n = 100_000
	src, other := genIndex(b, n, 0), genIndex(b, n, 1)
	b.ReportAllocs()
	for b.Loop() {
		if p := against(b, src, other); p.Summary.Changes != n/20 {
			b.Fatalf("changes %d, want %d", p.Summary.Changes, n/20)
		}
	}
}

// TestAgainstMemory proves the target index is compared in place: what Compute
// allocates per SKU is the SKU's string and the plan's share, far below the
// hundred-odd bytes of an Offer each that a materialised target would cost.
func TestAgainstMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector inflates allocations")
	}
	const n = 200_000
	src, other := genIndex(t, n, 0), genIndex(t, n, 1)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p := against(t, src, other)
	runtime.ReadMemStats(&after)
	if p.Summary.Matched != n || p.Summary.Changes != n/20 {
		t.Fatalf("matched %d, changes %d; want %d and %d", p.Summary.Matched, p.Summary.Changes, n, n/20)
	}
	perSKU := float64(after.TotalAlloc-before.TotalAlloc) / n
	t.Logf("%.0f bytes allocated per SKU", perSKU)
	if perSKU > 64 {
		t.Errorf("%.0f bytes allocated per SKU comparing two indexes; the budget is 64", perSKU)
	}
}

// BenchmarkFinish1M sorts the rows of a million-SKU index (the diff benchmark's
// SKU-%08d, arriving in a scattered order) two ways in the same run: "radix" is
// sortEntries, Finish's sort; "compare" is what it replaced, the baseline: joining
// the chunks and a comparison sort.
func BenchmarkFinish1M(b *testing.B) {
	const n = 1_000_000
	x, err := NewIndex(IndexOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		sku := fmt.Sprintf("SKU-%08d", (i*7919)%n)
		if err := x.Item(&catalog.Item{SKU: sku, Quantity: catalog.Known(decimal.FromInt(int64(i % 97))),
			Pos: catalog.Position{File: "a.csv", Row: i + 2}}); err != nil {
			b.Fatal(err)
		}
	}
	sorts := map[string]func(){
		"radix": x.sortEntries,
		"compare": func() {
			x.entries = x.entries[:0]
			for _, c := range x.chunks {
				x.entries = append(x.entries, c...)
			}
			slices.SortFunc(x.entries, func(a, b entry) int {
				if c := bytes.Compare(x.bytes(a.sku), x.bytes(b.sku)); c != 0 {
					return c
				}
				if a.wh != b.wh {
					return cmp.Compare(a.wh, b.wh)
				}
				return cmp.Compare(a.row, b.row)
			})
		},
	}
	for _, name := range []string{"compare", "radix"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				sorts[name]() // both read x.chunks and leave them as they were
			}
		})
	}
}
