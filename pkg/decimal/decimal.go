// Package decimal is the exact base-10 number used for every quantity and price in
// keycrm-sync. Stock can be fractional (metres, kilograms) and prices carry kopecks, so
// binary floating point would turn 0.1+0.2 into a change nobody made; a Decimal keeps
// the value the file or the API wrote.
//
// A Decimal is a small value type (an int64 coefficient and a decimal scale) kept in
// canonical form, so == compares numbers by value: 5, 5.0 and 5.000 are the same
// Decimal. Operations that could leave the int64 range report ErrRange instead of
// wrapping around; no real catalogue comes near it (about 9.2e18 units of the last
// decimal place).
package decimal

import (
	"errors"
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

// MaxScale is the largest number of fractional digits a Decimal keeps.
const MaxScale = 18

// ErrRange reports a number or a result outside what a Decimal can hold exactly.
var ErrRange = errors.New("number out of range")

// ErrSyntax reports text that is not a plain decimal number.
var ErrSyntax = errors.New("not a number")

// Decimal is coef × 10^-scale, canonical: scale is 0 for integers and otherwise the
// coefficient has no trailing zero digit.
type Decimal struct {
	coef  int64
	scale int8
}

// Zero is the number 0.
var Zero = Decimal{}

var pow10 = [...]int64{
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
	10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000,
	1000000000000000, 10000000000000000, 100000000000000000, 1000000000000000000,
}

// New returns coef × 10^-scale. A scale above MaxScale or below 0 that cannot be
// represented exactly yields ErrRange.
func New(coef int64, scale int) (Decimal, error) {
	for scale < 0 {
		hi, lo := bits.Mul64(uint64(abs(coef)), 10)
		if hi != 0 || lo > math.MaxInt64 {
			return Zero, ErrRange
		}
		coef *= 10
		scale++
	}
	for scale > MaxScale {
		if coef%10 != 0 {
			return Zero, ErrRange
		}
		coef /= 10
		scale--
	}
	return canonical(coef, int8(scale)), nil
}

// FromInt returns the integer i.
func FromInt(i int64) Decimal { return Decimal{coef: i} }

func canonical(coef int64, scale int8) Decimal {
	if coef == 0 {
		return Zero
	}
	for scale > 0 && coef%10 == 0 {
		coef /= 10
		scale--
	}
	return Decimal{coef: coef, scale: scale}
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// Parse reads a plain number: an optional sign, digits with an optional '.' fraction,
// and an optional exponent (JSON and spreadsheets write 1e3 and 9.9E-2). Anything else,
// including thousands separators and decimal commas, is ErrSyntax; locale handling
// belongs to the readers.
func Parse(s string) (Decimal, error) {
	return parse(s)
}

// MustParse is Parse for constants in code and tests; it panics on bad input.
func MustParse(s string) Decimal {
	d, err := parse(s)
	if err != nil {
		panic("decimal.MustParse(" + strconv.Quote(s) + "): " + err.Error())
	}
	return d
}

func parse(s string) (Decimal, error) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var coef uint64
	scale := 0
	digits := 0 // significant digits kept in coef
	seenDigit := false
	seenDot := false
	overflow := false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if seenDot {
				return Zero, ErrSyntax
			}
			seenDot = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		seenDigit = true
		if seenDot {
			scale++
		}
		if coef == 0 && c == '0' {
			continue
		}
		if digits >= 18 {
			// Beyond 18 significant digits only zeros can be kept exactly: as a
			// power of ten in the scale (New checks the range). Any other digit
			// would be lost.
			if c != '0' {
				overflow = true
			}
			scale--
			continue
		}
		coef = coef*10 + uint64(c-'0')
		digits++
	}
	if !seenDigit {
		return Zero, ErrSyntax
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		start := i
		exp := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if exp < 10000 {
				exp = exp*10 + int(s[i]-'0')
			}
		}
		if i == start {
			return Zero, ErrSyntax
		}
		if eneg {
			scale += exp
		} else {
			scale -= exp
		}
	}
	if i != len(s) {
		return Zero, ErrSyntax
	}
	if overflow {
		return Zero, ErrRange
	}
	c := int64(coef)
	if neg {
		c = -c
	}
	if c == 0 {
		return Zero, nil
	}
	// Drop trailing zeros before range checks so 1.50000000000000000000 still fits.
	for scale > 0 && c%10 == 0 {
		c /= 10
		scale--
	}
	return New(c, scale)
}

// String prints the shortest plain form: no exponent, no trailing zeros ("20.25", "5").
func (d Decimal) String() string {
	var buf [24]byte
	return string(d.Append(buf[:0]))
}

// Append appends the String form to b.
func (d Decimal) Append(b []byte) []byte {
	if d.scale == 0 {
		return strconv.AppendInt(b, d.coef, 10)
	}
	var tmp [24]byte
	u := uint64(d.coef)
	if d.coef < 0 {
		b = append(b, '-')
		u = uint64(-d.coef)
	}
	digits := strconv.AppendUint(tmp[:0], u, 10)
	sc := int(d.scale)
	if len(digits) <= sc {
		b = append(b, '0', '.')
		for k := len(digits); k < sc; k++ {
			b = append(b, '0')
		}
		return append(b, digits...)
	}
	b = append(b, digits[:len(digits)-sc]...)
	b = append(b, '.')
	return append(b, digits[len(digits)-sc:]...)
}

// MarshalJSON writes the number unquoted, in String form.
func (d Decimal) MarshalJSON() ([]byte, error) { return d.Append(nil), nil }

// UnmarshalJSON accepts a JSON number, or a number in a JSON string as some PHP APIs
// send it.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	// JSON null leaves the value alone, as encoding/json does for its own types: a
	// null in a field KeyCRM documents as a number must not fail a whole page.
	if string(b) == "null" {
		return nil
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	v, err := parse(string(b))
	if err != nil {
		return errors.New("decimal: " + strconv.Quote(string(b)) + ": " + err.Error())
	}
	*d = v
	return nil
}

// MarshalText and UnmarshalText let a Decimal appear in YAML, CSV and map keys.
func (d Decimal) MarshalText() ([]byte, error) { return d.Append(nil), nil }

// UnmarshalText parses the String form.
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// align brings a and b to the same scale.
func align(a, b Decimal) (x, y int64, scale int8, err error) {
	x, y = a.coef, b.coef
	scale = a.scale
	if a.scale < b.scale {
		x, err = mulPow10(x, int(b.scale-a.scale))
		scale = b.scale
	} else if b.scale < a.scale {
		y, err = mulPow10(y, int(a.scale-b.scale))
	}
	return x, y, scale, err
}

func mulPow10(x int64, n int) (int64, error) {
	if n >= len(pow10) {
		if x == 0 {
			return 0, nil
		}
		return 0, ErrRange
	}
	hi, lo := bits.Mul64(uint64(abs(x)), uint64(pow10[n]))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, ErrRange
	}
	if x < 0 {
		return -int64(lo), nil
	}
	return int64(lo), nil
}

// Add returns d+e, or ErrRange when the exact sum does not fit.
func (d Decimal) Add(e Decimal) (Decimal, error) {
	x, y, scale, err := align(d, e)
	if err != nil {
		return Zero, err
	}
	s := x + y
	if (x > 0 && y > 0 && s < 0) || (x < 0 && y < 0 && s >= 0) {
		return Zero, ErrRange
	}
	return canonical(s, scale), nil
}

// Sub returns d-e, or ErrRange when the exact difference does not fit.
func (d Decimal) Sub(e Decimal) (Decimal, error) {
	if e.coef == math.MinInt64 {
		return Zero, ErrRange
	}
	return d.Add(e.Neg())
}

// Neg returns -d.
func (d Decimal) Neg() Decimal { return Decimal{coef: -d.coef, scale: d.scale} }

// Abs returns |d|.
func (d Decimal) Abs() Decimal {
	if d.coef < 0 {
		return d.Neg()
	}
	return d
}

// Sign is -1, 0 or +1.
func (d Decimal) Sign() int {
	switch {
	case d.coef < 0:
		return -1
	case d.coef > 0:
		return 1
	}
	return 0
}

// IsZero reports d == 0.
func (d Decimal) IsZero() bool { return d.coef == 0 }

// Cmp returns -1, 0 or +1 as d is less than, equal to or greater than e.
func (d Decimal) Cmp(e Decimal) int {
	if d == e {
		return 0
	}
	if d.scale == e.scale {
		if d.coef < e.coef {
			return -1
		}
		return 1
	}
	x, y, _, err := align(d, e)
	if err != nil {
		return d.Rat().Cmp(e.Rat())
	}
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// Scale is the number of fractional digits in the canonical form.
func (d Decimal) Scale() int { return int(d.scale) }

// IsInteger reports whether d has no fractional part.
func (d Decimal) IsInteger() bool { return d.scale == 0 }

// Shift returns d × 10^n (n may be negative): MoySklad prices in kopecks are Shift(-2).
func (d Decimal) Shift(n int) (Decimal, error) { return New(d.coef, int(d.scale)-n) }

// Floor returns the greatest integer not above d.
func (d Decimal) Floor() Decimal {
	if d.scale == 0 {
		return d
	}
	p := pow10[d.scale]
	q := d.coef / p
	if d.coef < 0 && d.coef%p != 0 {
		q--
	}
	return Decimal{coef: q}
}

// Round returns d rounded to the nearest integer, halves away from zero.
func (d Decimal) Round() Decimal {
	if d.scale == 0 {
		return d
	}
	p := pow10[d.scale]
	q, r := d.coef/p, d.coef%p
	if 2*abs(r) >= p {
		if d.coef < 0 {
			q--
		} else {
			q++
		}
	}
	return Decimal{coef: q}
}

// RoundTo returns d rounded to places fractional digits, halves away from zero.
func (d Decimal) RoundTo(places int) Decimal {
	if places < 0 || int(d.scale) <= places {
		return d
	}
	p := pow10[int(d.scale)-places]
	q, r := d.coef/p, d.coef%p
	if 2*abs(r) >= p {
		if d.coef < 0 {
			q--
		} else {
			q++
		}
	}
	return canonical(q, int8(places))
}

// Int64 returns the integer part of d (truncated toward zero).
func (d Decimal) Int64() int64 { return d.coef / pow10[d.scale] }

// Float64 is for display and statistics only; never compare floats for changes.
func (d Decimal) Float64() float64 {
	f, _ := strconv.ParseFloat(d.String(), 64)
	return f
}

// Rat returns d as an exact rational, for ratios such as guard values.
func (d Decimal) Rat() *big.Rat {
	return new(big.Rat).SetFrac(big.NewInt(d.coef), big.NewInt(pow10[d.scale]))
}

// Sum adds all values, reporting ErrRange if the exact total does not fit.
func Sum(values ...Decimal) (Decimal, error) {
	total := Zero
	for _, v := range values {
		var err error
		if total, err = total.Add(v); err != nil {
			return Zero, err
		}
	}
	return total, nil
}
