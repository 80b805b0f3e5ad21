package feedkit

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unsafe"
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

// TestInterner: a text comes back equal, one string for each repeated text
// (found in recent slots and in the map, with colliding slots), whatever
// buffer it was read from.
func TestInterner(t *testing.T) {
	var in Interner
	texts := []string{"", "36", "37", "синій", "червоний", "Розмір", "Колір", "36", strings.Repeat("x", 100), "a", "b", "синій"}
	first := map[string]string{}
	for round := range 3 {
		for _, s := range texts {
			buf := []byte(s)
			got := in.String(buf)
			for i := range buf { // the buffer, overwritten by the next token
				buf[i] = 'z'
			}
			if got != s {
				t.Fatalf("round %d: %q, want %q", round, got, s)
			}
			if f, ok := first[s]; ok && len(s) > 0 && len(s) <= maxInternSize && unsafe.StringData(f) != unsafe.StringData(got) {
				t.Errorf("round %d: %q made again", round, s)
			}
			if _, ok := first[s]; !ok {
				first[s] = got
			}
		}
	}
}
