package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// FuzzCompute plans arbitrary small sources against arbitrary snapshots and checks the
// contract's invariants: counts add up, nothing the source holds as a duplicate or a
// problem changes, changes are sorted, and the JSON reads back byte for byte.
func FuzzCompute(f *testing.F) {
	f.Add([]byte{1, 0, 5, 1, 0, 5, 2, 1, 62, 3, 2, 63}, []byte{1, 0, 3, 2, 1, 9, 4, 0, 1, 9, 0, 2}, byte(0))
	f.Add([]byte{0, 0, 1, 0, 1, 2, 0, 2, 3}, []byte{0, 0, 9, 0, 1, 9, 5, 2, 4}, byte(7))
	f.Add([]byte{4, 1, 7, 4, 1, 8}, []byte{4, 0, 1, 4, 1, 1}, byte(10))
	f.Fuzz(func(t *testing.T, src, tgt []byte, flags byte) {
		iopt := IndexOptions{Warehouse: 1}
		if flags&1 != 0 {
			iopt = IndexOptions{WarehouseMap: map[string]int64{"W0": 1, "W1": 2}}
		}
		opt := Options{MissingZero: flags&2 != 0}
		cmd := CmdPushStock
		if flags&8 != 0 {
			cmd, opt.MissingZero = CmdDiff, false
		}
		x, err := NewIndex(iopt)
		if err != nil {
			t.Fatal(err)
		}
		bad := map[string]bool{} // SKUs with a problem row
		for i := 0; i+2 < len(src); i += 3 {
			sku := fmt.Sprint("S", src[i]%8)
			pos := catalog.Position{File: "f", Row: i/3 + 2}
			switch q := src[i+2] % 64; q {
			case 62:
				x.Problem(catalog.Problem{File: "f", Row: pos.Row, SKU: sku, Error: "bad"})
				bad[sku] = true
			default:
				it := catalog.Item{SKU: sku, Warehouse: fmt.Sprint("W", src[i+1]%3), Pos: pos}
				if q != 63 {
					it.Quantity = catalog.Known(decimal.FromInt(int64(q)))
				}
				if err := x.Item(&it); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := x.Finish(); err != nil {
			t.Fatal(err)
		}
		snap := Snapshot{Complete: flags&4 != 0}
		for i := 0; i+2 < len(tgt); i += 3 {
			sku := ""
			if tgt[i]%10 != 9 {
				sku = fmt.Sprint("S", tgt[i]%10)
			}
			snap.Offers = append(snap.Offers, offer(int64(i+1), sku, fmt.Sprintf("%d:%d", tgt[i+1]%3+1, tgt[i+2]%8)))
		}
		opt.Command = cmd
		p, err := Compute(x, snap, opt)
		if err != nil {
			if opt.MissingZero && !snap.Complete {
				return // refused, as it must be
			}
			t.Fatal(err)
		}
		s := p.Summary
		if p.Source.Items != s.Matched+s.MissingInTarget {
			t.Errorf("items %d != matched %d + missing_in_target %d", p.Source.Items, s.Matched, s.MissingInTarget)
		}
		missing := map[string]bool{}
		for _, m := range p.MissingInSource {
			missing[m.SKU] = true
		}
		zeroed := 0
		for _, c := range p.Changes {
			if missing[c.SKU] {
				zeroed++
			}
		}
		if s.Zeroed != zeroed || s.Unchanged < 0 || s.Unchanged+s.Changes-s.Zeroed != s.Matched {
			t.Errorf("unchanged %d + changes %d - zeroed %d (%d entries) != matched %d", s.Unchanged, s.Changes, s.Zeroed, zeroed, s.Matched)
		}
		// A duplicate leaves out the item it routes to: with a map, only that
		// KeyCRM warehouse; with --warehouse, the SKU's total.
		left := map[string]bool{}
		for _, d := range p.Duplicates {
			wh := iopt.Warehouse
			if iopt.WarehouseMap != nil {
				wh = iopt.WarehouseMap[d.Warehouse]
			}
			left[fmt.Sprint(d.SKU, "@", wh)] = true
		}
		for _, c := range p.Changes {
			if bad[c.SKU] || left[fmt.Sprint(c.SKU, "@", c.WarehouseID)] {
				t.Errorf("change %+v for a SKU with a problem row or a duplicate item", c)
			}
		}
		if !slices.IsSortedFunc(p.Changes, compareChanges) {
			t.Errorf("changes not sorted: %v", changeStrings(p.Changes))
		}
		if cmd != CmdDiff {
			p.CheckGuards(DefaultLimits(), Checks{Source: true, Coverage: opt.MissingZero})
		}
		b := encode(t, p)
		var back Plan
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if again := encode(t, &back); !bytes.Equal(again, b) {
			t.Errorf("round trip changed the plan:\n%s\n%s", b, again)
		}
	})
}

// FuzzPlanJSON reads arbitrary JSON as a plan: it must never panic, and once read, a
// plan must write and read back unchanged.
func FuzzPlanJSON(f *testing.F) {
	for _, name := range []string{"push-stock", "diff", "diff-against", "applied", "contract-example"} {
		b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Plan
		if json.Unmarshal(b, &p) != nil {
			return
		}
		first := encode(t, &p)
		var back Plan
		if err := json.Unmarshal(first, &back); err != nil {
			t.Fatalf("cannot read back %s: %v", first, err)
		}
		if second := encode(t, &back); !bytes.Equal(first, second) {
			t.Errorf("not stable:\n%s\n%s", first, second)
		}
	})
}
