package plan

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

// TestComputeRules proves the planning rules of cli.md sections 3 and 4, one row per
// rule.
func TestComputeRules(t *testing.T) {
	wh1 := IndexOptions{Warehouse: 1}
	complete := func(offers ...Offer) Snapshot { return Snapshot{Complete: true, Offers: offers} }
	priced := func(o Offer, price, purchased string) Offer {
		o.Price, o.PurchasedPrice = num(price), num(purchased)
		return o
	}
	named := func(o Offer, name string) Offer { o.Name = name; return o }
	tests := []struct {
		rule     string
		cmd      string // default push-stock
		index    IndexOptions
		opt      Options
		rows     []row
		against  []row // diff --against: the target is this source
		target   Snapshot
		changes  []string
		mit      []string
		mis      []string // nil: expected null
		dups     []string
		problems []string
		whs      string // Target.WarehouseIDs, when checked
		summary  string
	}{
		{
			rule:    "matched items with a new quantity change, the others are unchanged",
			index:   wh1,
			rows:    []row{{sku: "A", qty: "5"}, {sku: "B", qty: "3"}},
			target:  complete(offer(17, "A", "1:3"), offer(18, "B", "1:3")),
			changes: []string{"A/17/1 quantity 3→5"},
			mis:     []string{},
			whs:     "[1]",
			summary: "matched 2 unchanged 1 changes 1 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:    "the same item twice is a duplicate: all its rows are left out and reported",
			index:   wh1,
			rows:    []row{{sku: "D", qty: "1"}, {sku: "A", qty: "4"}, {sku: "D", qty: "2"}, {sku: "D", qty: "3"}},
			target:  complete(offer(1, "D", "1:9"), offer(2, "A", "1:4")),
			mis:     []string{},
			dups:    []string{"D rows [2 4 5]"},
			summary: "matched 1 unchanged 1 changes 0 zeroed 0 mit 0 mis 0 dups 1 problems 0",
		},
		{
			rule:    "missing zero never zeroes a SKU the source holds as a duplicate",
			index:   wh1,
			opt:     Options{MissingZero: true},
			rows:    []row{{sku: "D", qty: "1"}, {sku: "A", qty: "4"}, {sku: "D", qty: "2"}},
			target:  complete(offer(1, "D", "1:9"), offer(2, "A", "1:4")),
			mis:     []string{},
			dups:    []string{"D rows [2 4]"},
			summary: "matched 1 unchanged 1 changes 0 zeroed 0 mit 0 mis 0 dups 1 problems 0",
		},
		{
			rule:     "a problem row's SKU is never missing in source, so missing zero never zeroes it",
			index:    wh1,
			opt:      Options{MissingZero: true},
			rows:     []row{{sku: "E", qty: "abc", problem: "not a number"}, {sku: "A", qty: "4"}},
			target:   complete(offer(1, "E", "1:7"), offer(2, "A", "1:4")),
			mis:      []string{},
			problems: []string{"2 E quantity: not a number"},
			summary:  "matched 1 unchanged 1 changes 0 zeroed 0 mit 0 mis 0 dups 0 problems 1",
		},
		{
			rule:    "an unknown quantity is never a change and never zeroed",
			index:   wh1,
			opt:     Options{MissingZero: true},
			rows:    []row{{sku: "U"}, {sku: "A", qty: "4"}},
			target:  complete(offer(1, "U", "1:7"), offer(2, "A", "1:4")),
			mis:     []string{},
			summary: "matched 2 unchanged 2 changes 0 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:     "a SKU with a problem row is left out whole: neither matched nor unchanged, nor missing",
			index:    wh1,
			rows:     []row{{sku: "H", wh: "Київ", qty: "3"}, {sku: "H", qty: "-1", problem: "negative quantity"}},
			target:   complete(offer(1, "H", "1:10")),
			mis:      []string{},
			problems: []string{"3 H quantity: negative quantity"},
			summary:  "matched 0 unchanged 0 changes 0 zeroed 0 mit 0 mis 0 dups 0 problems 1",
		},
		{
			rule:    "KeyCRM offers with a null or empty SKU are never matched, listed or zeroed",
			index:   wh1,
			opt:     Options{MissingZero: true},
			rows:    []row{{sku: "A", qty: "4"}},
			target:  complete(offer(1, "", "1:5"), offer(2, "A", "1:4"), offer(3, "", "1:1")),
			mis:     []string{},
			summary: "matched 1 unchanged 1 changes 0 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:    "a SKU held by several KeyCRM offers is a target duplicate: listed, neither matched nor missing",
			index:   wh1,
			rows:    []row{{sku: "T", qty: "5"}, {sku: "A", qty: "1"}},
			target:  complete(offer(3, "T", "1:1"), offer(2, "T", "1:1"), offer(4, "A", "1:1")),
			mis:     []string{},
			dups:    []string{"T offers [2 3]"},
			summary: "matched 1 unchanged 1 changes 0 zeroed 0 mit 0 mis 0 dups 1 problems 0",
		},
		{
			rule:    "a target duplicate absent from the source is not missing in source and not zeroed",
			index:   wh1,
			opt:     Options{MissingZero: true},
			rows:    []row{{sku: "A", qty: "1"}},
			target:  complete(offer(5, "Z", "1:3"), offer(6, "Z", "1:4"), offer(4, "A", "1:1")),
			mis:     []string{},
			dups:    []string{"Z offers [5 6]"},
			summary: "matched 1 unchanged 1 changes 0 zeroed 0 mit 0 mis 0 dups 1 problems 0",
		},
		{
			rule:  "a warehouse map adds up the source warehouses mapped to one KeyCRM warehouse",
			index: IndexOptions{WarehouseMap: map[string]int64{"Київ": 1, "Бровари": 1, "Львів": 2}},
			rows: []row{{sku: "A", wh: "Київ", qty: "2"}, {sku: "A", wh: "Бровари", qty: "3"},
				{sku: "A", wh: "Львів", qty: "4"}},
			target:  complete(offer(7, "A", "1:5", "2:1")),
			changes: []string{"A/7/2 quantity 1→4"},
			mis:     []string{},
			whs:     "[1 2]",
			summary: "matched 2 unchanged 1 changes 1 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:  "rows of unmapped warehouses are no problems, never written, and their SKUs are seen",
			index: IndexOptions{WarehouseMap: map[string]int64{"Київ": 1}},
			opt:   Options{MissingZero: true},
			rows: []row{{sku: "A", wh: "Київ", qty: "2"}, {sku: "A", wh: "Одеса", qty: "9"},
				{sku: "B", wh: "Одеса", qty: "1"}},
			target:  complete(offer(1, "A", "1:2"), offer(2, "B", "1:5")),
			mis:     []string{},
			summary: "matched 1 unchanged 1 changes 0 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:  "map keys match the source warehouse's name before its id",
			index: IndexOptions{WarehouseMap: map[string]int64{"Основний": 1, "wh-2": 2}},
			rows: []row{{sku: "A", wh: "wh-1", whName: "Основний", qty: "3"},
				{sku: "A", wh: "wh-2", whName: "Запасний", qty: "4"}},
			target:  complete(offer(1, "A", "1:0", "2:0")),
			changes: []string{"A/1/1 quantity 0→3", "A/1/2 quantity 0→4"},
			mis:     []string{},
			summary: "matched 2 unchanged 0 changes 2 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:    "a per-warehouse source given --warehouse sends each SKU's total",
			index:   wh1,
			rows:    []row{{sku: "A", wh: "Київ", qty: "2"}, {sku: "A", wh: "Львів", qty: "3.5"}},
			target:  complete(offer(1, "A", "1:1")),
			changes: []string{"A/1/1 quantity 1→5.5"},
			mis:     []string{},
			summary: "matched 1 unchanged 0 changes 1 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:    "a row without a warehouse and a warehouse's row landing on one KeyCRM warehouse are a duplicate",
			index:   wh1,
			opt:     Options{MissingZero: true},
			rows:    []row{{sku: "A", qty: "0"}, {sku: "A", wh: "Київ", qty: "13"}, {sku: "B", qty: "1"}},
			target:  complete(offer(1, "A", "1:5"), offer(2, "B", "1:1")),
			mis:     []string{},
			dups:    []string{"A rows [2 3]"},
			summary: "matched 1 unchanged 1 changes 0 zeroed 0 mit 0 mis 0 dups 1 problems 0",
		},
		{
			rule:  "after routing, only the KeyCRM warehouse two items land on loses its item",
			index: IndexOptions{WarehouseMap: map[string]int64{"Київ": 1, "Бровари": 1, "Львів": 2}},
			rows: []row{{sku: "A", wh: "Київ", qty: "2"}, {sku: "A", wh: "Бровари", qty: "3"},
				{sku: "A", wh: "Львів", qty: "4"}, {sku: "A", wh: "Львів", qty: "1"}},
			target:  complete(offer(7, "A", "1:1", "2:1")),
			changes: []string{"A/7/1 quantity 1→5"},
			mis:     []string{},
			dups:    []string{"A in Львів rows [4 5]"},
			whs:     "[1 2]",
			summary: "matched 1 unchanged 0 changes 1 zeroed 0 mit 0 mis 0 dups 1 problems 0",
		},
		{
			rule:    "one unknown warehouse row makes the SKU's total unknown",
			index:   wh1,
			rows:    []row{{sku: "A", wh: "Київ", qty: "2"}, {sku: "A", wh: "Львів"}},
			target:  complete(offer(1, "A", "1:9")),
			mis:     []string{},
			summary: "matched 1 unchanged 1 changes 0 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:  "a duplicate in one source warehouse leaves the SKU's total out",
			index: wh1,
			rows: []row{{sku: "A", wh: "Київ", qty: "2"}, {sku: "A", wh: "Київ", qty: "3"},
				{sku: "A", wh: "Львів", qty: "4"}},
			target:  complete(offer(1, "A", "1:0")),
			mis:     []string{},
			dups:    []string{"A in Київ rows [2 3]"},
			summary: "matched 0 unchanged 0 changes 0 zeroed 0 mit 0 mis 0 dups 1 problems 0",
		},
		{
			rule:    "missing keep lists KeyCRM offers absent from the source and source items absent from KeyCRM",
			index:   wh1,
			rows:    []row{{sku: "A", qty: "1"}, {sku: "B", qty: "2"}},
			target:  complete(offer(1, "A", "1:1"), offer(44, "C", "1:3")),
			mit:     []string{"B"},
			mis:     []string{"C#44"},
			summary: "matched 1 unchanged 1 changes 0 zeroed 0 mit 1 mis 1 dups 0 problems 0",
		},
		{
			rule:    "missing_in_source is null when only the source's SKUs were read",
			index:   wh1,
			rows:    []row{{sku: "A", qty: "1"}},
			target:  Snapshot{Offers: []Offer{offer(1, "A", "1:1"), offer(44, "C", "1:3")}},
			summary: "matched 1 unchanged 1 changes 0 zeroed 0 mit 0 mis null dups 0 problems 0",
		},
		{
			rule:    "missing_in_source is null for a delta source",
			index:   wh1,
			opt:     Options{Delta: true},
			rows:    []row{{sku: "A", qty: "1"}},
			target:  complete(offer(1, "A", "1:1"), offer(44, "C", "1:3")),
			summary: "matched 1 unchanged 1 changes 0 zeroed 0 mit 0 mis null dups 0 problems 0",
		},
		{
			rule:    "missing zero sets offers absent from the source to 0 where they hold stock; zeroed items count in changes and in zeroed, not in matched",
			index:   wh1,
			opt:     Options{MissingZero: true},
			rows:    []row{{sku: "A", qty: "1"}, {sku: "B", qty: "1"}},
			target:  complete(offer(1, "A", "1:2"), offer(2, "B", "1:1"), offer(44, "C", "1:3"), offer(45, "Z", "1:0"), offer(46, "N")),
			changes: []string{"A/1/1 quantity 2→1", "C/44/1 quantity 3→0"},
			mis:     []string{"C#44", "N#46", "Z#45"},
			summary: "matched 2 unchanged 1 changes 2 zeroed 1 mit 0 mis 3 dups 0 problems 0",
		},
		{
			rule:    "missing zero with a map zeroes every mapped KeyCRM warehouse and no other",
			index:   IndexOptions{WarehouseMap: map[string]int64{"Київ": 1, "Львів": 2}},
			opt:     Options{MissingZero: true},
			rows:    []row{{sku: "A", wh: "Київ", qty: "1"}},
			target:  complete(offer(1, "A", "1:1"), offer(2, "C", "1:3", "2:4", "3:5")),
			changes: []string{"C/2/1 quantity 3→0", "C/2/2 quantity 4→0"},
			mis:     []string{"C#2"},
			summary: "matched 1 unchanged 1 changes 2 zeroed 2 mit 0 mis 1 dups 0 problems 0",
		},
		{
			rule:    "items missing in KeyCRM are listed per item, with the warehouse when routing by map",
			index:   IndexOptions{WarehouseMap: map[string]int64{"Київ": 1, "Львів": 2}},
			rows:    []row{{sku: "B", wh: "Київ", qty: "1"}, {sku: "B", wh: "Львів", qty: "2"}},
			target:  complete(),
			mit:     []string{"B@1", "B@2"},
			mis:     []string{},
			summary: "matched 0 unchanged 0 changes 0 zeroed 0 mit 2 mis 0 dups 0 problems 0",
		},
		{
			rule:    "an offer with no stock entry in the warehouse holds 0 there",
			index:   IndexOptions{Warehouse: 2},
			rows:    []row{{sku: "A", qty: "3"}, {sku: "Z", qty: "0"}},
			target:  complete(offer(1, "A", "1:3"), offer(2, "Z", "1:5")),
			changes: []string{"A/1/2 quantity 0→3"},
			mis:     []string{},
			summary: "matched 2 unchanged 1 changes 1 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:    "diff without a warehouse option compares KeyCRM's total over all warehouses",
			cmd:     CmdDiff,
			rows:    []row{{sku: "A", wh: "Київ", qty: "2"}, {sku: "A", wh: "Львів", qty: "3"}, {sku: "B", wh: "Київ", qty: "4"}},
			target:  complete(offer(1, "A", "1:4", "2:1"), offer(2, "B", "1:1", "2:1")),
			changes: []string{"B/2/0 quantity 2→4"},
			mis:     []string{},
			whs:     "[]",
			summary: "matched 2 unchanged 1 changes 1 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:    "diff compares on-hand stock by default, reserve included",
			cmd:     CmdDiff,
			rows:    []row{{sku: "A", qty: "3"}},
			target:  complete(offer(1, "A", "1:5/2")),
			changes: []string{"A/1/0 quantity 5→3"},
			mis:     []string{},
			summary: "matched 1 unchanged 0 changes 1 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:    "diff --stock available is quantity minus reserve over the warehouses, floored at 0",
			cmd:     CmdDiff,
			opt:     Options{Stock: Available},
			rows:    []row{{sku: "A", qty: "3"}, {sku: "B", qty: "0"}, {sku: "C", qty: "1"}},
			target:  complete(offer(1, "A", "1:5/2"), offer(2, "B", "1:1/4"), offer(3, "C", "1:2/0", "2:4/3")),
			changes: []string{"C/3/0 quantity 3→1"},
			mis:     []string{},
			summary: "matched 3 unchanged 2 changes 1 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:    "diff --warehouse compares that warehouse only",
			cmd:     CmdDiff,
			index:   IndexOptions{Warehouse: 2},
			rows:    []row{{sku: "A", qty: "3"}},
			target:  complete(offer(1, "A", "1:3", "2:1")),
			changes: []string{"A/1/2 quantity 1→3"},
			mis:     []string{},
			whs:     "[2]",
			summary: "matched 1 unchanged 0 changes 1 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:    "numbers compare by value: 5 = 5.000 and 20.25 = 20.250 are no change",
			cmd:     CmdDiff,
			index:   IndexOptions{Fields: []string{"price"}},
			opt:     Options{Fields: []string{"quantity", "price"}},
			rows:    []row{{sku: "A", qty: "5.000", price: "20.250"}},
			target:  complete(priced(offer(1, "A", "1:5"), "20.25", "")),
			mis:     []string{},
			summary: "matched 1 unchanged 1 changes 0 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:  "diff compares prices once per SKU, with no warehouse id; an unknown price is no change",
			cmd:   CmdDiff,
			index: IndexOptions{Fields: []string{"price", "purchased_price"}},
			opt:   Options{Fields: []string{"purchased_price", "quantity", "price"}},
			rows: []row{{sku: "A", qty: "5", price: "10", purchased: "7"},
				{sku: "B", qty: "1", price: "3"}},
			target:  complete(priced(offer(1, "A", "1:5"), "12", "7"), priced(offer(2, "B", "1:1"), "", "2")),
			changes: []string{"A/1/0 price 12→10"},
			mis:     []string{},
			summary: "matched 2 unchanged 1 changes 1 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:  "diff compares a feed's in-stock flag with KeyCRM's available stock (quantity minus reserve above 0); unknown is no change",
			cmd:   CmdDiff,
			index: IndexOptions{Fields: []string{"available"}},
			opt:   Options{Fields: []string{"available"}},
			rows: []row{{sku: "A", available: "yes"}, {sku: "B", available: "yes"}, {sku: "C", available: "no"},
				{sku: "D"}},
			target: complete(offer(1, "A", "1:2/2"), offer(2, "B", "1:1", "2:5/5"), offer(3, "C", "1:0"),
				offer(4, "D", "1:0")),
			changes: []string{"A/1/0 available no→yes"},
			mis:     []string{},
			summary: "matched 4 unchanged 3 changes 1 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:  "per-SKU field changes count towards the SKU's first item",
			cmd:   CmdDiff,
			index: IndexOptions{WarehouseMap: map[string]int64{"K": 1, "L": 2}, Fields: []string{"price"}},
			opt:   Options{Fields: []string{"quantity", "price"}},
			rows: []row{{sku: "A", wh: "K", qty: "1", price: "10"},
				{sku: "A", wh: "L", qty: "2", price: "10"}},
			target:  complete(priced(offer(1, "A", "1:1", "2:0"), "9", "")),
			changes: []string{"A/1/0 price 9→10", "A/1/2 quantity 0→2"},
			mis:     []string{},
			summary: "matched 2 unchanged 0 changes 2 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:    "diff compares names as text",
			cmd:     CmdDiff,
			index:   IndexOptions{Fields: []string{"name"}},
			opt:     Options{Fields: []string{"name"}},
			rows:    []row{{sku: "A", qty: "1", name: "Чай & кава"}, {sku: "B", qty: "1", name: "Same"}},
			target:  complete(named(offer(1, "A"), "Чай"), named(offer(2, "B"), "Same")),
			changes: []string{"A/1/0 name Чай→Чай & кава"},
			mis:     []string{},
			summary: "matched 2 unchanged 1 changes 1 zeroed 0 mit 0 mis 0 dups 0 problems 0",
		},
		{
			rule:  "rows of one SKU that disagree on a per-SKU field leave it unknown and report it",
			cmd:   CmdDiff,
			index: IndexOptions{WarehouseMap: map[string]int64{"K": 1, "L": 2}, Fields: []string{"price"}},
			opt:   Options{Fields: []string{"price"}},
			rows: []row{{sku: "A", wh: "K", qty: "1", price: "10"}, {sku: "A", wh: "L", qty: "1", price: "11"},
				{sku: "A", wh: "L2", qty: "1", price: "10"}},
			target:   complete(priced(offer(1, "A", "1:1"), "9", "")),
			mis:      []string{},
			problems: []string{"2 A price: the rows of this SKU give different values; left unknown"},
			summary:  "matched 2 unchanged 2 changes 0 zeroed 0 mit 0 mis 0 dups 0 problems 1",
		},
		{
			rule:     "a sum beyond the decimal range is a problem, never a panic",
			index:    wh1,
			rows:     []row{{sku: "A", wh: "K", qty: "5000000000000000000"}, {sku: "A", wh: "L", qty: "5e18"}},
			target:   complete(offer(1, "A", "1:1")),
			mis:      []string{},
			problems: []string{"2 A quantity: the quantities of this SKU add up beyond the number range"},
			summary:  "matched 1 unchanged 1 changes 0 zeroed 0 mit 0 mis 0 dups 0 problems 1",
		},
		{
			rule:     "an available figure beyond the decimal range is a problem, never a panic",
			cmd:      CmdDiff,
			opt:      Options{Stock: Available, Target: Target{Location: "keycrm"}},
			rows:     []row{{sku: "A", qty: "1"}},
			target:   complete(offer(1, "A", "1:-5000000000000000000/5000000000000000000")),
			mis:      []string{},
			problems: []string{"0 A quantity: available = -5000000000000000000 - 5000000000000000000: number out of range"},
			summary:  "matched 1 unchanged 1 changes 0 zeroed 0 mit 0 mis 0 dups 0 problems 1",
		},
		{
			rule:     "an empty SKU is a problem row",
			index:    wh1,
			rows:     []row{{sku: " \u00a0", qty: "1"}, {sku: "A", qty: "1"}},
			target:   complete(offer(1, "A", "1:1")),
			mis:      []string{},
			problems: []string{"2  sku: empty SKU"},
			summary:  "matched 1 unchanged 1 changes 0 zeroed 0 mit 0 mis 0 dups 0 problems 1",
		},
		{
			rule: "diff --against compares two sources: no offer ids, the target side's duplicates and problem SKUs are excluded",
			cmd:  CmdDiff,
			rows: []row{{sku: "A", qty: "5"}, {sku: "B", qty: "2"}, {sku: "C", qty: "1"}, {sku: "X", qty: "1"}},
			against: []row{{sku: "A", qty: "4"}, {sku: "B", qty: "2"}, {sku: "B", qty: "3"}, {sku: "E", qty: "9"},
				{sku: "X", qty: "?", problem: "not a number"}},
			changes:  []string{"A/0/0 quantity 4→5"},
			mit:      []string{"C"},
			mis:      []string{"E"},
			dups:     []string{"B rows [3 4] (target)"},
			problems: []string{"6 X quantity: not a number"},
			summary:  "matched 1 unchanged 0 changes 1 zeroed 0 mit 1 mis 1 dups 1 problems 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			cmd := tt.cmd
			if cmd == "" {
				cmd = CmdPushStock
			}
			target := tt.target
			if tt.against != nil {
				var err error
				if target, err = feed(t, tt.index, tt.against...).AsTarget(); err != nil {
					t.Fatal(err)
				}
			}
			tt.opt.Command = cmd
			p, err := Compute(feed(t, tt.index, tt.rows...), target, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, got, want []string) {
				t.Helper()
				if want == nil {
					want = []string{}
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s:\n got %q\nwant %q", what, got, want)
				}
			}
			check("changes", changeStrings(p.Changes), tt.changes)
			check("missing_in_target", missingStrings(p.MissingInTarget), tt.mit)
			check("duplicates", dupStrings(p.Duplicates), tt.dups)
			check("problems", problemStrings(p.Problems), tt.problems)
			if tt.mis == nil {
				if p.MissingInSource != nil {
					t.Errorf("missing_in_source = %q, want null", missingStrings(p.MissingInSource))
				}
			} else {
				check("missing_in_source", missingStrings(p.MissingInSource), tt.mis)
			}
			if got := summaryString(p.Summary); got != tt.summary {
				t.Errorf("summary:\n got %s\nwant %s", got, tt.summary)
			}
			if p.Source.Items != p.Summary.Matched+p.Summary.MissingInTarget {
				t.Errorf("source.items = %d, want matched + missing_in_target = %d", p.Source.Items, p.Summary.Matched+p.Summary.MissingInTarget)
			}
			if tt.whs != "" {
				if got := fmt.Sprint(p.Target.WarehouseIDs); got != tt.whs {
					t.Errorf("warehouse_ids = %s, want %s", got, tt.whs)
				}
			}
		})
	}
}

// TestComputeRefuses proves the option combinations Compute refuses before planning.
func TestComputeRefuses(t *testing.T) {
	complete := Snapshot{Complete: true}
	tests := []struct {
		rule   string
		index  IndexOptions
		opt    Options
		target Snapshot
		want   error
	}{
		{rule: "missing zero is refused for a delta source", index: IndexOptions{Warehouse: 1},
			opt: Options{MissingZero: true, Delta: true}, target: complete, want: ErrMissingZeroDelta},
		{rule: "missing zero needs the whole catalogue", index: IndexOptions{Warehouse: 1},
			opt: Options{MissingZero: true}, want: ErrMissingZeroIncomplete},
		{rule: "only fields the index kept are compared", opt: Options{Fields: []string{"price"}}},
		{rule: "only known fields are compared", opt: Options{Fields: []string{"colour"}}},
		{rule: "the stock figure is on-hand or available", opt: Options{Stock: "reserved"}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			p, err := Compute(feed(t, tt.index, row{sku: "A", qty: "1"}), tt.target, tt.opt)
			if err == nil {
				t.Fatalf("planned %+v, want an error", p.Summary)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %q, want %q", err, tt.want)
			}
		})
	}
}

// TestIndexRefuses proves the index's own usage errors.
func TestIndexRefuses(t *testing.T) {
	for _, tt := range []struct {
		rule string
		opt  IndexOptions
		want error
	}{
		{"--warehouse and --warehouse-map together", IndexOptions{Warehouse: 1, WarehouseMap: map[string]int64{"K": 2}}, ErrWarehouseOptions},
		{"a map to a non-positive id", IndexOptions{WarehouseMap: map[string]int64{"K": 0}}, nil},
		{"a map with an empty name", IndexOptions{WarehouseMap: map[string]int64{" ": 1}}, nil},
		{"a negative warehouse", IndexOptions{Warehouse: -1}, nil},
		{"an unknown field", IndexOptions{Fields: []string{"colour"}}, nil},
	} {
		t.Run(tt.rule, func(t *testing.T) {
			_, err := NewIndex(tt.opt)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("a map for a source without a warehouse field", func(t *testing.T) {
		x, err := NewIndex(IndexOptions{WarehouseMap: map[string]int64{"K": 1}})
		if err != nil {
			t.Fatal(err)
		}
		if err := x.Item(&catalog.Item{SKU: "A", Quantity: num("1")}); err != nil {
			t.Fatal(err)
		}
		if err := x.Finish(); !errors.Is(err, ErrNoWarehouseField) {
			t.Errorf("Finish: %v, want %v", err, ErrNoWarehouseField)
		}
		if err := x.Item(&catalog.Item{SKU: "B"}); err == nil {
			t.Error("Item after Finish: no error")
		}
	})
}

// TestDiffers proves diff's verdict: every change, every missing SKU and every item
// left out for a duplicate or a problem counts unless its class is ignored.
func TestDiffers(t *testing.T) {
	withChange, withMIT, withMIS := &Plan{}, &Plan{}, &Plan{}
	withChange.Changes = []Change{{SKU: "A"}}
	withMIT.MissingInTarget = []Missing{{SKU: "B"}}
	withMIS.MissingInSource = []Missing{{SKU: "C"}}
	withDup := &Plan{Duplicates: []Duplicate{{SKU: "D"}}}
	withProblem := &Plan{Problems: []catalog.Problem{{Row: 2}}}
	all := Ignore{MissingInSource: true, MissingInTarget: true, Duplicates: true, Problems: true}
	for _, tt := range []struct {
		name string
		p    *Plan
		ign  Ignore
		want bool
	}{
		{"no difference", &Plan{}, Ignore{}, false},
		{"a change", withChange, all, true},
		{"missing in target", withMIT, Ignore{}, true},
		{"missing in target ignored", withMIT, Ignore{MissingInTarget: true}, false},
		{"missing in source", withMIS, Ignore{}, true},
		{"missing in source ignored", withMIS, Ignore{MissingInSource: true}, false},
		{"a duplicate", withDup, Ignore{Problems: true}, true},
		{"a duplicate ignored", withDup, Ignore{Duplicates: true}, false},
		{"a problem", withProblem, Ignore{Duplicates: true}, true},
		{"a problem ignored", withProblem, Ignore{Problems: true}, false},
	} {
		if got := tt.p.Differs(tt.ign); got != tt.want {
			t.Errorf("%s: Differs = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// The index is what readers stream into.
var _ connector.Sink = (*Index)(nil)

// SKUs names what to look up in KeyCRM: SKUs with a planned item, not those held
// only as duplicates or problem rows.
func TestIndexSKUs(t *testing.T) {
	x := feed(t, IndexOptions{Warehouse: 1},
		row{sku: "B", qty: "1"},
		row{sku: "A", qty: ""},
		row{sku: "D", qty: "1"}, row{sku: "D", qty: "2"},
		row{sku: "P", qty: "x", problem: "not a number"},
	)
	if got := strings.Join(x.SKUs(), ","); got != "A,B" {
		t.Fatalf("SKUs = %s, want A,B", got)
	}
}

// A shop export lists a variable product before its variations; the parent has no
// stock of its own and KeyCRM holds only the variations as offers. A parent that does
// carry a quantity is an item like any other.
func TestParentProductsAreNotOffers(t *testing.T) {
	target := Snapshot{Complete: true, Offers: []Offer{offer(1, "TEE-R", "1:1"), offer(2, "TEE-B", "1:3")}}
	x := feed(t, IndexOptions{Warehouse: 1},
		row{sku: "TEE"},
		row{sku: "TEE-R", qty: "2", parent: "TEE"},
		row{sku: "TEE-B", qty: "3", parent: "TEE"},
		row{sku: "CAP", qty: "4"},
		row{sku: "CAP-L", qty: "1", parent: "CAP"},
	)
	p, err := Compute(x, target, Options{Command: CmdDiff})
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, m := range p.MissingInTarget {
		missing = append(missing, m.SKU)
	}
	if !slices.Equal(missing, []string{"CAP", "CAP-L"}) || p.Summary.Matched != 2 || p.Source.Items != 4 {
		t.Errorf("missing in KeyCRM %q, summary %+v, source items %d", missing, p.Summary, p.Source.Items)
	}
	if got := changeStrings(p.Changes); !slices.Equal(got, []string{"TEE-R/1/1 quantity 1→2"}) {
		t.Errorf("changes %q", got)
	}
}

// A target written whole (a file) gets the items it lacks as changes from no value;
// they stay listed, and counted, as missing in the target.
func TestComputeAddMissing(t *testing.T) {
	x := feed(t, IndexOptions{}, row{sku: "A", qty: "3"}, row{sku: "B", qty: "4"}, row{sku: "C", qty: "x", problem: "not a number"})
	target := Snapshot{Complete: true, Offers: []Offer{offer(0, "A", "0:2")}}
	p, err := Compute(x, target, Options{Command: CmdPullStock, AddMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Changes {
		got = append(got, fmt.Sprintf("%s %s→%s null=%v", c.SKU, c.From, c.To, c.From.IsZero()))
	}
	if want := []string{"A 2→3 null=false", "B →4 null=true"}; !slices.Equal(got, want) {
		t.Errorf("changes %q, want %q", got, want)
	}
	if p.Summary.MissingInTarget != 1 || p.Summary.Changes != 1 || p.Summary.Matched != 1 {
		t.Errorf("summary %+v", p.Summary)
	}
	empty := &Plan{}
	empty.CheckGuards(DefaultLimits(), Checks{Empty: true})
	if len(empty.Guards) != 2 || empty.Guards[0].Name != GuardEmptySource || !empty.Guards[0].Tripped || empty.Guards[1].Name != GuardMaxZeroed {
		t.Errorf("guards of a whole-file plan: %+v", empty.Guards)
	}
}

// Unmapped warehouses are one entry each, with their row count, whatever the number
// of rows: the operator chose not to map them.
func TestUnmapped(t *testing.T) {
	x := feed(t, IndexOptions{WarehouseMap: map[string]int64{"Київ": 1}},
		row{sku: "A", wh: "Київ", qty: "2"}, row{sku: "A", wh: "Одеса", qty: "9"},
		row{sku: "B", wh: "Одеса", qty: "1"}, row{sku: "C", wh: "7", whName: "Львів", qty: "1"},
		row{sku: "D", qty: "1"})
	got := fmt.Sprint(x.Unmapped())
	if want := "[{ 1} {Одеса 2} {Львів 1}]"; got != want {
		t.Errorf("Unmapped = %s, want %s", got, want)
	}
	if len(x.problems) != 0 {
		t.Errorf("problems %v, want none", problemStrings(x.problems))
	}
}
