package catalog

import (
	"strings"
	"testing"
)

// normalizeReference is NormalizeSKU without its shortcut for SKUs with
// printable ASCII ends.
func normalizeReference(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\u00a0' || r == '\ufeff' || r == '\u200b'
	})
}

func TestNormalizeSKU(t *testing.T) {
	for s, want := range map[string]string{
		"":                "",
		"A-1":             "A-1",
		" A-1 ":           "A-1",
		"\u00a0A-1\ufeff": "A-1",
		"A-1\u200b":       "A-1",
		"Арт-1":           "Арт-1",
		"A 1":             "A 1",
		"\t\n":            "",
		"1\u202f":         "1\u202f", // not one of the SKU's trimmed characters
	} {
		if got := NormalizeSKU(s); got != want {
			t.Errorf("NormalizeSKU(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzNormalizeSKU(f *testing.F) {
	for _, s := range []string{"", "A-1", " A ", "\u00a0x", "x\ufeff", "\u200b", "Я", "\xc2", "a\xa0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := NormalizeSKU(s), normalizeReference(s); got != want {
			t.Fatalf("NormalizeSKU(%q) = %q, reference %q", s, got, want)
		}
	})
}
