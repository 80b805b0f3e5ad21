package plan

import (
	"fmt"
	"slices"
	"testing"
)

// A source read as the target keeps no Offers: All builds them from the index, in
// SKU order, each with its total; a KeyCRM snapshot yields its own Offers the same way.
func TestSnapshotAll(t *testing.T) {
	x := feed(t, IndexOptions{}, row{sku: "B", qty: "2"}, row{sku: "A", qty: "1.5"}, row{sku: "C", qty: "x", problem: "not a number"})
	snap, err := x.AsTarget()
	if err != nil {
		t.Fatal(err)
	}
	list := func(s Snapshot) []string {
		var got []string
		for o := range s.All() {
			got = append(got, fmt.Sprintf("%s=%s", o.SKU, o.Total.Quantity))
		}
		return got
	}
	if got, want := list(snap), []string{"A=1.5", "B=2"}; !slices.Equal(got, want) {
		t.Errorf("index snapshot yields %q, want %q", got, want)
	}
	crm := Snapshot{Complete: true, Offers: []Offer{offer(2, "B", "0:4"), offer(1, "A", "0:3")}}
	if got, want := list(crm), []string{"A=3", "B=4"}; !slices.Equal(got, want) {
		t.Errorf("KeyCRM snapshot yields %q, want %q", got, want)
	}
}
