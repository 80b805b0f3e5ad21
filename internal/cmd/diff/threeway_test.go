package diff

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/render"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

func snap(stock map[string]string, excluded ...string) plan.Snapshot {
	s := plan.Snapshot{Excluded: map[string]bool{}}
	for sku, q := range stock {
		st := plan.Stock{Unknown: q == ""}
		if q != "" {
			st.Quantity = decimal.MustParse(q)
		}
		s.Offers = append(s.Offers, plan.Offer{SKU: sku, Total: st})
	}
	for _, sku := range excluded {
		s.Excluded[sku] = true
	}
	return s
}

func TestCompareSides(t *testing.T) {
	r := compareSides([]side{
		newSide("erp.csv", snap(map[string]string{"A": "1", "B": "2", "C": "3", "D": "4", "E": ""}), 0, false),
		newSide("shop", snap(map[string]string{"A": "1.0", "B": "2", "C": "3", "E": ""}, "F"), 0, false),
		newSide("keycrm", snap(map[string]string{"A": "1", "B": "5", "E": "", "F": "1"}), 0, false),
	}, false, false)
	want := map[string]string{
		"A": "same everywhere",
		"B": "differs",
		"C": "only in erp.csv and shop",
		"D": "only in erp.csv",
		"E": "same everywhere",
		"F": "left out in shop",
	}
	if len(r.SKUs) != len(want) {
		t.Fatalf("%d verdicts, want %d: %+v", len(r.SKUs), len(want), r.SKUs)
	}
	for _, v := range r.SKUs {
		if v.Verdict != want[v.SKU] {
			t.Errorf("%s: %q, want %q", v.SKU, v.Verdict, want[v.SKU])
		}
	}
	if r.InSync {
		t.Error("in sync despite differences")
	}
	var buf bytes.Buffer
	if err := render.Write(&buf, render.FormatJSON, r.view()); err != nil {
		t.Fatal(err)
	}
	var back threeWayReport
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if b := back.SKUs[1]; b.SKU != "B" || *b.Values[0] != "2" || *b.Values[2] != "5" || back.Locations[1] != "shop" {
		t.Errorf("JSON B = %+v, locations %v", b, back.Locations)
	}
	if e := back.SKUs[4]; e.Values[0] != nil {
		t.Errorf("an unknown quantity is %q in JSON, want null", *e.Values[0])
	}
}

func TestCompareSidesInSync(t *testing.T) {
	s := map[string]string{"A": "1", "B": "0"}
	r := compareSides([]side{newSide("a", snap(s), 0, false), newSide("b", snap(s), 0, false), newSide("c", snap(s), 0, false)}, false, false)
	if !r.InSync || r.summary() != "diff: 2 SKUs: 2 same everywhere, 0 differ, 0 only in some locations, 0 left out" {
		t.Errorf("in sync %v, %s", r.InSync, r.summary())
	}
}

func TestCompareSidesIgnore(t *testing.T) {
	sides := []side{
		newSide("from", snap(map[string]string{"A": "1", "B": "2"}), 0, false),
		newSide("against", snap(map[string]string{"A": "1", "C": "2"}), 0, false),
		newSide("keycrm", snap(map[string]string{"A": "1", "C": "2"}), 0, false),
	}
	for _, tt := range []struct {
		source, target, inSync bool
	}{{false, false, false}, {true, false, false}, {false, true, false}, {true, true, true}} {
		r := compareSides(sides, tt.source, tt.target)
		if r.InSync != tt.inSync || r.SKUs[1].Ignored != tt.target || r.SKUs[2].Ignored != tt.source {
			t.Errorf("ignore source %v target %v: in sync %v, verdicts %+v", tt.source, tt.target, r.InSync, r.SKUs)
		}
	}
}

func TestAvailableSide(t *testing.T) {
	s := plan.Snapshot{Offers: []plan.Offer{
		{SKU: "A", Total: plan.Stock{Quantity: decimal.FromInt(5), Reserve: decimal.FromInt(2)}},
		{SKU: "B", Stock: map[int64]plan.Stock{3: {Quantity: decimal.FromInt(1), Reserve: decimal.FromInt(4)}}},
	}}
	if got := newSide("keycrm", s, 0, true).stock["A"].Quantity.String(); got != "3" {
		t.Errorf("A available = %s, want 3", got)
	}
	if got := newSide("keycrm", s, 3, true).stock["B"].Quantity.String(); got != "0" {
		t.Errorf("B available in warehouse 3 = %s, want 0 (reserve above stock)", got)
	}
}
