// Package textenc turns the bytes of a text source into UTF-8. Ukrainian and
// Russian stock files come as UTF-8 (often with a byte-order mark) or as
// Windows-1251 without any marker, so the encoding is detected from the bytes
// unless the operator names one (--encoding). Text that is valid in neither
// encoding, or that holds NUL bytes, is refused: reading it would turn a binary
// file into a catalogue of garbage SKUs.
package textenc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Names of the encodings detection chooses between, as --encoding accepts them.
const (
	UTF8        = "utf-8"
	Windows1251 = "windows-1251"
	UTF16LE     = "utf-16le"
	UTF16BE     = "utf-16be"
)

// ErrBinary reports input that is not text at all (NUL bytes).
var ErrBinary = errors.New("binary data, not text")

// ErrInvalid reports bytes that the encoding in use cannot decode.
var ErrInvalid = errors.New("invalid text")

// DecodeError locates undecodable input.
type DecodeError struct {
	// Offset is the byte offset in the input, from 0.
	Offset int64
	// Line is the 1-based line of the offset; 0 when unknown (UTF-16).
	Line int
	// Encoding is the encoding the input was being read in.
	Encoding string
	// Err is ErrBinary or ErrInvalid.
	Err error
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d (byte %d): ", e.Line, e.Offset)
	} else {
		fmt.Fprintf(&b, "byte %d: ", e.Offset)
	}
	switch {
	case errors.Is(e.Err, ErrBinary):
		b.WriteString("NUL byte: binary data, not text")
	default:
		fmt.Fprintf(&b, "invalid %s", e.Encoding)
		switch e.Encoding {
		case UTF8:
			b.WriteString("; if the file is in Windows-1251, pass --encoding windows-1251")
		case Windows1251:
			b.WriteString(" (byte 0x98 is unassigned): the file is neither UTF-8 nor Windows-1251 text")
		}
	}
	return b.String()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Canonical returns the canonical name of an --encoding value: utf-8 and
// windows-1251 under their usual spellings (utf8, cp1251, win1251, 1251), or any
// WHATWG label (koi8-r, ibm866, iso-8859-5, utf-16le).
func Canonical(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "utf8", "utf-8":
		return UTF8, nil
	case "cp1251", "cp-1251", "windows-1251", "windows1251", "win1251", "win-1251", "1251":
		return Windows1251, nil
	}
	e, err := htmlindex.Get(n)
	if err != nil {
		return "", fmt.Errorf("unknown encoding %q (use utf-8, windows-1251 or another WHATWG label such as koi8-r)", name)
	}
	c, err := htmlindex.Name(e)
	if err != nil {
		return "", fmt.Errorf("unknown encoding %q: %w", name, err)
	}
	return c, nil
}

// cp1251UTF8 holds the UTF-8 form of the bytes 0x80-0xFF in Windows-1251; an empty
// entry is the one unassigned byte (0x98).
var cp1251UTF8 = func() (t [128][]byte) {
	for i := range t {
		r := charmap.Windows1251.DecodeByte(byte(0x80 + i))
		if r != utf8.RuneError {
			t[i] = utf8.AppendRune(nil, r)
		}
	}
	return t
}()

type mode uint8

const (
	modeUndecided mode = iota // ASCII so far: identical in UTF-8 and Windows-1251
	modeUTF8
	modeCP1251
	modeOther // any other encoding, through golang.org/x/text
)

// bufSize is the raw read size; detection looks at up to this much text after
// the first non-ASCII byte.
const bufSize = 64 << 10

// minSample is how much input detection wants after the first non-ASCII byte,
// unless the input ends first: one Cyrillic word is not enough to tell.
const minSample = 4 << 10

// Reader decodes a byte stream into UTF-8, stripping a byte-order mark.
// In detection mode it passes ASCII through until the first non-ASCII byte, then
// commits to UTF-8 if the text from there on is valid UTF-8 and to Windows-1251
// otherwise; ASCII reads the same in both, so nothing already returned changes.
type Reader struct {
	src      io.Reader
	mode     mode
	forced   string // the --encoding value, canonical; "" detects
	other    io.Reader
	in       []byte
	r, w     int
	valid    int    // bytes at in[r:] already validated as UTF-8
	pend     []byte // the rest of a character p had no room for
	pendBuf  [utf8.UTFMax]byte
	eof      bool
	err      error
	off      int64 // input offset of in[r]
	line     int   // 1-based line of in[r]
	started  bool
	bomFound string
}

// NewReader returns a Reader decoding src; encoding "" detects between UTF-8 and
// Windows-1251, anything else is an --encoding value (see Canonical).
func NewReader(src io.Reader, enc string) (*Reader, error) {
	r := &Reader{src: src, in: make([]byte, bufSize), line: 1}
	if enc == "" {
		return r, nil
	}
	c, err := Canonical(enc)
	if err != nil {
		return nil, err
	}
	r.forced = c
	return r, nil
}

// Encoding names the encoding in use: the forced one, the detected one, or UTF8
// for input that has been ASCII so far.
func (r *Reader) Encoding() string {
	switch r.mode {
	case modeCP1251:
		return Windows1251
	case modeOther:
		if r.bomFound != "" {
			return r.bomFound
		}
		return r.forced
	}
	return UTF8
}

// Notes explains, for the operator, how the encoding was chosen when that was
// not obvious: detected Windows-1251, or a forced encoding overruled by a
// byte-order mark. Complete once the input has been read.
func (r *Reader) Notes() []string {
	var notes []string
	if r.forced == "" && r.mode == modeCP1251 {
		notes = append(notes, "encoding detected as windows-1251 (no byte-order mark, not valid UTF-8); pass --encoding to override")
	}
	if r.forced != "" && r.bomFound != "" && r.bomFound != r.forced {
		notes = append(notes, fmt.Sprintf("--encoding %s ignored: the file starts with a %s byte-order mark", r.forced, r.bomFound))
	}
	return notes
}

// fill reads more input after compacting; it returns false when nothing was
// added: at the end of input, on a read error (kept in r.err), or with the
// buffer full.
func (r *Reader) fill() bool {
	if r.eof || r.err != nil {
		return false
	}
	if r.r > 0 {
		copy(r.in, r.in[r.r:r.w])
		r.w -= r.r
		r.r = 0
	}
	if r.w == len(r.in) {
		return false
	}
	for tries := 0; ; tries++ {
		if tries == 100 { // a source returning nothing forever
			r.err = io.ErrNoProgress
			return false
		}
		n, err := r.src.Read(r.in[r.w:])
		r.w += n
		if err == io.EOF {
			r.eof = true
			return n > 0
		}
		if err != nil {
			r.err = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// start handles a byte-order mark and the forced encoding.
func (r *Reader) start() error {
	r.started = true
	for r.w-r.r < 3 && r.fill() {
	}
	head := r.in[r.r:r.w]
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		r.bomFound = UTF8
		r.r += 3
		r.off = 3
		r.mode = modeUTF8
		return nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		r.bomFound = UTF16LE
		return r.useOther(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM))
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		r.bomFound = UTF16BE
		return r.useOther(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM))
	}
	switch r.forced {
	case "":
		r.mode = modeUndecided
	case UTF8:
		r.mode = modeUTF8
	case Windows1251:
		r.mode = modeCP1251
	default:
		e, err := htmlindex.Get(r.forced)
		if err != nil {
			return err
		}
		return r.useOther(e)
	}
	return nil
}

// useOther hands the rest of the input to an x/text decoder. Such input is not
// validated: the operator chose the encoding.
func (r *Reader) useOther(e encoding.Encoding) error {
	r.mode = modeOther
	rest := io.MultiReader(bytes.NewReader(append([]byte(nil), r.in[r.r:r.w]...)), readerFunc(r.srcRead))
	r.r, r.w = 0, 0
	r.other = transform.NewReader(rest, e.NewDecoder())
	return nil
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// srcRead reads the underlying source, keeping its end and errors.
func (r *Reader) srcRead(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.eof {
		return 0, io.EOF
	}
	return r.src.Read(p)
}

// Read fills p with UTF-8 text.
func (r *Reader) Read(p []byte) (int, error) {
	if !r.started {
		if err := r.start(); err != nil {
			return 0, err
		}
	}
	if r.mode == modeOther {
		return r.other.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if len(r.pend) > 0 {
		n := copy(p, r.pend)
		r.pend = r.pend[n:]
		return n, nil
	}
	for r.r == r.w {
		if !r.fill() {
			if r.err != nil {
				return 0, r.err
			}
			return 0, io.EOF
		}
	}
	if r.mode == modeUndecided {
		if n, err := r.readUndecided(p); n > 0 || err != nil {
			return n, err
		}
	}
	if r.mode == modeUTF8 {
		return r.readUTF8(p)
	}
	return r.readCP1251(p)
}

// readUndecided passes ASCII through and decides the encoding at the first
// non-ASCII byte. It returns 0, nil once decided with nothing copied.
func (r *Reader) readUndecided(p []byte) (int, error) {
	src := r.in[r.r:r.w]
	n := min(len(p), len(src))
	i := 0
	for i < n && src[i] < 0x80 && src[i] != 0 {
		i++
	}
	if i > 0 {
		copy(p, src[:i])
		r.advance(i)
		return i, nil
	}
	if src[0] == 0 {
		return 0, r.errorAt(0, ErrBinary)
	}
	// src[0] is the first non-ASCII byte: look ahead far enough to judge.
	for r.w-r.r < minSample && r.fill() {
	}
	sample := r.in[r.r:r.w]
	if !r.eof {
		sample = trimIncompleteRune(sample)
	}
	if looksUTF8(sample) {
		r.mode = modeUTF8
	} else {
		r.mode = modeCP1251
	}
	return 0, nil
}

// looksUTF8 judges a sample starting at a non-ASCII byte. Windows-1251 text
// forms valid UTF-8 sequences by chance (an upper-case letter before "і" or
// "ї" is one), but far fewer than invalid ones; UTF-8 text with a damaged byte
// is mostly valid sequences. Such a damaged file is read as UTF-8 and refused
// at the bad byte rather than turned into mojibake.
func looksUTF8(b []byte) bool {
	valid, invalid := 0, 0
	for i := 0; i < len(b); {
		if b[i] < 0x80 {
			i++
			continue
		}
		c, size := utf8.DecodeRune(b[i:])
		if c == utf8.RuneError && size <= 1 {
			invalid++
			i++
			continue
		}
		valid++
		i += size
	}
	return invalid*10 < valid
}

// trimIncompleteRune drops a multi-byte sequence cut by the end of b.
func trimIncompleteRune(b []byte) []byte {
	for k := 1; k <= 3 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return b
		}
		if c >= 0xC0 { // a lead byte: complete if the whole sequence is there
			if k < seqLen(c) {
				return b[:len(b)-k]
			}
			return b
		}
	}
	return b
}

func seqLen(lead byte) int {
	switch {
	case lead >= 0xF0:
		return 4
	case lead >= 0xE0:
		return 3
	default:
		return 2
	}
}

// readUTF8 validates the buffered input once (r.valid counts the checked bytes
// not yet handed out) and copies it out; text before a bad byte is returned
// first, the error on the next call.
func (r *Reader) readUTF8(p []byte) (int, error) {
	for r.valid == 0 {
		chunk := r.in[r.r:r.w]
		if !r.eof {
			chunk = trimIncompleteRune(chunk)
		}
		if len(chunk) == 0 {
			if r.fill() {
				continue
			}
			if r.err != nil {
				return 0, r.err
			}
			if r.r == r.w {
				return 0, io.EOF
			}
			return 0, r.errorAt(0, ErrInvalid) // the input ends inside a sequence
		}
		if i := bytes.IndexByte(chunk, 0); i >= 0 {
			if i == 0 {
				return 0, r.errorAt(0, ErrBinary)
			}
			chunk = chunk[:i]
		}
		if i := validPrefix(chunk); i < len(chunk) {
			if i == 0 {
				return 0, r.errorAt(0, ErrInvalid)
			}
			chunk = chunk[:i]
		}
		r.valid = len(chunk)
	}
	n := copy(p, r.in[r.r:r.r+r.valid])
	r.valid -= n
	r.advance(n)
	return n, nil
}

// readCP1251 transcodes the buffered input; text before a bad byte is returned
// first, the error on the next call.
func (r *Reader) readCP1251(p []byte) (int, error) {
	src := r.in[r.r:r.w]
	n, i := 0, 0
	for i < len(src) && n < len(p) {
		c := src[i]
		if c < 0x80 {
			if c == 0 {
				break
			}
			p[n] = c
			n++
			i++
			continue
		}
		u := cp1251UTF8[c-0x80]
		if u == nil {
			break
		}
		if n+len(u) > len(p) {
			if n == 0 { // p is smaller than one character
				r.pend = append(r.pendBuf[:0], u[len(p):]...)
				n = copy(p, u)
				i++
			}
			break
		}
		n += copy(p[n:], u)
		i++
	}
	if n == 0 {
		if src[i] == 0 {
			return 0, r.errorAt(i, ErrBinary)
		}
		return 0, r.errorAt(i, ErrInvalid)
	}
	r.advance(i)
	return n, nil
}

// advance consumes n input bytes, keeping the line count for error messages.
func (r *Reader) advance(n int) {
	r.line += bytes.Count(r.in[r.r:r.r+n], []byte{'\n'})
	r.off += int64(n)
	r.r += n
}

// errorAt builds a sticky DecodeError for the input byte in[r.r+i].
func (r *Reader) errorAt(i int, err error) error {
	line := r.line + bytes.Count(r.in[r.r:r.r+i], []byte{'\n'})
	r.err = &DecodeError{Offset: r.off + int64(i), Line: line, Encoding: r.Encoding(), Err: err}
	r.r, r.w = 0, 0
	return r.err
}
