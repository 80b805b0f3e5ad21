package textenc

import (
	"encoding/binary"
	"unicode/utf8"
)

// Masks for looking at eight bytes at once (the first byte in the low bits).
const (
	highBits = 0x8080808080808080 // bit 7 of each byte
	// leadBits are bits 1-4 of each byte: a two-byte lead without any of
	// them (0xC0, 0xC1) starts an overlong form.
	leadBits  = 0x1E1E1E1E1E1E1E1E
	lowBits7  = 0x7F7F7F7F7F7F7F7F
	lastByte7 = 0x80 << 56
)

// validPrefix returns how many bytes at the start of b are valid UTF-8 (all
// of them when b is valid), judging as utf8.Valid does. It is the decoder's
// inner loop over every byte of a UTF-8 file, so eight bytes of ASCII and
// two-byte characters (Cyrillic) — nearly all of a Ukrainian file — are
// checked at once: every continuation byte (10xxxxxx) must follow a lead
// (110xxxxx) of 0xC2 or more, and every such lead precede one. A word with a
// longer or a broken sequence is read one character at a time.
func validPrefix(b []byte) int {
	i, n := 0, len(b)
	for i < n {
		if i+8 <= n {
			w := binary.LittleEndian.Uint64(b[i:])
			high := w & highBits
			if high == 0 {
				i += 8
				continue
			}
			bit6, bit5 := w<<1&highBits, w<<2&highBits
			lead, cont := high&bit6&^bit5, high&^bit6
			nonzero := (w&leadBits + lowBits7) & highBits
			if high&bit6&bit5 == 0 && cont == lead<<8 && lead&^nonzero == 0 {
				// A lead in the last byte is checked with the next word.
				if lead&lastByte7 != 0 {
					i += 7
				} else {
					i += 8
				}
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
