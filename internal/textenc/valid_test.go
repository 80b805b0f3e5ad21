package textenc

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// wantPrefix is validPrefix as utf8.Valid defines it, one character at a
// time.
func wantPrefix(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// validCases put every kind of bad sequence at every offset in and around
// words of ASCII and of two-byte characters, where the eight-byte loops
// start and stop.
func validCases() [][]byte {
	bad := []string{
		"\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xC2", "\xD0", "\xD0\x41", "\xD0\xC0", "\xE0\x80\x80",
		"\xE0\xA0", "\xED\xA0\x80", "\xEF\xBF", "\xF0\x80\x80\x80", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF",
	}
	good := []string{"", "a", "Ж", "ї", "€", "\uFFFD", "\U0001F600", "\u00A0", "\xC2\x80", "\xDF\xBF"}
	fills := []string{"abcdefgh", "Предложение", "ЖЖЖЖ", "aЖЖЖЖ", "Килимок 140x200 см"}
	var cases [][]byte
	for _, f := range fills {
		for cut := 0; cut <= len(f); cut++ {
			for _, x := range append(bad, good...) {
				s := f[:cut] + x + f + f[cut:]
				cases = append(cases, []byte(s), []byte(s[:len(s)-1]))
			}
		}
	}
	return cases
}

func TestValidPrefix(t *testing.T) {
	for _, b := range validCases() {
		if got, want := validPrefix(b), wantPrefix(b); got != want {
			t.Errorf("validPrefix(%q) = %d, want %d", b, got, want)
		}
	}
}

func FuzzValidPrefix(f *testing.F) {
	for _, b := range validCases()[:200] {
		f.Add(b)
	}
	f.Add([]byte(strings.Repeat("Артикул", 9) + "\xD0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validPrefix(b), wantPrefix(b); got != want {
			t.Fatalf("validPrefix(%q) = %d, want %d", b, got, want)
		}
		if (validPrefix(b) == len(b)) != utf8.Valid(b) {
			t.Fatalf("validPrefix and utf8.Valid disagree on %q", b)
		}
	})
}

// BenchmarkValid compares validPrefix with utf8.Valid on text as 1C writes
// it: Cyrillic element names around ASCII values.
func BenchmarkValid(b *testing.B) {
	text := bytes.Repeat([]byte("\t\t\t<Предложение>\n\t\t\t\t<Ид>0001-18f9#0001</Ид>\n\t\t\t\t<Артикул>PM-1-WP</Артикул>\n\t\t\t\t<Наименование>Килимок 140x200 см, конячки 1</Наименование>\n"), 10000)
	b.Run("validPrefix", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			if validPrefix(text) != len(text) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("utf8.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			if !utf8.Valid(text) {
				b.Fatal("invalid")
			}
		}
	})
}
