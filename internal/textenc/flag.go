package textenc

import (
	"fmt"
	"strings"
	"unicode"
)

// flagValues are the --encoding values, each with the other spellings it
// accepts: the encodings Ukrainian and Russian stock files come in. The help
// text lists exactly these (FlagHelp), and FlagValue accepts exactly these.
var flagValues = []struct {
	name    string
	aliases []string
}{
	{UTF8, []string{"utf8"}},
	{Windows1251, []string{"cp1251"}},
	{"koi8-u", nil},
	{"koi8-r", nil},
	{"ibm866", []string{"cp866"}},
	{"iso-8859-5", nil},
	{UTF16LE, nil},
	{UTF16BE, nil},
}

// FlagHelp lists the --encoding values for the flag's help.
func FlagHelp() string {
	parts := make([]string, len(flagValues))
	for i, v := range flagValues {
		parts[i] = v.name
		if len(v.aliases) > 0 {
			parts[i] += " (" + strings.Join(v.aliases, ", ") + ")"
		}
	}
	return strings.Join(parts, ", ")
}

// FlagValue checks an --encoding value against the list FlagHelp prints and
// returns its canonical name.
func FlagValue(value string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(value))
	for _, e := range flagValues {
		if v == e.name {
			return e.name, nil
		}
		for _, a := range e.aliases {
			if v == a {
				return e.name, nil
			}
		}
	}
	return "", fmt.Errorf("--encoding %q: not one of %s", value, FlagHelp())
}

// MisdecodedHint is what to tell an operator whose headers look mis-decoded.
func MisdecodedHint() string {
	names := make([]string, len(flagValues))
	for i, v := range flagValues {
		names[i] = v.name
	}
	return "the headers look mis-decoded; try --encoding with one of " + strings.Join(names, ", ")
}

// LooksMisdecoded reports whether header cells look like Cyrillic text read
// in the wrong encoding: KOI8 read as Windows-1251 swaps the case of every
// letter ("бТФЙЛХМ" for "Артикул"), and DOS (866) or UTF-8 bytes read as
// Windows-1251 give the letters and signs of its upper half that no Ukrainian
// or Russian header uses (Serbian letters, "‚", "¦", "‡"). Most of the cells
// holding letters other than ASCII must look so: one odd cell is a typo.
func LooksMisdecoded(cells []string) bool {
	odd, nonASCII := 0, 0
	for _, c := range cells {
		if !strings.ContainsFunc(c, func(r rune) bool { return r >= 0x80 }) {
			continue
		}
		nonASCII++
		if garbled(c) {
			odd++
		}
	}
	return nonASCII > 0 && 2*odd > nonASCII
}

// garbled reports a cell with a sign no header holds, or a Cyrillic word in
// which a lower-case letter precedes an upper-case one.
func garbled(s string) bool {
	lower := false
	for _, r := range s {
		switch {
		case strings.ContainsRune(foreignSigns, r):
			return true
		case !unicode.Is(unicode.Cyrillic, r):
			lower = false // a word ends
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r) && lower:
			return true
		}
	}
	return false
}

// foreignSigns are the characters of Windows-1251's upper half that are not
// Ukrainian or Russian letters and that headers do not use (the apostrophe
// "’" and quotation marks are left out: Ukrainian words hold them).
const foreignSigns = "ЂЃѓ‚„†‡€‰Љ‹ЊЌЋЏђ•™љ›њќћџЎўЈ¤¦§©¬®±µ¶·Ѕѕј"
