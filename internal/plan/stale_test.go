package plan

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// ch parses "SKU/OFFER/WAREHOUSE FIELD FROM→TO" (the spelling of changeStrings).
func ch(s string) Change {
	var c Change
	id, rest, _ := strings.Cut(s, " ")
	field, vals, _ := strings.Cut(rest, " ")
	from, to, _ := strings.Cut(vals, "→")
	parts := strings.Split(id, "/")
	c.SKU, c.Field = parts[0], field
	fmt.Sscan(parts[1], &c.OfferID)
	fmt.Sscan(parts[2], &c.WarehouseID)
	c.From, c.To = NumberValue(decimal.MustParse(from)), NumberValue(decimal.MustParse(to))
	return c
}

func staleStrings(ss []StaleEntry) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		live := "gone"
		if !s.Live.IsZero() {
			live = s.Live.String()
		}
		out[i] = fmt.Sprintf("%s %s expected %s live %s", s.SKU, s.Field, s.Expected, live)
	}
	return out
}

func TestStale(t *testing.T) {
	p := &Plan{Changes: []Change{
		ch("A/17/1 quantity 3→5"),
		ch("B/18/1 quantity 2→0"),
		ch("C/19/0 price 10→12"),
		ch("G/99/1 quantity 1→2"),
		ch("N/20/2 quantity 0→4"),
	}}
	c := offer(19, "C")
	c.Price = num("11")
	live := Snapshot{Offers: []Offer{offer(17, "A", "1:3"), offer(18, "B", "1:1"), c, offer(20, "N", "1:5")}}
	got := staleStrings(Stale(p, live))
	want := []string{"B quantity expected 2 live 1", "C price expected 10 live 11", "G quantity expected 1 live gone"}
	if !slices.Equal(got, want) {
		t.Errorf("stale\n got %q\nwant %q", got, want)
	}

	msg := (&StaleError{Entries: Stale(p, live)}).Error()
	wantMsg := "stale plan: 3 entries have changed in KeyCRM since: B (offer 18, warehouse 1) quantity expected 2, now 1; " +
		"C (offer 19) price expected 10, now 11; G (offer 99, warehouse 1) quantity expected 1, gone"
	if msg != wantMsg {
		t.Errorf("message\n got %s\nwant %s", msg, wantMsg)
	}
}

func TestStaleErrorShowsFirstEntries(t *testing.T) {
	var e StaleError
	for i := range 8 {
		e.Entries = append(e.Entries, StaleEntry{Change: ch(fmt.Sprintf("S%d/%d/1 quantity 1→2", i, i+1)), Expected: NumberValue(decimal.FromInt(1))})
	}
	if msg := e.Error(); !strings.HasSuffix(msg, "; and 3 more") || strings.Contains(msg, "S5") {
		t.Errorf("message %s", msg)
	}
}

func TestRevert(t *testing.T) {
	applied := []Change{
		ch("B/18/1 quantity 2→0"),
		ch("A/17/1 quantity 3→5"),
		ch("C/19/0 price 10→12"),
		ch("G/99/1 quantity 1→2"),
	}
	c := offer(19, "C")
	c.Price = num("10")
	// A killed run's unanswered batch: D's write landed, E's did not, F's value
	// was changed since by someone else.
	unconfirmed := []Change{
		ch("D/20/1 quantity 4→6"),
		ch("E/21/1 quantity 4→6"),
		ch("F/22/1 quantity 4→6"),
	}
	live := Snapshot{Offers: []Offer{offer(17, "A", "1:5"), offer(18, "B", "1:1"), c,
		offer(20, "D", "1:6"), offer(21, "E", "1:4"), offer(22, "F", "1:9")}}
	p, stale := Revert(applied, unconfirmed, live)

	if got, want := changeStrings(p.Changes), []string{"A/17/1 quantity 5→3", "B/18/1 quantity 1→2", "D/20/1 quantity 6→4", "F/22/1 quantity 9→4"}; !slices.Equal(got, want) {
		t.Errorf("changes\n got %q\nwant %q", got, want)
	}
	// C already holds what the run replaced (a killed revert restored it): done,
	// not stale.
	want := []string{"B quantity expected 0 live 1", "G quantity expected 2 live gone", "F quantity expected 6 live 9"}
	if got := staleStrings(stale); !slices.Equal(got, want) {
		t.Errorf("stale\n got %q\nwant %q", got, want)
	}
	if got, want := summaryString(p.Summary), "matched 6 unchanged 2 changes 4 zeroed 0 mit 0 mis null dups 0 problems 0"; got != want {
		t.Errorf("summary %s, want %s", got, want)
	}
	if p.Command != CmdRevert || !slices.Equal(p.Target.WarehouseIDs, []int64{1}) {
		t.Errorf("command %s, warehouses %v", p.Command, p.Target.WarehouseIDs)
	}
}

func TestZeroesMissing(t *testing.T) {
	target := Snapshot{Complete: true, Offers: []Offer{offer(1, "A", "1:1"), offer(2, "C", "1:3")}}
	for _, zero := range []bool{false, true} {
		p, err := Compute(feed(t, IndexOptions{Warehouse: 1}, row{sku: "A", qty: "1"}), target, Options{Command: CmdPushStock, MissingZero: zero})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.ZeroesMissing(); got != zero {
			t.Errorf("--missing zero %v: ZeroesMissing = %v", zero, got)
		}
	}
}
