package feedkit

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
)

// trimCases put every white-space character, and the letters whose bytes
// resemble theirs, at either end of plain and Cyrillic text.
func trimCases() []string {
	ends := []string{"", "a", "Ж", "р", "і", "й", "€", "\x80", "\xC2", "\xE2\x80", "—"}
	for r := rune(0); r <= 0x3000; r++ {
		if unicode.IsSpace(r) {
			ends = append(ends, string(r))
		}
	}
	var cases []string
	for _, mid := range []string{"", "x", "Розмір", "синій 42"} {
		for _, a := range ends {
			for _, b := range ends {
				cases = append(cases, a+mid+b)
			}
		}
	}
	return cases
}

func TestTrimSpace(t *testing.T) {
	for _, s := range trimCases() {
		if got, want := TrimSpace(s), strings.TrimSpace(s); got != want {
			t.Errorf("TrimSpace(%q) = %q, want %q", s, got, want)
		}
		if got, want := TrimSpaceBytes([]byte(s)), bytes.TrimSpace([]byte(s)); !bytes.Equal(got, want) {
			t.Errorf("TrimSpaceBytes(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzTrimSpace(f *testing.F) {
	for _, s := range trimCases()[:100] {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := TrimSpace(s), strings.TrimSpace(s); got != want {
			t.Fatalf("TrimSpace(%q) = %q, want %q", s, got, want)
		}
		if got, want := TrimSpaceBytes([]byte(s)), bytes.TrimSpace([]byte(s)); !bytes.Equal(got, want) {
			t.Fatalf("TrimSpaceBytes(%q) = %q, want %q", s, got, want)
		}
	})
}
