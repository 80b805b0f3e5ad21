// Package numparse reads quantities and prices as people, 1C/BAS and
// spreadsheets write them: "1234.5", "1234,5", "1 234,50" (space, no-break or
// narrow no-break space between thousands), "1,234.50" and "1.234,50", ".5",
// "9.9E-2", and for prices a currency sign or code ("6,31руб", "14.99 USD").
// It is the only place that knows these rules; pkg/decimal stays strict.
//
// The same mark several times ("1,234,567") can only be thousands; with both
// marks the last one is the decimal separator. Thousands groups must have three
// digits, so "12 34" (two numbers in one cell) is refused rather than read as
// 1234. A comma or a dot that appears once is the decimal separator, except in
// the one shape a thousands separator also takes: one to three digits, the
// mark, three digits ("1,250", "1.250"). Whether that is 1250 or 1.25 depends
// on how the rest of its column writes decimals, which the caller passes as
// Options.Decimal (see Mark); only numbers written by programs (XML, JSON
// numbers) read it as a decimal without asking.
package numparse

import (
	"errors"
	"fmt"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Text is what numbers are read from: strings, or byte slices of a buffer, so a
// delimited-text reader need not allocate a string per cell.
type Text interface{ ~string | ~[]byte }

// Errors carry the contract's problem texts.
var (
	// ErrSyntax is "not a number".
	ErrSyntax = decimal.ErrSyntax
	// ErrRange is a number a decimal cannot hold exactly.
	ErrRange = decimal.ErrRange
	// ErrAmbiguous is a number that reads as thousands or as a decimal
	// ("1,250"), and the column's decimal mark does not say which; the error
	// returned is an *AmbiguousError, which errors.Is matches to it.
	ErrAmbiguous = errors.New("ambiguous number")
)

// AmbiguousError is a number the column's decimal mark leaves ambiguous, with
// its two readings.
type AmbiguousError struct {
	Thousands, Decimal decimal.Decimal
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%v: %s or %s?", ErrAmbiguous, e.Thousands, e.Decimal)
}

// Is makes errors.Is(err, ErrAmbiguous) true.
func (e *AmbiguousError) Is(target error) bool { return target == ErrAmbiguous }

// Mark is a column's decimal mark, as the caller knows it.
type Mark byte

// Marks.
const (
	// AnyMark reads a lone mark as the decimal mark: for numbers written by
	// programs (XML, JSON numbers, MoySklad), which never group thousands with
	// a lone mark.
	AnyMark Mark = 0
	// Dot and Comma are a column's decided decimal mark: a lone mark of the
	// other kind before three digits is ErrAmbiguous, never a guess.
	Dot   Mark = '.'
	Comma Mark = ','
	// Undecided is a column whose mark no value has shown yet: a value in the
	// ambiguous shape is ErrAmbiguous, to be read once the mark is known.
	Undecided Mark = '?'
)

// Options select the conventions of a source.
type Options struct {
	// Spreadsheet removes binary floating-point noise: a spreadsheet cell holds a
	// double, so 0.1059 can be stored as 0.10589999999999999 (see RoundFloat).
	Spreadsheet bool
	// Currency accepts a currency sign or code before or after the number.
	Currency bool
	// Decimal is the decimal mark of the value's column (see Mark).
	Decimal Mark
}

// maxDigits is how many significant digits an int64 coefficient always holds.
const maxDigits = 18

// floatDigits is how many significant digits a spreadsheet keeps; the rest of a
// double's 17 is noise.
const floatDigits = 15

// Parse reads a number; currency is the ISO code of a currency sign or code
// found around it (only with opt.Currency), else "". Surrounding white space is
// ignored; an empty s is ErrSyntax (callers treat empty cells as unknown first).
func Parse[T Text](s T, opt Options) (d decimal.Decimal, currency string, err error) {
	d, currency, _, err = ParseShown(s, opt)
	return d, currency, err
}

// ParseShown is Parse that also returns the decimal mark the number shows
// beyond doubt — Dot or Comma ("12.5", "1 234,5", "1,234,567" shows Dot), or
// AnyMark for none ("125", "1,250") — from which callers decide a column's
// mark. It is returned with the errors of a well-formed number too (negative,
// ambiguous), since the writing still shows the column's convention.
func ParseShown[T Text](s T, opt Options) (d decimal.Decimal, currency string, shown Mark, err error) {
	i, j := trimSpace(s)
	neg := false
	if opt.Currency {
		// A sign may stand before or after a leading symbol: "-$5", "$-5".
		if k := signLen(s, i, j); k > 0 {
			neg = s[i] == '-' || s[i] == 0xE2
			i += k
		}
		if i < j && !isNumberByte(s[i]) {
			currency, i = prefixCurrency(s, i, j)
		} else if i < j && (s[j-1] < '0' || s[j-1] > '9') {
			currency, j = suffixCurrency(s, i, j)
		}
	}
	if k := signLen(s, i, j); k > 0 {
		if neg {
			return decimal.Zero, "", AnyMark, ErrSyntax
		}
		neg = s[i] == '-' || s[i] == 0xE2
		i += k
	}
	d, shown, err = parseBody(s[i:j], neg, opt)
	if err != nil {
		return decimal.Zero, "", shown, err
	}
	return d, currency, shown, nil
}

// spaceLen returns the byte length of a space character at s[i] — ASCII space,
// tab, no-break space U+00A0, figure space U+2007, thin space U+2009 or narrow
// no-break space U+202F — or 0.
func spaceLen[T Text](s T, i int) int {
	switch c := s[i]; {
	case c == ' ' || c == '\t':
		return 1
	case c == 0xC2 && i+1 < len(s) && s[i+1] == 0xA0:
		return 2
	case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0x87 || s[i+2] == 0x89 || s[i+2] == 0xAF):
		return 3
	}
	return 0
}

// signLen returns the length of a sign at s[i] ('+', '-' or the minus sign
// U+2212), or 0.
func signLen[T Text](s T, i, j int) int {
	if i >= j {
		return 0
	}
	switch {
	case s[i] == '+' || s[i] == '-':
		return 1
	case s[i] == 0xE2 && i+2 < j && s[i+1] == 0x88 && s[i+2] == 0x92:
		return 3
	}
	return 0
}

func trimSpace[T Text](s T) (int, int) { return trimSpaceRange(s, 0, len(s)) }

func trimSpaceRange[T Text](s T, i, j int) (int, int) {
	for i < j {
		n := spaceLen(s, i)
		if n == 0 {
			break
		}
		i += n
	}
	for i < j {
		switch {
		case s[j-1] == ' ' || s[j-1] == '\t':
			j--
		case j-i >= 2 && s[j-2] == 0xC2 && s[j-1] == 0xA0:
			j -= 2
		case j-i >= 3 && s[j-3] == 0xE2 && s[j-2] == 0x80 && (s[j-1] == 0x87 || s[j-1] == 0x89 || s[j-1] == 0xAF):
			j -= 3
		default:
			return i, j
		}
	}
	return i, j
}

// currencies maps the signs and codes seen in Ukrainian and Russian price lists
// to ISO 4217 codes. Codes compare case-insensitively.
var currencies = []struct{ text, code string }{
	{"₴", "UAH"}, {"грн.", "UAH"}, {"грн", "UAH"}, {"uah", "UAH"}, {"гривня", "UAH"}, {"гривна", "UAH"},
	{"$", "USD"}, {"usd", "USD"}, {"€", "EUR"}, {"eur", "EUR"}, {"євро", "EUR"}, {"евро", "EUR"},
	{"₽", "RUB"}, {"руб.", "RUB"}, {"руб", "RUB"}, {"р.", "RUB"}, {"rub", "RUB"},
	{"zł", "PLN"}, {"pln", "PLN"}, {"£", "GBP"}, {"gbp", "GBP"},
}

// Currency returns the ISO code for a currency sign, word or code ("грн",
// "₴", "uah"), or ("", false).
func Currency(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, c := range currencies {
		if strings.EqualFold(s, c.text) {
			return c.code, true
		}
	}
	return "", false
}

func isNumberByte(c byte) bool { return c >= '0' && c <= '9' || c == '.' || c == ',' }

// prefixCurrency matches a currency at s[i:j]'s start, returning the code and
// where the number starts.
func prefixCurrency[T Text](s T, i, j int) (string, int) {
	for _, c := range currencies {
		if n := len(c.text); j-i > n && strings.EqualFold(string(s[i:i+n]), c.text) && !isLetterAfter(s, i+n, j) {
			k, _ := trimSpaceRange(s, i+n, j)
			return c.code, k
		}
	}
	return "", i
}

// suffixCurrency matches a currency at s[i:j]'s end, returning the code and
// where the number ends.
func suffixCurrency[T Text](s T, i, j int) (string, int) {
	for _, c := range currencies {
		if n := len(c.text); j-i > n && strings.EqualFold(string(s[j-n:j]), c.text) {
			_, k := trimSpaceRange(s, i, j-n)
			return c.code, k
		}
	}
	return "", j
}

// isLetterAfter keeps "usda" from reading as "usd" followed by "a".
func isLetterAfter[T Text](s T, k, j int) bool {
	if k >= j {
		return false
	}
	c := s[k]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0xC0
}

// parseBody reads the unsigned number in b, and the decimal mark it shows.
func parseBody[T Text](b T, neg bool, opt Options) (decimal.Decimal, Mark, error) {
	spreadsheet := opt.Spreadsheet
	if sp, ok := parseSimple(b, neg); ok {
		if sp.ambiguous() {
			if opt.Decimal != AnyMark && opt.Decimal != Mark(sp.mark) {
				thousands, _ := decimal.New(sp.coef, 0) // at most six digits
				return decimal.Zero, AnyMark, &AmbiguousError{Thousands: thousands, Decimal: sp.d}
			}
			return sp.d, AnyMark, nil
		}
		d := sp.d
		if spreadsheet {
			d = RoundFloat(d)
		}
		return d, Mark(sp.mark), nil
	}
	// Locate the exponent, then classify the marks in the mantissa.
	end := len(b)
	exp, hasExp := 0, false
	for k := 0; k < len(b); k++ {
		if b[k] == 'e' || b[k] == 'E' {
			var ok bool
			if exp, ok = parseExp(b[k+1:]); !ok {
				return decimal.Zero, AnyMark, ErrSyntax
			}
			end, hasExp = k, true
			break
		}
	}
	m := b[:end]
	var (
		dots, commas, spaces int
		lastDot, lastComma   = -1, -1
		digits               int
	)
	for k := 0; k < len(m); {
		c := m[k]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
			lastDot = k
		case c == ',':
			commas++
			lastComma = k
		default:
			n := spaceLen(m, k)
			if n == 0 {
				return decimal.Zero, AnyMark, ErrSyntax
			}
			spaces++
			k += n
			continue
		}
		k++
	}
	if digits == 0 {
		return decimal.Zero, AnyMark, ErrSyntax
	}
	// Decide which mark is the decimal separator (point) and which groups
	// thousands (group, 0 for none).
	var point, group byte
	switch {
	case dots == 0 && commas == 0:
	case dots > 0 && commas > 0:
		if lastDot > lastComma {
			point, group = '.', ','
		} else {
			point, group = ',', '.'
		}
		if (point == '.' && dots > 1) || (point == ',' && commas > 1) {
			return decimal.Zero, AnyMark, ErrSyntax
		}
	case dots == 1:
		point = '.'
	case commas == 1:
		point = ','
	case dots > 1:
		group = '.'
	default:
		group = ','
	}
	if spaces > 0 {
		if group != 0 {
			return decimal.Zero, AnyMark, ErrSyntax
		}
		group = ' '
	}
	if hasExp && group != 0 {
		return decimal.Zero, AnyMark, ErrSyntax
	}
	shown := Mark(point)
	switch {
	case point != 0:
	case group == '.':
		shown = Comma
	case group == ',':
		shown = Dot
	}
	intPart, frac := m, m[:0]
	if point != 0 {
		k := lastDot
		if point == ',' {
			k = lastComma
		}
		intPart, frac = m[:k], m[k+1:]
		for x := 0; x < len(frac); x++ {
			if frac[x] < '0' || frac[x] > '9' {
				return decimal.Zero, AnyMark, ErrSyntax
			}
		}
	}
	if group != 0 && !groupedOK(intPart, group) {
		return decimal.Zero, AnyMark, ErrSyntax
	}
	var acc accumulator
	acc.spreadsheet = spreadsheet
	for x := 0; x < len(intPart); x++ {
		if c := intPart[x]; c >= '0' && c <= '9' {
			acc.digit(c, false)
		}
	}
	for x := 0; x < len(frac); x++ {
		acc.digit(frac[x], true)
	}
	d, err := acc.result(neg, exp)
	return d, shown, err
}

// parseSimple is the fast path for what most cells hold: up to 15 digits with
// at most one decimal mark, which needs no grouping checks and no rounding.
func parseSimple[T Text](b T, neg bool) (simple, bool) {
	var sp simple
	digits := 0
	for k := 0; k < len(b); k++ {
		c := b[k]
		switch {
		case c >= '0' && c <= '9':
			if digits == 0 && k == 0 && c == '0' {
				sp.leadingZero = true
			}
			sp.coef = sp.coef*10 + int64(c-'0')
			digits++
			if sp.mark != 0 {
				sp.frac++
			}
		case (c == '.' || c == ',') && sp.mark == 0:
			sp.mark = c
			sp.whole = digits
		default:
			return sp, false
		}
	}
	if digits == 0 || digits > floatDigits {
		return sp, false
	}
	coef := sp.coef
	if neg {
		coef = -coef
	}
	d, err := decimal.New(coef, sp.frac)
	sp.d = d
	if neg {
		sp.coef = coef
	}
	return sp, err == nil
}

// simple is a number parseSimple read.
type simple struct {
	d           decimal.Decimal
	coef        int64 // the digits without the mark, signed
	mark        byte  // the one mark, or 0
	whole, frac int   // digits before and after the mark
	leadingZero bool
}

// ambiguous reports the shape a thousands separator shares with a decimal
// mark: one to three digits, not starting with 0, the mark, three digits.
func (sp simple) ambiguous() bool {
	return sp.mark != 0 && sp.frac == 3 && sp.whole >= 1 && sp.whole <= 3 && !sp.leadingZero
}

// parseExp reads an exponent's optional sign and digits.
func parseExp[T Text](b T) (int, bool) {
	k, neg := 0, false
	if k < len(b) && (b[k] == '+' || b[k] == '-') {
		neg = b[k] == '-'
		k++
	}
	if k == len(b) {
		return 0, false
	}
	e := 0
	for ; k < len(b); k++ {
		if b[k] < '0' || b[k] > '9' {
			return 0, false
		}
		if e < 10000 {
			e = e*10 + int(b[k]-'0')
		}
	}
	if neg {
		e = -e
	}
	return e, true
}

// groupedOK checks thousands grouping: 1-3 digits, then groups of exactly three.
// A space group mark may be any space character.
func groupedOK[T Text](b T, group byte) bool {
	run, groups := 0, 0
	for k := 0; k < len(b); {
		c := b[k]
		if c >= '0' && c <= '9' {
			run++
			k++
			continue
		}
		n := 1
		if group == ' ' {
			if n = spaceLen(b, k); n == 0 {
				return false
			}
		} else if c != group {
			return false
		}
		if run == 0 || run > 3 || (groups > 0 && run != 3) {
			return false
		}
		groups++
		run = 0
		k += n
	}
	return run == 3 || groups == 0 && run > 0
}

// accumulator builds the coefficient from digits, like decimal.Parse: at most
// maxDigits significant digits are kept, and a digit beyond them must be zero
// (else ErrRange) — or, for spreadsheets, everything after floatDigits is
// rounded away.
type accumulator struct {
	coef        uint64
	scale       int
	sig         int  // significant digits kept
	dropped     bool // a non-zero digit could not be kept
	roundUp     bool // spreadsheet: the first dropped digit was 5 or more
	cut         bool // spreadsheet: digits were cut at floatDigits
	spreadsheet bool
}

func (a *accumulator) digit(c byte, frac bool) {
	d := uint64(c - '0')
	if a.coef == 0 && d == 0 {
		if frac {
			a.scale++
		}
		return
	}
	limit := maxDigits
	if a.spreadsheet {
		limit = floatDigits
	}
	if a.sig >= limit {
		if a.spreadsheet && !a.cut {
			a.cut = true
			a.roundUp = d >= 5
		}
		if d != 0 {
			a.dropped = true
		}
		if !frac {
			a.scale-- // the digit's place still counts
		}
		return
	}
	a.coef = a.coef*10 + d
	a.sig++
	if frac {
		a.scale++
	}
}

func (a *accumulator) result(neg bool, exp int) (decimal.Decimal, error) {
	if a.dropped && !a.spreadsheet {
		return decimal.Zero, ErrRange
	}
	if a.roundUp {
		a.coef++
	}
	c := int64(a.coef)
	if neg {
		c = -c
	}
	scale := a.scale - exp
	// Drop trailing zeros first so that 1.50000 or 1e-20 × 1e20 still fit.
	for c != 0 && c%10 == 0 && scale > 0 {
		c /= 10
		scale--
	}
	if c == 0 {
		return decimal.Zero, nil
	}
	d, err := decimal.New(c, scale)
	if err != nil {
		return decimal.Zero, ErrRange
	}
	if a.spreadsheet {
		d = RoundFloat(d)
	}
	return d, nil
}

// noiseRun is how many repeated nines or zeros at the end of a fraction mark
// a binary floating-point artefact rather than a value someone typed.
const noiseRun = 9

// RoundFloat removes the noise a double leaves in a spreadsheet number that
// Parse(Spreadsheet) has already cut to 15 significant digits: a fraction
// ending in a run of at least nine 9s ("0.099999999999", as some writers print
// 0.1 with fewer digits) is rounded up past the run, and a run of nine 0s
// followed by one last digit ("1.0000000001") is rounded down. No stock level
// or price has that many meaningful decimals.
func RoundFloat(d decimal.Decimal) decimal.Decimal {
	scale := d.Scale()
	if scale < noiseRun {
		return d
	}
	var buf [24]byte
	s := d.Abs().Append(buf[:0])
	dot := len(s) - scale - 1 // s has the form "int.frac"
	frac := s[dot+1:]
	// A run ending at the last digit, or one digit before it.
	for tail := 0; tail <= 1; tail++ {
		end := len(frac) - tail
		if end <= 0 {
			break
		}
		c := frac[end-1]
		if c != '9' && c != '0' {
			continue
		}
		start := end
		for start > 0 && frac[start-1] == c {
			start--
		}
		if end-start < noiseRun {
			continue
		}
		if c == '0' && !hasNonZero(s[:dot+1+start]) {
			// 0.0000000001: the zeros lead the number, they are not noise.
			continue
		}
		if c == '9' && tail == 1 {
			continue // ...9999992 is not the shape of a rounded-up 0.1
		}
		return d.RoundTo(start)
	}
	return d
}

func hasNonZero(b []byte) bool {
	for _, c := range b {
		if c >= '1' && c <= '9' {
			return true
		}
	}
	return false
}
