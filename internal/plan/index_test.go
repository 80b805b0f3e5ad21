package plan

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Strings stored in the arena read back whole, across the first block's growth,
// block ends, and strings longer than a block, which take the numbers of several.
func TestArenaSpans(t *testing.T) {
	x, err := NewIndex(IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	var spans []span
	add := func(s string) {
		sp, err := x.store(s)
		if err != nil {
			t.Fatal(err)
		}
		want, spans = append(want, s), append(spans, sp)
	}
	for i := range 3000 {
		add(strings.Repeat(string(rune('a'+i%26)), 1+i%700))
	}
	add(strings.Repeat("L", 3*arenaBlock+5))
	add("after the long one")
	add(strings.Repeat("M", arenaBlock))
	add("")
	add("last")
	for i, sp := range spans {
		if got := x.text(sp); got != want[i] {
			t.Fatalf("string %d: read back %d bytes %.10q…, stored %d bytes %.10q…", i, len(got), got, len(want[i]), want[i])
		}
	}
	for b, blk := range x.arena {
		if cap(blk) > arenaBlock && b+(cap(blk)+arenaMask)>>arenaBits > len(x.arena) {
			t.Errorf("block %d of %d bytes is not followed by the numbers it spans", b, cap(blk))
		}
	}
}

// An entry is 32 bytes: every row read and every item costs it, and the quantity
// is kept as coefficient and scale to fit.
func TestEntrySize(t *testing.T) {
	if n := unsafe.Sizeof(entry{}); n > 32 {
		t.Errorf("an entry is %d bytes; the budget is 32", n)
	}
}

// A quantity reads back as it was set, trailing zeros and sign included.
func TestEntryQty(t *testing.T) {
	for _, s := range []string{"0", "5", "-7", "1.5", "0.000000000000000001", "-123456789012.345678", "-12.34"} {
		var e entry
		d := decimal.MustParse(s)
		e.setQty(d)
		if got := e.qty(); got != d || got.String() != d.String() {
			t.Errorf("qty %s read back as %s", d, got)
		}
	}
}
