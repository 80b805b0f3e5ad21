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
// spoil their availability, currency and parent SKU builds what a new Builder builds for
// each record alone.
func TestBuilderMemo(t *testing.T) {
	type rec struct{ available, currency, parent string }
	recs := []rec{
		{"true", "UAH", "G"}, {"true", "UAH", "G"}, {"false", "грн", " G "}, {"false", "грн", "H"}, {"maybe", "usd", "H"}, {"maybe", "usd", ""},
		{"", "", ""}, {" ", " ", " "}, {"true", "UAH", "G"}, {"1", "€", "\u00a0G"}, {"maybe", "UAH", "G"}, {"true", "", "G"},
	}
	build := func(b *Builder, r rec) (catalog.Item, []catalog.Problem) {
		b.Reset("feed.xml", "offers/offer", 3)
		b.Set(fieldmap.SKU, Value{Text: []byte("A-1"), Found: true})
		b.Set(fieldmap.Available, Value{Text: []byte(r.available), Line: 3, Col: "@available", Found: true})
		b.Set(fieldmap.Currency, Value{Text: []byte(r.currency), Line: 4, Col: "currencyId", Found: true})
		b.Set(fieldmap.ParentSKU, Value{Text: []byte(r.parent), Line: 3, Col: "@group_id", Found: true})
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

// TestArena: values kept stay as they were while the arena grows, a value's
// copy does not change with the buffer it was copied from (the decoder's,
// overwritten by the next token), and the first value not blank is kept.
func TestArena(t *testing.T) {
	var a Arena
	src := []byte("0123456789")
	var kept [][]byte
	for i := range 1000 {
		kept = append(kept, a.Keep(src[:i%10]))
	}
	for i, k := range kept {
		if string(k) != "0123456789"[:i%10] {
			t.Fatalf("value %d = %q", i, k)
		}
	}
	var v Value
	v.Set(&a, []byte(" "), 1, "x")
	v.Set(&a, src[:3], 2, "y")
	src[0] = 'z'
	v.Set(&a, []byte("later"), 3, "z")
	if string(v.Text) != "012" || v.Line != 2 || v.Col != "y" {
		t.Errorf("value %+v", v)
	}
}
