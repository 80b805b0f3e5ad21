package plan

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Guard names, as printed and written into plans.
const (
	GuardEmptySource    = "empty-source"
	GuardMaxChanges     = "max-changes"
	GuardMaxZeroed      = "max-zeroed"
	GuardMinCoverage    = "min-coverage"
	GuardMaxPriceChange = "max-price-change"
)

// Limit is a guard's limit, an exact share: 50% and 0.5 are the same Limit, and 1/3
// is above 33.33%.
type Limit struct{ share decimal.Decimal }

// ErrLimit reports a limit that is not N% or a fraction; a usage error (exit 2).
var ErrLimit = errors.New("write a limit as N% or as a fraction such as 0.5")

// ParseLimit reads a limit: "50%", "12.5%" or a fraction "0.5". A bare number above 1
// ("50") is refused, since it could mean 50% or fifty items. Shares above 100% are
// accepted with the % sign: a price may well double (max-price-change 150%), and a
// share guard at 100% or more simply never trips.
func ParseLimit(s string) (Limit, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	d, err := decimal.Parse(strings.TrimSpace(strings.TrimSuffix(t, "%")))
	switch {
	case err != nil:
		return Limit{}, fmt.Errorf("limit %q: %w", s, ErrLimit)
	case d.Sign() < 0:
		return Limit{}, fmt.Errorf("limit %q is negative: %w", s, ErrLimit)
	case pct:
		if d, err = d.Shift(-2); err != nil {
			return Limit{}, fmt.Errorf("limit %q: %w", s, err)
		}
	case d.Cmp(decimal.FromInt(1)) > 0:
		return Limit{}, fmt.Errorf("limit %q is ambiguous: %w", s, ErrLimit)
	}
	return Limit{share: d}, nil
}

// Share returns the limit as a fraction.
func (l Limit) Share() decimal.Decimal { return l.share }

// String prints the limit as a percentage, as users write it.
func (l Limit) String() string { return percent(l.share) }

// MarshalText writes the percentage, so configs and journals read like the flags.
func (l Limit) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads what ParseLimit reads (the config's guards section).
func (l *Limit) UnmarshalText(b []byte) error {
	v, err := ParseLimit(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Limits are the write guards' limits (--max-changes, --max-zeroed, --min-coverage,
// --max-price-change). The zero Limit is 0%, the strictest, so a forgotten limit
// refuses rather than lets through.
type Limits struct {
	MaxChanges, MaxZeroed, MinCoverage, MaxPriceChange Limit
}

// DefaultLimits are the contract's defaults: 50%, 10%, 80% and 50%.
func DefaultLimits() Limits {
	return Limits{
		MaxChanges:     Limit{decimal.MustParse("0.5")},
		MaxZeroed:      Limit{decimal.MustParse("0.1")},
		MinCoverage:    Limit{decimal.MustParse("0.8")},
		MaxPriceChange: Limit{decimal.MustParse("0.5")},
	}
}

// Guard is one evaluated guard as the plan's JSON shows it. Limit and Value are
// fractions rounded to 4 places; whether it tripped was decided on the exact value.
// For empty-source both are counts: Limit 1 ("at least one valid item") and Value the
// number of valid items.
type Guard struct {
	Name    string          `json:"name"`
	Limit   decimal.Decimal `json:"limit"`
	Value   decimal.Decimal `json:"value"`
	Tripped bool            `json:"tripped"`

	// What the message needs besides the JSON: the counts behind the share and,
	// for max-price-change, the change that set the value. A guard read back from
	// JSON lacks them and gets a shorter message.
	num, den int64
	counted  bool
	detail   string
}

// Checks say which guards measure a plan besides max-zeroed, which every write
// plan gets: the command that makes the plan knows what it measures.
type Checks struct {
	// Source adds empty-source and max-changes, which measure a source against
	// the target. A revert undoes exactly the run the operator named, whose items
	// would all "change", so it leaves them out.
	Source bool
	// Empty adds empty-source alone, for plans whose target is written whole
	// (a file), where every item of a new file "changes".
	Empty bool
	// Coverage adds min-coverage, for plans that set what the source lacks to 0.
	Coverage bool
	// Dropped counts, in max-zeroed, the target's items the source lacks: a file
	// written whole loses their rows, and a row gone from a feed sells nothing,
	// as a row at 0 does. A short read of the source cannot empty it unguarded.
	Dropped bool
	// Prices adds max-price-change even to a plan without a price entry, so the
	// guard list of a command that writes prices keeps one shape. Any plan with a
	// price entry gets the guard anyway.
	Prices bool
}

// CheckGuards evaluates the guards of a write plan, stores them in p.Guards and returns
// those that tripped.
func (p *Plan) CheckGuards(l Limits, checks Checks) (tripped []Guard) {
	p.Guards = []Guard{}
	matched := int64(p.Summary.Matched)
	var missing int64
	if p.Summary.MissingInSource != nil {
		missing = int64(*p.Summary.MissingInSource)
	}
	switch {
	case checks.Source:
		// max-changes measures the matched items that change: zeroed items are
		// missing in the source, not matched, and max-zeroed measures them.
		changed := int64(p.Summary.Changes - p.Summary.Zeroed)
		p.Guards = append(p.Guards,
			emptySource(p.Source.Items),
			ratio{changed, matched}.above(GuardMaxChanges, l.MaxChanges))
	case checks.Empty:
		p.Guards = append(p.Guards, emptySource(p.Source.Items))
	}
	zeroed := p.zeroed()
	if checks.Dropped {
		zeroed += missing
	}
	p.Guards = append(p.Guards, ratio{zeroed, matched + missing}.above(GuardMaxZeroed, l.MaxZeroed))
	if checks.Coverage {
		p.Guards = append(p.Guards, ratio{matched, matched + missing}.below(GuardMinCoverage, l.MinCoverage))
	}
	if g, ok := p.priceGuard(l.MaxPriceChange, checks.Prices); ok {
		p.Guards = append(p.Guards, g)
	}
	for _, g := range p.Guards {
		if g.Tripped {
			tripped = append(tripped, g)
		}
	}
	return tripped
}

func emptySource(items int) Guard {
	return Guard{
		Name: GuardEmptySource, Limit: decimal.FromInt(1), Value: decimal.FromInt(int64(items)),
		Tripped: items < 1,
	}
}

// zeroed counts the quantity entries going from above 0 to 0, zeroed missing offers
// included.
func (p *Plan) zeroed() int64 {
	var n int64
	for _, c := range p.Changes {
		from, ok1 := c.From.Number()
		to, ok2 := c.To.Number()
		if c.Field == catalog.FieldQuantity && ok1 && ok2 && from.Sign() > 0 && to.IsZero() {
			n++
		}
	}
	return n
}

// ratio is num/den, compared exactly. A zero denominator with a positive numerator is
// above every limit (there is nothing the changes could be a share of); 0/0 is 0.
type ratio struct{ num, den int64 }

func (r ratio) above(name string, l Limit) Guard {
	g := Guard{Name: name, Limit: round4(l.share.Rat()), num: r.num, den: r.den, counted: true}
	if r.den == 0 {
		g.Tripped = r.num > 0
		if g.Tripped {
			g.Value = decimal.FromInt(1)
		}
		return g
	}
	v := big.NewRat(r.num, r.den)
	g.Value = round4(v)
	g.Tripped = v.Cmp(l.share.Rat()) > 0
	return g
}

// below is for min-coverage: with nothing to cover (0/0) the coverage is full.
func (r ratio) below(name string, l Limit) Guard {
	g := Guard{Name: name, Limit: round4(l.share.Rat()), Value: decimal.FromInt(1), num: r.num, den: r.den, counted: true}
	if r.den == 0 {
		return g
	}
	v := big.NewRat(r.num, r.den)
	g.Value = round4(v)
	g.Tripped = v.Cmp(l.share.Rat()) < 0
	return g
}

// priceGuard measures the largest relative price change, |to-from|/from, over price
// and purchased_price entries. A price set where there was none (from 0) has no
// relative change and is not measured. It is evaluated when always is set and for any
// plan holding a price change.
func (p *Plan) priceGuard(l Limit, always bool) (Guard, bool) {
	g := Guard{Name: GuardMaxPriceChange, Limit: round4(l.share.Rat())}
	var worst *big.Rat
	seen := false
	for _, c := range p.Changes {
		if c.Field != catalog.FieldPrice && c.Field != catalog.FieldPurchasedPrice {
			continue
		}
		seen = true
		from, ok1 := c.From.Number()
		to, ok2 := c.To.Number()
		if !ok1 || !ok2 || from.IsZero() {
			continue
		}
		r := new(big.Rat).Sub(to.Rat(), from.Rat())
		r.Quo(r.Abs(r), new(big.Rat).Abs(from.Rat()))
		if worst == nil || r.Cmp(worst) > 0 {
			worst = r
			g.detail = fmt.Sprintf("%s of %s from %s to %s", c.Field, c.SKU, from, to)
		}
	}
	if !seen && !always {
		return g, false
	}
	if worst != nil {
		g.Value = round4(worst)
		g.Tripped = worst.Cmp(l.share.Rat()) > 0
	}
	return g, true
}

// round4 rounds to 4 places, halves away from zero, for display in JSON. Values beyond
// the decimal range (a price multiplied a trillion times) saturate; tripping never
// uses the rounded value.
func round4(r *big.Rat) decimal.Decimal {
	n := new(big.Int).Mul(r.Num(), big.NewInt(10000))
	q, m := new(big.Int).QuoRem(n, r.Denom(), new(big.Int))
	if m.Abs(m).Lsh(m, 1).Cmp(r.Denom()) >= 0 {
		q.Add(q, big.NewInt(int64(n.Sign())))
	}
	c := int64(math.MaxInt64)
	if q.IsInt64() {
		c = q.Int64()
	}
	d, err := decimal.New(c, 4)
	if err != nil {
		return decimal.Zero // unreachable: any int64 at scale 4 is representable
	}
	return d
}

// percent prints a fraction as a percentage in shortest form (0.125 → 12.5%).
func percent(d decimal.Decimal) string {
	s, err := d.Shift(2)
	if err != nil {
		return d.String()
	}
	return s.String() + "%"
}

// reason is the guard's line of a refusal.
func (g Guard) reason() string {
	limit := percent(g.Limit)
	var why string
	switch g.Name {
	case GuardEmptySource:
		why = "the source has no valid item"
	case GuardMaxChanges:
		why = g.share("of matched items would change", "items would change but none matched") + " (limit " + limit + ")"
	case GuardMaxZeroed:
		why = g.share("of items would go from above 0 to 0", "items would go to 0 but none matched") + " (limit " + limit + ")"
	case GuardMinCoverage:
		why = "the source covers " + g.share("of the KeyCRM offers", "") + " (minimum " + limit + ")"
	case GuardMaxPriceChange:
		why = "a price would change by " + percent(g.Value)
		if g.detail != "" {
			why += ", " + g.detail
		}
		why += " (limit " + limit + ")"
	default:
		why = fmt.Sprintf("value %s (limit %s)", percent(g.Value), limit)
	}
	return "refused by guard " + g.Name + ": " + why
}

// share words a ratio guard's value: "62.5% of matched items would change, 5 of 8".
func (g Guard) share(of, noneOf string) string {
	switch {
	case !g.counted:
		return percent(g.Value) + " " + of
	case g.den == 0 && noneOf != "":
		return fmt.Sprintf("%d %s", g.num, noneOf)
	}
	return fmt.Sprintf("%s %s, %d of %d", percent(g.Value), of, g.num, g.den)
}

// RefusedError is returned when guards refuse a plan (exit 3); nothing was written.
type RefusedError struct {
	Guards []Guard
}

func (e *RefusedError) Error() string {
	if len(e.Guards) == 0 {
		return "refused by guards"
	}
	lines := make([]string, len(e.Guards))
	for i, g := range e.Guards {
		lines[i] = g.reason()
	}
	return strings.Join(lines, "; ")
}
