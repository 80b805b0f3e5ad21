package textenc

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// Masks for looking at eight bytes at once (the first byte in the low bits).
const (
	highBits = 0x8080808080808080
	// A run of four two-byte characters (Cyrillic, most of a Ukrainian
	// file's non-ASCII text) is lead, continuation, lead, continuation...:
	// leads are 110xxxxx, continuations 10xxxxxx.
	pairMask = 0xC0E0C0E0C0E0C0E0
	pairWant = 0x80C080C080C080C0
	// A lead below 0xC2 is an overlong form: its bits 1-4 must not all be 0.
	leadBits  = 0x001E001E001E001E
	leadCarry = 0x007F007F007F007F
	leadHigh  = 0x0080008000800080
)

// validPrefix returns how many bytes at the start of b are valid UTF-8 (all
// of them when b is valid), judging as utf8.Valid does. It is the decoder's
// inner loop over every byte of a UTF-8 file: ASCII is skipped eight bytes at
// a time up to the next non-ASCII byte, a run of two-byte characters is
// checked four characters at a time, anything else one character at a time.
func validPrefix(b []byte) int {
	i, n := 0, len(b)
	for i < n {
		if i+8 <= n {
			w := binary.LittleEndian.Uint64(b[i:])
			if high := w & highBits; high != 0 {
				if k := bits.TrailingZeros64(high) / 8; k > 0 {
					i += k
					continue
				}
			}
			if w&highBits == 0 || w&pairMask == pairWant && (w&leadBits+leadCarry)&leadHigh == leadHigh {
				i += 8
				continue
			}
		}
		switch c := b[i]; {
		case c < utf8.RuneSelf:
			i++
		case c >= 0xC2 && c < 0xE0 && i+1 < n && b[i+1]&0xC0 == 0x80:
			i += 2
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return i
			}
			i += size
		}
	}
	return i
}
