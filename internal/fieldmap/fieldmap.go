// Package fieldmap turns tables into canonical items: it recognises which
// column holds which canonical field (header synonyms in Ukrainian, Russian and
// English, --map overrides, numbered columns for header-less files), finds the
// header row under a title block and across merged cells, and converts each
// row's cells into a catalog.Item or the problems that keep it out of the plan.
// Every tabular reader (CSV, XLSX) and the JSON lines reader share these
// rules, so a synonym or a value rule exists in exactly one place.
package fieldmap

import (
	"strings"
	"unicode"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
)

// Normalize is the form headers are compared in: case folded, "ё" read as
// "е", underscores and runs of white space as one space, a trailing unit in
// brackets ("Weight (lbs)", "Код_маркування_(GTIN)") or after a comma
// ("Вага,кг", "Ціна, грн") dropped, as are a trailing "*" or ":" that
// templates add to required columns.
func Normalize(h string) string {
	var b strings.Builder
	b.Grow(len(h))
	space := false
	for _, r := range h {
		switch {
		case r == '\ufeff' || r == '\u200b':
			continue
		case r == '_' || unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case r == 'ё' || r == 'Ё':
			r = 'е'
		default:
			r = unicode.ToLower(r)
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	s := foldLookalikes(b.String())
	for {
		t := strings.TrimRight(s, " *:")
		t = trimUnit(t)
		if t == s || t == "" {
			return s
		}
		s = t
	}
}

// lookalikes are the Latin letters typed for Cyrillic ones on a mixed keyboard
// layout ("Кiлькiсть" with a Latin i).
var lookalikes = strings.NewReplacer("a", "а", "c", "с", "e", "е", "i", "і", "o", "о", "p", "р", "x", "х", "y", "у", "k", "к", "m", "м", "t", "т", "h", "н", "b", "в")

// foldLookalikes replaces Latin look-alikes in the words of s that also hold
// Cyrillic letters; all-Latin words ("sku") are left alone.
func foldLookalikes(s string) string {
	if !strings.ContainsFunc(s, isCyrillic) {
		return s
	}
	words := strings.Split(s, " ")
	for i, w := range words {
		if strings.ContainsFunc(w, isCyrillic) && strings.ContainsFunc(w, isLatin) {
			words[i] = lookalikes.Replace(w)
		}
	}
	return strings.Join(words, " ")
}

func isCyrillic(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }

func isLatin(r rune) bool { return r >= 'a' && r <= 'z' }

// trimUnit drops a trailing "(…)" or "[…]", or a one-word unit after a comma
// ("вага,кг"), from a header that has something before it.
func trimUnit(s string) string {
	if n := len(s); n > 0 && (s[n-1] == ')' || s[n-1] == ']') {
		open := "("
		if s[n-1] == ']' {
			open = "["
		}
		if i := strings.LastIndex(s, open); i > 0 {
			return strings.TrimRight(s[:i], " ")
		}
		return s
	}
	if i := strings.LastIndexByte(s, ','); i > 0 {
		unit := strings.TrimSpace(s[i+1:])
		if unit != "" && len([]rune(unit)) <= 6 && !strings.ContainsFunc(unit, func(r rune) bool { return !unicode.IsLetter(r) && r != '.' }) {
			return strings.TrimRight(s[:i], " ")
		}
	}
	return s
}

// match is a recognised header: the field and the synonym's rank (0 best).
type match struct {
	field string
	rank  int
}

var (
	// recognised maps a normalised header to its field.
	recognised = map[string]match{}
	// rejected holds the normalised available-stock headers.
	rejected = map[string]bool{}
	// fieldIndex maps a canonical field name to its place in catalog.Fields.
	fieldIndex = map[string]int{}
)

func init() {
	for i, f := range catalog.Fields {
		fieldIndex[f] = i
		recognised[Normalize(f)] = match{field: f}
	}
	for f, names := range synonyms {
		for rank, name := range names {
			n := Normalize(name)
			if _, dup := recognised[n]; !dup {
				recognised[n] = match{field: f, rank: rank + 1}
			}
		}
	}
	for _, name := range availableStock {
		rejected[Normalize(name)] = true
	}
}

// Recognize returns the canonical field a header names, if any.
func Recognize(header string) (string, bool) {
	m, ok := recognised[Normalize(header)]
	return m.field, ok
}

// IsField reports whether name is a canonical field name.
func IsField(name string) bool {
	_, ok := fieldIndex[name]
	return ok
}

// fieldList is the canonical fields for error messages.
func fieldList() string { return strings.Join(catalog.Fields, ", ") }

// attributePair recognises WooCommerce's "Attribute 1 name" / "Attribute 1
// value(s)" columns; it returns the attribute number and whether the header is
// the name (else the value) column.
func attributePair(norm string) (num string, isName, ok bool) {
	rest, found := strings.CutPrefix(norm, "attribute ")
	if !found {
		return "", false, false
	}
	num, part, found := strings.Cut(rest, " ")
	if !found || num == "" || strings.Trim(num, "0123456789") != "" {
		return "", false, false
	}
	switch part {
	case "name":
		return num, true, true
	case "value", "values":
		return num, false, true
	}
	return "", false, false
}
