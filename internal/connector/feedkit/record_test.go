package feedkit

import (
	"reflect"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
)

// TestAddImagesSplitsAsFieldmap holds AddImages (with its one-URL shortcut)
// to fieldmap.SplitURLs, capped at catalog.MaxImages.
func TestAddImagesSplitsAsFieldmap(t *testing.T) {
	texts := []string{
		"", " ", ",", "https://a/1.jpg", " https://a/1.jpg ", "https://a/1.jpg,", "https://a/1,2.jpg",
		"https://a/1.jpg,https://a/2.jpg", "https://a/1.jpg; https://a/2.jpg|//a/3.jpg", "a\tb\nc\rd",
	}
	for _, start := range [][]string{nil, {"x"}, {"1", "2", "3", "4", "5"}, {"1", "2", "3", "4", "5", "6"}} {
		for _, text := range texts {
			want := append([]string(nil), start...)
			wantMore := false
			for _, u := range fieldmap.SplitURLs(text) {
				if len(want) == catalog.MaxImages {
					wantMore = true
					break
				}
				want = append(want, u)
			}
			got, more := AddImages(append([]string(nil), start...), text)
			if !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 || more != wantMore {
				t.Errorf("AddImages(%q, %q) = %q, %v; want %q, %v", start, text, got, more, want, wantMore)
			}
		}
	}
}

// TestBuilderMemo: a Builder reused over records that repeat, change and
// spoil their availability and currency builds what a new Builder builds for
// each record alone.
func TestBuilderMemo(t *testing.T) {
	type rec struct{ available, currency string }
	recs := []rec{
		{"true", "UAH"}, {"true", "UAH"}, {"false", "грн"}, {"false", "грн"}, {"maybe", "usd"}, {"maybe", "usd"},
		{"", ""}, {" ", " "}, {"true", "UAH"}, {"1", "€"}, {"maybe", "UAH"}, {"true", ""},
	}
	build := func(b *Builder, r rec) (catalog.Item, []catalog.Problem) {
		b.Reset("feed.xml", "offers/offer", 3)
		b.Set(catalog.FieldSKU, Value{Text: "A-1", Found: true})
		b.Set(catalog.FieldAvailable, Value{Text: r.available, Line: 3, Col: "@available", Found: true})
		b.Set(catalog.FieldCurrency, Value{Text: r.currency, Line: 4, Col: "currencyId", Found: true})
		return b.Item, append([]catalog.Problem(nil), b.problems...)
	}
	var reused Builder
	for i, r := range recs {
		got, gotProblems := build(&reused, r)
		want, wantProblems := build(&Builder{}, r)
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotProblems, wantProblems) {
			t.Errorf("record %d %+v: reused builder gave %+v %v, a new one %+v %v", i, r, got, gotProblems, want, wantProblems)
		}
	}
}
