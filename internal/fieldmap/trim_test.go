package fieldmap

import (
	"strings"
	"testing"
)

// trimReference is trimBounds' rule spelled out rune by rune, without its
// shortcut for cells with printable ASCII ends.
func trimReference(v string) string {
	return strings.TrimFunc(v, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\u00a0' || r == '\u202f' || r == '\ufeff' || r == '\u200b'
	})
}

func TestTrimBounds(t *testing.T) {
	for v, want := range map[string]string{
		"":                     "",
		"A-1":                  "A-1",
		" A-1\u00a0":           "A-1",
		"\ufeffSKU":            "SKU",
		"SKU\u200b":            "SKU",
		"\u202f12\u202f":       "12",
		"\t\r\n":               "",
		"Кросівки":             "Кросівки",
		" Кросівки ":           "Кросівки",
		"A\u00a0B":             "A\u00a0B",
		"\u00a0":               "",
		"x\xc2":                "x\xc2", // a cut no-break space is not one
		"\xa0x":                "\xa0x",
		"1\u200b\u00a0 \ufeff": "1",
	} {
		i, j := trimBounds(v)
		if got := v[i:j]; got != want {
			t.Errorf("trimBounds(%q) = %q, want %q", v, got, want)
		}
		if got := trimReference(v); got != want {
			t.Errorf("reference(%q) = %q, want %q", v, got, want)
		}
	}
}

func FuzzTrimBounds(f *testing.F) {
	for _, s := range []string{"", "A-1", " A-1\u00a0", "\ufeff1", "1\u200b", "\u202f", "Кр ", "\xc2", "\xe2\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		i, j := trimBounds(v)
		if got, want := v[i:j], trimReference(v); got != want {
			t.Fatalf("trimBounds(%q) = %q, reference %q", v, got, want)
		}
		b := []byte(v)
		if bi, bj := trimBounds(b); bi != i || bj != j {
			t.Fatalf("trimBounds of bytes %q = %d,%d; of the string %d,%d", v, bi, bj, i, j)
		}
	})
}
