package feedkit

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// TrimSpace is strings.TrimSpace without its Unicode table lookups when
// neither end of s can be white space, as in nearly every value a feed
// holds: a Cyrillic name or value otherwise costs two table searches.
func TrimSpace(s string) string {
	if plain(s) {
		return s
	}
	return strings.TrimSpace(s)
}

// TrimSpaceBytes is TrimSpace for bytes.TrimSpace.
func TrimSpaceBytes(b []byte) []byte {
	if plain(b) {
		return b
	}
	return bytes.TrimSpace(b)
}

// plain reports that s is not empty and neither starts nor ends with white
// space.
func plain[T string | []byte](s T) bool {
	n := len(s)
	if n == 0 {
		return false
	}
	var prev byte
	if n >= 2 {
		prev = s[n-2]
	}
	return plainEnds(s[0], prev, s[n-1])
}

// plainEnds reports that text whose first byte is first and whose last two
// are prev and last neither starts nor ends with a white-space character
// (unicode.IsSpace). Outside ASCII, those characters start with 0xC2
// (U+0085, U+00A0), 0xE1 (U+1680), 0xE2 (U+2000-U+205F) or 0xE3 (U+3000), and
// their last byte follows 0xC2, 0x80, 0x81 or 0x9A.
func plainEnds(first, prev, last byte) bool {
	switch first {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xC2, 0xE1, 0xE2, 0xE3:
		return false
	}
	if last < utf8.RuneSelf {
		return !strings.ContainsRune("\t\n\v\f\r ", rune(last))
	}
	return prev != 0xC2 && prev != 0x80 && prev != 0x81 && prev != 0x9A
}

// Interner makes strings of the short texts records repeat (param names,
// sizes, colours), one string for every record that repeats a text; the zero
// Interner is ready to use. It holds at most maxInterned strings: past that,
// or for a longer text, each call allocates.
type Interner struct {
	m map[string]string
	// recent holds the strings last returned, by internSlot: most texts are
	// found here, compared without being hashed.
	recent [256]string
}

const (
	maxInterned   = 4096
	maxInternSize = 64
)

// String returns b as a string.
func (in *Interner) String(b []byte) string {
	if len(b) == 0 || len(b) > maxInternSize {
		return string(b)
	}
	slot := &in.recent[internSlot(b)]
	if *slot == string(b) {
		return *slot
	}
	s, ok := in.m[string(b)]
	if !ok {
		s = string(b)
		if in.m == nil {
			in.m = map[string]string{}
		}
		if len(in.m) >= maxInterned {
			return s
		}
		in.m[s] = s
	}
	*slot = s
	return s
}

// internSlot picks a text's place in Interner.recent from its length and
// its last two bytes (the first byte of a Cyrillic word is nearly always
// the same).
func internSlot(b []byte) byte {
	n := len(b)
	return byte(n*31) ^ b[n-1] ^ b[max(n-2, 0)]<<2
}
