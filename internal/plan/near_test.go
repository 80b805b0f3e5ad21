package plan

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/cases"
)

// A KeyCRM SKU equal to a source SKU only after trimming, NFC, case folding or
// reading a hyphen look-alike as "-" is a near match: never matched, never zeroed,
// never listed as missing; anything else absent from the source still is.
func TestNearMatches(t *testing.T) {
	x := feed(t, IndexOptions{Warehouse: 1},
		row{sku: "abc", qty: "1"},
		row{sku: "X-1", qty: "2"},
		row{sku: "Café", qty: "3"}, // precomposed é
		row{sku: "K", qty: "4"},
	)
	target := Snapshot{Complete: true, Offers: []Offer{
		offer(1, "ABC ", "1:5"),
		offer(2, "X\u20111", "1:6"),   // non-breaking hyphen
		offer(3, "CAFE\u0301", "1:7"), // e + combining acute
		offer(4, "K", "1:4"),
		offer(5, "Q", "1:2"),
	}}
	p, err := Compute(x, target, Options{MissingZero: true})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(p.NearMatches)
	if want := "[{ABC  1 abc} {CAFE\u0301 3 Café} {X\u20111 2 X-1}]"; got != want {
		t.Errorf("near matches %s, want %s", got, want)
	}
	if got := changeStrings(p.Changes); strings.Join(got, ";") != "Q/5/1 quantity 2→0" {
		t.Errorf("changes %v, want only Q zeroed", got)
	}
	if got := fmt.Sprint(p.MissingInSource); got != "[{Q 5 0}]" {
		t.Errorf("missing in source %s, want Q only", got)
	}
	if p.Summary.Matched != 1 || p.Summary.MissingInTarget != 3 || p.Summary.Zeroed != 1 {
		t.Errorf("summary %s", summaryString(p.Summary))
	}
	if note := p.NearMatchNote(); !strings.Contains(note, `"ABC " (offer 1) ~ "abc"`) {
		t.Errorf("note %q does not name the first near match", note)
	}
}

// A delta source says nothing about absence, so nothing is a near match either.
func TestNearMatchesNotForDelta(t *testing.T) {
	x := feed(t, IndexOptions{Warehouse: 1}, row{sku: "abc", qty: "1"})
	p, err := Compute(x, Snapshot{Complete: true, Offers: []Offer{offer(1, "ABC", "1:5")}}, Options{Delta: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.NearMatches) != 0 || p.MissingInSource != nil {
		t.Errorf("delta plan lists near %v, missing %v", p.NearMatches, p.MissingInSource)
	}
}

// A routed KeyCRM warehouse that no offer read has a stock row in is warned about
// (the API lists no warehouses, so a mistyped id shows only here); a source read as
// the target has no such rows to tell by and gets no warning.
func TestUnseenWarehouseWarning(t *testing.T) {
	x := feed(t, IndexOptions{WarehouseMap: map[string]int64{"Київ": 1, "Марс": 9}},
		row{sku: "A", wh: "Київ", qty: "1"}, row{sku: "A", wh: "Марс", qty: "2"})
	snap := Snapshot{Complete: true, Offers: []Offer{offer(1, "A", "1:1"), offer(2, "B", "2:4")}}
	p, err := Compute(x, snap, Options{Target: Target{Location: KeyCRM}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Warnings) != 1 || !strings.HasPrefix(p.Warnings[0], "warehouse 9 is not among the warehouses KeyCRM reported") {
		t.Fatalf("warnings %q, want one about warehouse 9", p.Warnings)
	}
	// apply finds the warning again by warehouse, also in a saved plan.
	if p.UnseenWarehouse(9) != p.Warnings[0] || p.UnseenWarehouse(1) != "" {
		t.Errorf("UnseenWarehouse(9) = %q, UnseenWarehouse(1) = %q", p.UnseenWarehouse(9), p.UnseenWarehouse(1))
	}
	p, err = Compute(x, snap, Options{Target: Target{Location: "other.csv"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Warnings) != 0 {
		t.Errorf("warnings %q for a file target", p.Warnings)
	}
}

// The ASCII shortcut of appendKey gives the key the Unicode path gives.
func TestNearKeyASCII(t *testing.T) {
	var n nearMatches
	n.fold = cases.Fold()
	var all []byte
	for c := range utf8.RuneSelf {
		all = append(all, byte(c))
	}
	for _, s := range []string{string(all), " \t\vSKU-01 Ab_z@[`{\r\n", "\f", "", "ABC ", "x-1"} {
		if got, want := string(n.appendKey(nil, []byte(s))), n.key(s); got != want {
			t.Errorf("appendKey(%q) = %q, key gives %q", s, got, want)
		}
	}
}

// settle answers as a map of every loose key to its first source SKU would, for
// offers sharing a key too, and calls back in the order the offers came.
func TestNearSettle(t *testing.T) {
	skus := []string{"abc", "ABC", "Abc", "X-1", "x\u20111", "Café", "CAFE\u0301", "K", "q", " Q", "Zz", "\u212a1"}
	var rows []row
	for _, s := range skus {
		rows = append(rows, row{sku: s, qty: "1"})
	}
	x := feed(t, IndexOptions{}, rows...)
	var ref nearMatches
	ref.fold = cases.Fold()
	want := map[string]string{}
	x.eachSKU(func(items []entry) {
		s := x.text(items[0].sku)
		if k := ref.key(s); want[k] == "" {
			want[k] = s
		}
	})
	queries := append(slices.Clone(skus), "ABC ", "CAFÉ", "k", "Q", "X\u22121", "zZ", "nope", "", "k1", "abc")
	var n nearMatches
	for i, q := range queries {
		n.add(pendingMissing{missing: Missing{SKU: q, OfferID: int64(i)}})
	}
	var got []string
	n.settle(x, func(p *pendingMissing, src string) {
		got = append(got, fmt.Sprintf("%d %q~%q", p.missing.OfferID, p.missing.SKU, src))
	}, func(p *pendingMissing) {
		got = append(got, fmt.Sprintf("%d %q missing", p.missing.OfferID, p.missing.SKU))
	})
	var expect []string
	for i, q := range queries {
		if src := want[ref.key(q)]; src != "" {
			expect = append(expect, fmt.Sprintf("%d %q~%q", i, q, src))
		} else {
			expect = append(expect, fmt.Sprintf("%d %q missing", i, q))
		}
	}
	if !slices.Equal(got, expect) {
		t.Errorf("settle:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(expect, "\n"))
	}
}

// FuzzNearKey holds the ASCII shortcut to the Unicode path on any input.
func FuzzNearKey(f *testing.F) {
	for _, s := range []string{"SKU-1", " ab\t", "Ab\u00a0", "x\u20111", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var n nearMatches
		n.fold = cases.Fold()
		if got, want := string(n.appendKey(nil, []byte(s))), n.key(s); got != want {
			t.Errorf("appendKey(%q) = %q, key gives %q", s, got, want)
		}
	})
}
