package readflow

import (
	"slices"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
)

func TestStrictNamesEachSide(t *testing.T) {
	api := "http://keycrm.test/v1"
	for _, tt := range []struct {
		name string
		p    plan.Plan
		want string
	}{
		{"clean", plan.Plan{}, ""},
		{"source duplicate and a problem", plan.Plan{
			Duplicates: []plan.Duplicate{{SKU: "A", Rows: []int{2, 3}}},
			Problems:   []catalog.Problem{{Row: 4}},
			Summary:    plan.Summary{Duplicates: 1, Problems: 1},
			Target:     plan.Target{APIURL: &api},
		}, "--strict: the source has 1 duplicate SKU(s), 1 problem row(s)"},
		{"KeyCRM duplicate", plan.Plan{
			Duplicates: []plan.Duplicate{{SKU: "B", OfferIDs: []int64{5, 6}}},
			Summary:    plan.Summary{Duplicates: 1},
			Target:     plan.Target{APIURL: &api},
		}, "--strict: KeyCRM has 1 SKU(s) shared by several items"},
		{"the other file's duplicate", plan.Plan{
			Duplicates: []plan.Duplicate{{SKU: "C", Rows: []int{2, 9}, Side: "target"}},
			Summary:    plan.Summary{Duplicates: 1},
		}, "--strict: the --against side has 1 SKU(s) shared by several items"},
	} {
		err := Strict(&tt.p)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSplitMapList(t *testing.T) {
	for in, want := range map[string][]string{
		"Склад Київ=2,Основний склад=1": {"Склад Київ=2", "Основний склад=1"},
		"Склад 1, Київ=3":               {"Склад 1, Київ=3"},
		"A=1":                           {"A=1"},
		"A=1,B":                         {"A=1,B"},
		"a=b=1,c=2":                     {"a=b=1", "c=2"},
	} {
		if got := splitMapList([]string{in}); !slices.Equal(got, want) {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
