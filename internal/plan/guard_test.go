package plan

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

func TestParseLimit(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string // the share; "" means refused
	}{
		{"50%", "0.5"},
		{"0.5", "0.5"},
		{"12.5%", "0.125"},
		{" 10 % ", "0.1"},
		{"33.33%", "0.3333"},
		{"0", "0"},
		{"1", "1"},
		{"100%", "1"},
		{"150%", "1.5"}, // accepted: a price may change by more than 100%
		{"50", ""},      // a bare number above 1: 50% or fifty items?
		{"1.5", ""},
		{"abc", ""},
		{"", ""},
		{"%", ""},
		{"-5%", ""},
		{"-0.1", ""},
		{"50%%", ""},
	} {
		l, err := ParseLimit(tt.in)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("ParseLimit(%q) = %s, want an error", tt.in, l.Share())
		case tt.want == "" && !errors.Is(err, ErrLimit):
			t.Errorf("ParseLimit(%q) error %v, want ErrLimit", tt.in, err)
		case tt.want != "" && err != nil:
			t.Errorf("ParseLimit(%q): %v", tt.in, err)
		case tt.want != "" && l.Share() != decimal.MustParse(tt.want):
			t.Errorf("ParseLimit(%q) = %s, want %s", tt.in, l.Share(), tt.want)
		}
	}
	var l Limit
	if err := l.UnmarshalText([]byte("0.125")); err != nil || l.String() != "12.5%" {
		t.Errorf("UnmarshalText(0.125) = %s, %v", l, err)
	}
	if b, err := l.MarshalText(); err != nil || string(b) != "12.5%" {
		t.Errorf("MarshalText = %s, %v", b, err)
	}
	if err := l.UnmarshalText([]byte("50")); err == nil {
		t.Error("UnmarshalText(50): no error")
	}
}

func limit(t *testing.T, s string) Limit {
	t.Helper()
	l, err := ParseLimit(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// guardPlan is a push-stock plan with the given counts; zeroed entries go from 5 to 0
// and priced entries are price changes "from→to".
func guardPlan(matched, changes int, missing *int, zeroed int, priced ...string) *Plan {
	p := &Plan{Command: CmdPushStock}
	p.Summary = Summary{Matched: matched, Changes: changes, MissingInSource: missing}
	p.Source.Items = matched
	for i := 0; i < zeroed; i++ {
		p.Changes = append(p.Changes, Change{SKU: fmt.Sprint("Z", i), Field: "quantity",
			From: NumberValue(decimal.FromInt(5)), To: NumberValue(decimal.Zero)})
	}
	for _, s := range priced {
		from, to, _ := strings.Cut(s, "→")
		p.Changes = append(p.Changes, Change{SKU: "P", Field: "price",
			From: NumberValue(decimal.MustParse(from)), To: NumberValue(decimal.MustParse(to))})
	}
	return p
}

func intp(n int) *int { return &n }

// TestGuards proves each guard at, below and above its limit, with exact maths.
func TestGuards(t *testing.T) {
	tests := []struct {
		rule        string
		p           *Plan
		limits      func(*Limits)
		missingZero bool
		guard       string
		value       string // JSON value
		tripped     bool
	}{
		{rule: "empty-source trips on a source with no valid item", p: guardPlan(0, 0, nil, 0),
			guard: GuardEmptySource, value: "0", tripped: true},
		{rule: "empty-source holds with one valid item", p: guardPlan(1, 0, nil, 0),
			guard: GuardEmptySource, value: "1"},
		{rule: "max-changes below its limit", p: guardPlan(8, 3, nil, 0),
			guard: GuardMaxChanges, value: "0.375"},
		{rule: "max-changes at its limit holds", p: guardPlan(8, 4, nil, 0),
			guard: GuardMaxChanges, value: "0.5"},
		{rule: "max-changes above its limit trips", p: guardPlan(8, 5, nil, 0),
			guard: GuardMaxChanges, value: "0.625", tripped: true},
		{rule: "max-changes uses the exact value: 1/3 is above 33.33%", p: guardPlan(3, 1, nil, 0),
			limits: func(l *Limits) { l.MaxChanges = limit(t, "33.33%") },
			guard:  GuardMaxChanges, value: "0.3333", tripped: true},
		{rule: "max-changes uses the exact value: 1/3 is below 33.34%", p: guardPlan(3, 1, nil, 0),
			limits: func(l *Limits) { l.MaxChanges = limit(t, "33.34%") },
			guard:  GuardMaxChanges, value: "0.3333"},
		{rule: "max-changes trips when nothing matched and something changes", p: guardPlan(0, 2, intp(2), 2),
			limits: func(l *Limits) { l.MaxChanges = limit(t, "150%") },
			guard:  GuardMaxChanges, value: "1", tripped: true},
		{rule: "max-changes holds when nothing matched and nothing changes", p: guardPlan(0, 0, nil, 0),
			guard: GuardMaxChanges, value: "0"},
		{rule: "max-zeroed counts zeroed missing offers over matched plus missing in source: below", p: guardPlan(85, 5, intp(15), 9),
			limits: func(l *Limits) { l.MaxChanges = limit(t, "100%") },
			guard:  GuardMaxZeroed, value: "0.09"},
		{rule: "max-zeroed at its limit holds", p: guardPlan(85, 10, intp(15), 10),
			guard: GuardMaxZeroed, value: "0.1"},
		{rule: "max-zeroed above its limit trips", p: guardPlan(85, 11, intp(15), 11),
			guard: GuardMaxZeroed, value: "0.11", tripped: true},
		{rule: "max-zeroed treats a null missing_in_source as 0", p: guardPlan(10, 2, nil, 2),
			guard: GuardMaxZeroed, value: "0.2", tripped: true},
		{rule: "min-coverage at its limit holds", p: guardPlan(8, 0, intp(2), 0), missingZero: true,
			guard: GuardMinCoverage, value: "0.8"},
		{rule: "min-coverage below its limit trips", p: guardPlan(8, 0, intp(3), 0), missingZero: true,
			guard: GuardMinCoverage, value: "0.7273", tripped: true},
		{rule: "min-coverage above its limit holds", p: guardPlan(9, 0, intp(1), 0), missingZero: true,
			guard: GuardMinCoverage, value: "0.9"},
		{rule: "max-price-change below its limit", p: guardPlan(1, 1, nil, 0, "100→149.99"),
			guard: GuardMaxPriceChange, value: "0.4999"},
		{rule: "max-price-change at its limit holds", p: guardPlan(1, 1, nil, 0, "100→150"),
			guard: GuardMaxPriceChange, value: "0.5"},
		{rule: "max-price-change above its limit trips, down as well as up", p: guardPlan(2, 2, nil, 0, "100→120", "100→49.99"),
			guard: GuardMaxPriceChange, value: "0.5001", tripped: true},
		{rule: "max-price-change does not measure a price set where there was none", p: guardPlan(1, 1, nil, 0, "0→500"),
			guard: GuardMaxPriceChange, value: "0"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			l := DefaultLimits()
			if tt.limits != nil {
				tt.limits(&l)
			}
			tripped := tt.p.CheckGuards(l, Checks{Source: true, Coverage: tt.missingZero})
			var g *Guard
			for i := range tt.p.Guards {
				if tt.p.Guards[i].Name == tt.guard {
					g = &tt.p.Guards[i]
				}
			}
			if g == nil {
				t.Fatalf("guard %s not evaluated; got %v", tt.guard, tt.p.Guards)
			}
			if g.Value != decimal.MustParse(tt.value) || g.Tripped != tt.tripped {
				t.Errorf("%s: value %s tripped %v, want %s %v", tt.guard, g.Value, g.Tripped, tt.value, tt.tripped)
			}
			inTripped := false
			for _, x := range tripped {
				inTripped = inTripped || x.Name == tt.guard
			}
			if inTripped != tt.tripped {
				t.Errorf("returned tripped %v, want %s in it: %v", tripped, tt.guard, tt.tripped)
			}
		})
	}
}

func TestGuardChecks(t *testing.T) {
	names := func(p *Plan) string {
		var s []string
		for _, g := range p.Guards {
			s = append(s, g.Name)
		}
		return strings.Join(s, ",")
	}
	l := DefaultLimits()

	push := guardPlan(10, 1, intp(0), 0)
	push.CheckGuards(l, Checks{Source: true})
	if got := names(push); got != "empty-source,max-changes,max-zeroed" {
		t.Errorf("push-stock guards %s", got)
	}
	push.CheckGuards(l, Checks{Source: true, Coverage: true})
	if got := names(push); got != "empty-source,max-changes,max-zeroed,min-coverage" {
		t.Errorf("push-stock --missing zero guards %s", got)
	}

	edit := guardPlan(10, 0, nil, 0)
	edit.CheckGuards(l, Checks{Source: true, Prices: true})
	if got := names(edit); got != "empty-source,max-changes,max-zeroed,max-price-change" {
		t.Errorf("edit-products guards %s", got)
	}

	// A revert undoes one run: every item of it changes, by design.
	revert := guardPlan(4, 4, nil, 0)
	if tripped := revert.CheckGuards(l, Checks{}); len(tripped) != 0 {
		t.Errorf("revert tripped %v", tripped)
	}
	if got := names(revert); got != "max-zeroed" {
		t.Errorf("revert guards %s", got)
	}
}

func TestRefusedError(t *testing.T) {
	p := guardPlan(8, 5, intp(2), 0, "100→250")
	p.Summary.Matched = 8
	tripped := p.CheckGuards(DefaultLimits(), Checks{Source: true})
	err := error(&RefusedError{Guards: tripped})
	want := "refused by guard max-changes: 62.5% of matched items would change, 5 of 8 (limit 50%); " +
		"refused by guard max-price-change: a price would change by 150%, price of P from 100 to 250 (limit 50%)"
	if err.Error() != want {
		t.Errorf("message\n got %s\nwant %s", err, want)
	}

	empty := guardPlan(0, 3, intp(3), 3)
	tripped = empty.CheckGuards(DefaultLimits(), Checks{Source: true, Coverage: true})
	want = "refused by guard empty-source: the source has no valid item; " +
		"refused by guard max-changes: 3 items would change but none matched (limit 50%); " +
		"refused by guard max-zeroed: 100% of items would go from above 0 to 0, 3 of 3 (limit 10%); " +
		"refused by guard min-coverage: the source covers 0% of the KeyCRM offers, 0 of 3 (minimum 80%)"
	if got := (&RefusedError{Guards: tripped}).Error(); got != want {
		t.Errorf("message\n got %s\nwant %s", got, want)
	}

	// A guard read back from a saved plan has no counts; the message still names it.
	g := Guard{Name: GuardMaxChanges, Limit: decimal.MustParse("0.5"), Value: decimal.MustParse("0.625"), Tripped: true}
	want = "refused by guard max-changes: 62.5% of matched items would change (limit 50%)"
	if got := (&RefusedError{Guards: []Guard{g}}).Error(); got != want {
		t.Errorf("message\n got %s\nwant %s", got, want)
	}
}
