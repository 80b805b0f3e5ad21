package redact

import (
	"bytes"
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// FragmentLen is the shortest piece of a secret that is masked on its own. A
// message cut to a length, or a proxy that shortens long header values, leaves
// only part of a key; eight characters of a random key are already worth hiding,
// and shorter runs would mask ordinary words.
const FragmentLen = 8

// minSecret is the shortest secret worth masking at all: masking every "1" in
// the output would ruin it, and such a key would not be a real KeyCRM key.
const minSecret = 4

// decodeDepth is how many layers of escaping are undone when looking for a
// secret: a key JSON-escaped inside a JSON message is two layers.
const decodeDepth = 2

// Secret finds one secret in text however it was written: whole or cut, raw or
// escaped as JSON (`\/`, `\u002f`), URL (`%2F`) or HTML (`&#47;`) would write it,
// even one escaping inside another.
type Secret struct {
	// grams are the secret's substrings of gram bytes: a text holding any of
	// them holds a fragment of the secret.
	grams map[string]bool
	gram  int
	// starts has a bit for the first two bytes of every gram, so most text
	// positions are passed over without a map lookup: stdout can be megabytes.
	starts [1 << 16 / 64]uint64
}

// NewSecret prepares s for masking. It returns nil for a secret too short to
// mask, and a nil *Secret masks nothing.
func NewSecret(s string) *Secret {
	if len(s) < minSecret {
		return nil
	}
	g := min(FragmentLen, len(s))
	sec := &Secret{grams: make(map[string]bool, len(s)-g+1), gram: g}
	for i := 0; i+g <= len(s); i++ {
		sec.grams[s[i:i+g]] = true
		pair := uint16(s[i])<<8 | uint16(s[i+1])
		sec.starts[pair/64] |= 1 << (pair % 64)
	}
	return sec
}

// escapeBytes start the escapes decode undoes.
const escapeBytes = `\%&`

// Mask replaces every run of text that holds the secret, a fragment of it of at
// least FragmentLen bytes, or an escaped form of either, with Mask.
func (s *Secret) Mask(text string) string {
	if s == nil || len(text) < s.gram {
		return text
	}
	hidden := make([]bool, len(text))
	d := &decodedText{b: []byte(text)}
	found := s.mark(d, hidden)
	for range decodeDepth {
		if !bytes.ContainsAny(d.b, escapeBytes) {
			break
		}
		d = d.decode()
		found = s.mark(d, hidden) || found
	}
	if !found {
		return text
	}
	var out strings.Builder
	for i := 0; i < len(text); {
		if !hidden[i] {
			out.WriteByte(text[i])
			i++
			continue
		}
		out.WriteString(Mask)
		for i < len(text) && hidden[i] {
			i++
		}
	}
	// A masked run may have cut a multi-byte character of the secret.
	return strings.ToValidUTF8(out.String(), "")
}

// mark flags the text bytes behind every gram found in d.
func (s *Secret) mark(d *decodedText, hidden []bool) bool {
	found := false
	for i := 0; i+s.gram <= len(d.b); i++ {
		pair := uint16(d.b[i])<<8 | uint16(d.b[i+1])
		if s.starts[pair/64]&(1<<(pair%64)) == 0 || !s.grams[string(d.b[i:i+s.gram])] {
			continue
		}
		found = true
		from, _ := d.span(i)
		_, to := d.span(i + s.gram - 1)
		for j := from; j < to; j++ {
			hidden[j] = true
		}
	}
	return found
}

// decodedText is text with one or more layers of escaping undone. Each layer
// maps its bytes back to the layer below through segments; the bottom layer,
// without a parent, is the text itself.
type decodedText struct {
	b      []byte
	parent *decodedText
	segs   []segment
}

// segment is a run of a layer's bytes from parent.b[from:to]: either copied
// byte for byte (copied) or all decoded from one escape.
type segment struct {
	at, from, to int
	copied       bool
}

// span is the range of the original text that byte i came from.
func (d *decodedText) span(i int) (int, int) {
	if d.parent == nil {
		return i, i + 1
	}
	k, ok := slices.BinarySearchFunc(d.segs, i, func(sg segment, i int) int { return cmp.Compare(sg.at, i) })
	if !ok {
		k--
	}
	sg := d.segs[k]
	from, to := sg.from, sg.to
	if sg.copied {
		from += i - sg.at
		to = from + 1
	}
	start, _ := d.parent.span(from)
	_, end := d.parent.span(to - 1)
	return start, end
}

// decode undoes one layer of JSON, URL and HTML escaping. Anything that is not
// a complete escape is kept as it is.
func (d *decodedText) decode() *decodedText {
	out := &decodedText{b: make([]byte, 0, len(d.b)), parent: d}
	for i := 0; i < len(d.b); {
		j := len(d.b)
		if k := bytes.IndexAny(d.b[i+1:], escapeBytes); k >= 0 {
			j = i + 1 + k
		}
		dec, n := unescape(d.b[i:])
		if n == 0 {
			// Plain bytes up to the next possible escape.
			out.segs = append(out.segs, segment{at: len(out.b), from: i, to: j, copied: true})
			out.b = append(out.b, d.b[i:j]...)
			i = j
			continue
		}
		out.segs = append(out.segs, segment{at: len(out.b), from: i, to: i + n})
		out.b = append(out.b, dec...)
		i += n
	}
	return out
}

// htmlNames are the named entities for the characters an API key can hold
// that HTML encoders name rather than number.
var htmlNames = map[string]string{
	"amp": "&", "lt": "<", "gt": ">", "quot": `"`, "apos": "'",
	"sol": "/", "plus": "+", "equals": "=", "num": "#", "percnt": "%", "bsol": `\`,
}

// unescape decodes the escape at the start of b: it returns the bytes it
// stands for and its length, or n = 0 when b does not start with one.
func unescape(b []byte) (dec []byte, n int) {
	switch b[0] {
	case '\\':
		if len(b) >= 6 && b[1] == 'u' {
			if v, err := strconv.ParseUint(string(b[2:6]), 16, 16); err == nil {
				return utf8.AppendRune(nil, rune(v)), 6
			}
		}
		if len(b) >= 2 && strings.IndexByte(`/\"'`, b[1]) >= 0 {
			return b[1:2], 2
		}
	case '%':
		if len(b) >= 3 {
			if v, err := strconv.ParseUint(string(b[1:3]), 16, 8); err == nil {
				return []byte{byte(v)}, 3
			}
		}
	case '&':
		end := strings.IndexByte(string(b[:min(len(b), 10)]), ';')
		if end < 2 {
			return nil, 0
		}
		name := string(b[1:end])
		if num, ok := strings.CutPrefix(name, "#"); ok {
			base := 10
			if hex, ok := strings.CutPrefix(strings.ToLower(num), "x"); ok {
				num, base = hex, 16
			}
			if v, err := strconv.ParseUint(num, base, 21); err == nil && utf8.ValidRune(rune(v)) {
				return utf8.AppendRune(nil, rune(v)), end + 1
			}
			return nil, 0
		}
		if s, ok := htmlNames[strings.ToLower(name)]; ok {
			return []byte(s), end + 1
		}
	}
	return nil, 0
}

// authValue finds the value of an Authorization header however a server dumps
// it: "Authorization: X", JSON "authorization":["X"], or a form's
// authorization=X. The value runs to the end of the line or the closing quote.
var authValue = regexp.MustCompile(`(?i)(\bauthorization\b\\?["']?\s*[:=]\s*\[?\s*\\?["']?)(?:[^"'\r\n<>\]\\]|\\[^"'])+`)

// bearer finds a Bearer token, whatever it is, raw or URL-encoded after the
// scheme.
var bearer = regexp.MustCompile(`(?i)(\bbearer(?:\s+|%20|\+))[^\s"'<>,;]+`)

// Credentials masks every Authorization header value and Bearer token in text
// a server sent, whether or not it is a key this program knows: a proxy that
// echoes a request may have seen another credential, and a key from an older
// configuration is no less secret.
func Credentials(text string) string {
	text = authValue.ReplaceAllString(text, "${1}"+Mask)
	return bearer.ReplaceAllString(text, "${1}"+Mask)
}
