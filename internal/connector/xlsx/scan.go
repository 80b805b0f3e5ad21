package xlsx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

// Token kinds returned by scanner.next.
const (
	tokEOF = iota
	tokStart
	tokEnd
	tokText
	tokSkip // a comment or processing instruction, never returned
)

// maxDepth bounds element nesting: a worksheet nests five deep, so a deeper
// document is damaged or hostile, and the stack of open names stays small.
const maxDepth = 256

// errTooLong is a tag, comment or CDATA section longer than the scanner's
// buffer may grow: what a cell may hold plus room for its markup.
var errTooLong = errors.New("markup longer than a cell may be")

type attr struct{ name, qname, value []byte }

// scanner tokenizes the subset of XML that SpreadsheetML parts use, straight
// from a part's decompressing reader and without allocating per token. It is
// strict where encoding/xml is (mismatched or unclosed tags, bad entities,
// invalid UTF-8 in text kept) and refuses DTDs outright, since a workbook
// never has one.
//
// Tokens point into the buffer and stay valid until the next call to next.
// Text may arrive in several tokens (a long value, or one split by a CDATA
// section); callers append it as it comes.
type scanner struct {
	src   io.Reader
	buf   []byte
	pos   int
	end   int
	limit int // the most the buffer may grow to
	eof   bool

	name  []byte // the local name of the current start or end tag
	attrs []attr
	empty bool   // the start tag closes itself: <c r="A1"/>
	text  []byte // raw text: entities not yet resolved
	cdata bool

	scratch []byte // entities resolved to check them

	stack   []byte // qualified names of the open elements, end to end
	open    []int  // where each open name starts in stack
	started bool   // past a byte order mark
	seen    bool   // a root element was opened
	closed  bool   // the root element was closed
}

func newScanner(src io.Reader, limit int) *scanner {
	size := min(64<<10, limit)
	return &scanner{src: src, buf: make([]byte, size), limit: limit}
}

// depth is the number of open elements.
func (s *scanner) depth() int { return len(s.open) }

// more reads into the buffer, first moving the unread bytes to its start and
// growing it (up to limit) when it is full.
func (s *scanner) more() error {
	if s.pos > 0 {
		s.end = copy(s.buf, s.buf[s.pos:s.end])
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= s.limit {
			return errTooLong
		}
		grown := make([]byte, min(2*len(s.buf), s.limit))
		copy(grown, s.buf[:s.end])
		s.buf = grown
	}
	// Fill the buffer, not just what one Read gives (a decompressor gives
	// little at a time): the one-step paths need whole cells in it.
	for s.end < len(s.buf) {
		n, err := s.src.Read(s.buf[s.end:])
		s.end += n
		switch {
		case err == io.EOF:
			s.eof = true
			return nil
		case err != nil:
			return err
		case n == 0:
			return nil
		}
	}
	return nil
}

// next returns the next token. At the end of the input it returns tokEOF, or
// connector.ErrTruncated when elements are still open.
func (s *scanner) next() (int, error) {
	for {
		if s.pos == s.end {
			if s.eof {
				if len(s.open) > 0 || !s.seen {
					return tokEOF, connector.ErrTruncated
				}
				return tokEOF, nil
			}
			if err := s.more(); err != nil {
				return tokEOF, err
			}
			continue
		}
		b := s.buf[s.pos:s.end]
		if !s.started {
			// Some generators start a part with a UTF-8 byte order mark.
			if len(b) < len(bom) && !s.eof {
				if err := s.more(); err != nil {
					return tokEOF, err
				}
				continue
			}
			s.started = true
			if bytes.HasPrefix(b, bom) {
				s.pos += len(bom)
				continue
			}
		}
		if b[0] != '<' {
			i := bytes.IndexByte(b, '<')
			if i < 0 && !s.eof {
				if s.pos > 0 || s.end < len(s.buf) {
					if err := s.more(); err != nil {
						return tokEOF, err
					}
					continue
				}
				// A buffer full of text: hand it over in a piece that
				// does not cut an entity or a CR LF pair.
				if i = safeCut(b); i == 0 {
					return tokEOF, errors.New("an entity without its closing ';'")
				}
			}
			if i < 0 {
				i = len(b)
			}
			s.text, s.cdata = b[:i], false
			s.pos += i
			if len(s.open) == 0 && !isSpaceOnly(s.text) {
				return tokEOF, errors.New("text outside the root element")
			}
			return tokText, s.checkText()
		}
		n, kind, err := s.markup(b)
		if err != nil {
			return tokEOF, err
		}
		if n == 0 {
			if s.eof {
				return tokEOF, connector.ErrTruncated
			}
			if err := s.more(); err != nil {
				return tokEOF, err
			}
			continue
		}
		s.pos += n
		if kind == tokText {
			return kind, s.checkText()
		}
		if kind != tokSkip {
			return kind, nil
		}
	}
}

// checkText refuses text encoding/xml refuses, whether or not it is used:
// invalid UTF-8, characters XML does not allow, malformed entities.
func (s *scanner) checkText() error {
	if err := checkChars(s.text); err != nil {
		return err
	}
	if s.cdata || bytes.IndexByte(s.text, '&') < 0 {
		return nil
	}
	var err error
	s.scratch, err = s.appendText(s.scratch[:0])
	return err
}

// safeCut is how much of a text with no '<' in sight can be handed over now.
func safeCut(b []byte) int {
	i := len(b)
	if amp := bytes.LastIndexByte(b, '&'); amp >= 0 && bytes.IndexByte(b[amp:], ';') < 0 {
		i = amp
	}
	if i > 0 && b[i-1] == '\r' {
		i--
	}
	// Nor a character's UTF-8 bytes.
	for k := i - 1; k >= 0 && k >= i-utf8.UTFMax; k-- {
		if utf8.RuneStart(b[k]) {
			if !utf8.FullRune(b[k:i]) {
				i = k
			}
			break
		}
	}
	return i
}

func isSpaceOnly(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

var (
	bom         = []byte("\xEF\xBB\xBF")
	commentOpen = []byte("<!--")
	cdataOpen   = []byte("<![CDATA[")
)

// markup reads the tag, comment, CDATA section or processing instruction at
// the start of b; n is 0 when b holds only part of it.
func (s *scanner) markup(b []byte) (n, kind int, err error) {
	if len(b) < 2 {
		return 0, 0, nil
	}
	switch b[1] {
	case '/':
		return s.endTag(b)
	case '?':
		if i := bytes.Index(b, []byte("?>")); i >= 0 {
			return i + 2, tokSkip, nil
		}
		return 0, 0, nil
	case '!':
		switch {
		case bytes.HasPrefix(b, commentOpen):
			if i := bytes.Index(b[len(commentOpen):], []byte("-->")); i >= 0 {
				return len(commentOpen) + i + 3, tokSkip, nil
			}
			return 0, 0, nil
		case bytes.HasPrefix(b, cdataOpen):
			if len(s.open) == 0 {
				return 0, 0, errors.New("CDATA outside the root element")
			}
			if i := bytes.Index(b[len(cdataOpen):], []byte("]]>")); i >= 0 {
				s.text, s.cdata = b[len(cdataOpen):len(cdataOpen)+i], true
				return len(cdataOpen) + i + 3, tokText, nil
			}
			return 0, 0, nil
		case bytes.HasPrefix(commentOpen, b) || bytes.HasPrefix(cdataOpen, b):
			return 0, 0, nil
		}
		return 0, 0, errors.New("a DOCTYPE or other declaration, which a workbook never has")
	}
	return s.startTag(b)
}

func (s *scanner) endTag(b []byte) (int, int, error) {
	i := bytes.IndexByte(b, '>')
	if i < 0 {
		return 0, 0, nil
	}
	j := i
	for j > 2 && isSpace(b[j-1]) {
		j--
	}
	qname := b[2:j]
	if n := nameLen(qname); n < len(qname) || n == 0 || !nameStart[qname[0]] {
		return 0, 0, fmt.Errorf("invalid name in </%s>", qname)
	}
	if len(s.open) == 0 {
		return 0, 0, fmt.Errorf("unexpected </%s>", qname)
	}
	top := s.open[len(s.open)-1]
	if !bytes.Equal(s.stack[top:], qname) {
		return 0, 0, fmt.Errorf("</%s> closes <%s>", qname, s.stack[top:])
	}
	s.stack, s.open = s.stack[:top], s.open[:len(s.open)-1]
	s.closed = len(s.open) == 0
	s.name = local(qname)
	return i + 1, tokEnd, nil
}

func (s *scanner) startTag(b []byte) (int, int, error) {
	i := 1 + nameLen(b[1:])
	if i == len(b) {
		return 0, 0, nil
	}
	qname := b[1:i]
	if err := checkName(qname, b[i], ">/"); err != nil {
		return 0, 0, err
	}
	s.attrs = s.attrs[:0]
	for {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return 0, 0, nil
		}
		switch b[i] {
		case '>':
			s.empty = false
			return i + 1, tokStart, s.push(qname)
		case '/':
			if i+1 == len(b) {
				return 0, 0, nil
			}
			if b[i+1] != '>' {
				return 0, 0, fmt.Errorf("<%s>: '/' not followed by '>'", qname)
			}
			s.empty = true
			err := s.push(qname)
			s.stack, s.open = s.stack[:s.open[len(s.open)-1]], s.open[:len(s.open)-1]
			s.closed = len(s.open) == 0
			return i + 2, tokStart, err
		}
		n, err := s.attr(qname, b[i:])
		if n == 0 || err != nil {
			return 0, 0, err
		}
		i += n
		if i < len(b) && !isSpace(b[i]) && b[i] != '>' && b[i] != '/' {
			return 0, 0, fmt.Errorf("<%s>: attributes run together", qname)
		}
	}
}

// attr reads one name="value" pair at the start of b.
func (s *scanner) attr(elem, b []byte) (int, error) {
	j := nameLen(b)
	if j == len(b) {
		return 0, nil
	}
	name := b[:j]
	if err := checkName(name, b[j], "="); err != nil {
		return 0, fmt.Errorf("<%s>: %w", elem, err)
	}
	for j < len(b) && isSpace(b[j]) {
		j++
	}
	if j == len(b) {
		return 0, nil
	}
	if b[j] != '=' {
		return 0, fmt.Errorf("<%s>: attribute %s without a value", elem, name)
	}
	for j++; j < len(b) && isSpace(b[j]); j++ {
	}
	if j == len(b) {
		return 0, nil
	}
	q := b[j]
	if q != '"' && q != '\'' {
		return 0, fmt.Errorf("<%s>: attribute %s is not quoted", elem, name)
	}
	k := bytes.IndexByte(b[j+1:], q)
	if k < 0 {
		return 0, nil
	}
	v := b[j+1 : j+1+k]
	if bytes.IndexByte(v, '<') >= 0 {
		return 0, fmt.Errorf("<%s>: '<' in attribute %s", elem, name)
	}
	for _, a := range s.attrs {
		if bytes.Equal(a.qname, name) {
			return 0, fmt.Errorf("<%s>: attribute %s twice", elem, name)
		}
	}
	s.attrs = append(s.attrs, attr{local(name), name, v})
	return j + k + 2, nil
}

func (s *scanner) push(qname []byte) error {
	if len(s.open) == 0 && s.closed {
		return errors.New("a second root element")
	}
	if len(s.open) >= maxDepth {
		return fmt.Errorf("elements nested more than %d deep", maxDepth)
	}
	s.seen = true
	s.open = append(s.open, len(s.stack))
	s.stack = append(s.stack, qname...)
	s.name = local(qname)
	return nil
}

// inName and nameStart mark the bytes a name may hold and start with: the
// ASCII subset of XML's name characters, which is all SpreadsheetML uses.
var inName, nameStart = func() (in, start [256]bool) {
	for c := range 256 {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':'
		start[c] = letter
		in[c] = letter || c >= '0' && c <= '9' || c == '-' || c == '.'
	}
	return in, start
}()

// nameLen is the length of the name at the start of b.
func nameLen(b []byte) int {
	for i, c := range b {
		if !inName[c] {
			return i
		}
	}
	return len(b)
}

// checkName checks a name and the byte that ended it, which must be one
// that can follow a name there (follow).
func checkName(name []byte, next byte, follow string) error {
	if len(name) == 0 || !nameStart[name[0]] || !isSpace(next) && strings.IndexByte(follow, next) < 0 {
		return fmt.Errorf("invalid name %q followed by %q", name, next)
	}
	return nil
}

// local drops a namespace prefix: generators write both <row> and <x:row>.
func local(qname []byte) []byte {
	if i := bytes.IndexByte(qname, ':'); i >= 0 {
		return qname[i+1:]
	}
	return qname
}

// simple reads in one step the content of the element just opened when it
// has the common form open, plain text, close (<v>12</v></c> of a <c>), where
// close also ends that element, named name. Anything else (entities, a CR,
// a prefix, the buffer ending first) returns false and leaves the scanner as
// it was, for the general path. The text is valid until the next call.
func (s *scanner) simple(open, close, name []byte) ([]byte, bool) {
	b := s.buf[s.pos:s.end]
	if s.empty || !bytes.HasPrefix(b, open) {
		return nil, false
	}
	top := s.open[len(s.open)-1]
	if !bytes.Equal(s.stack[top:], name) {
		return nil, false
	}
	t := b[len(open):]
	i := bytes.IndexByte(t, '<')
	if i < 0 || !bytes.HasPrefix(t[i:], close) {
		return nil, false
	}
	text := t[:i]
	if bytes.IndexByte(text, '&') >= 0 || bytes.IndexByte(text, '\r') >= 0 {
		return nil, false
	}
	s.pos += len(open) + i + len(close)
	s.stack, s.open = s.stack[:top], s.open[:len(s.open)-1]
	return text, true
}

// skip reads past the element whose start tag was just returned.
func (s *scanner) skip() error {
	if s.empty {
		return nil
	}
	d := s.depth()
	for {
		kind, err := s.next()
		if err != nil {
			return err
		}
		if kind == tokEnd && s.depth() < d {
			return nil
		}
	}
}

// appendText appends the current text token to dst as XML reads it: entities
// and character references resolved, CR LF and lone CR as LF.
func (s *scanner) appendText(dst []byte) ([]byte, error) {
	raw := s.text
	if s.cdata || bytes.IndexByte(raw, '&') < 0 {
		if bytes.IndexByte(raw, '\r') < 0 {
			return append(dst, raw...), nil
		}
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\r':
			dst = append(dst, '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
		case c == '&' && !s.cdata:
			end := bytes.IndexByte(raw[i:], ';')
			if end < 0 {
				return dst, errors.New("an entity without its closing ';'")
			}
			r, ok := entity(raw[i+1 : i+end])
			if !ok {
				return dst, fmt.Errorf("unknown entity %q", raw[i:i+end+1])
			}
			if !xmlChar(r) {
				return dst, fmt.Errorf("illegal character code %U", r)
			}
			dst = utf8.AppendRune(dst, r)
			i += end
		default:
			dst = append(dst, c)
		}
	}
	return dst, nil
}

// entity resolves the five predefined entities and character references.
func entity(name []byte) (rune, bool) {
	switch string(name) {
	case "amp":
		return '&', true
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "quot":
		return '"', true
	case "apos":
		return '\'', true
	}
	if len(name) < 2 || name[0] != '#' || len(name) > 10 {
		return 0, false
	}
	digits, base := name[1:], rune(10)
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return 0, false
	}
	var r rune
	for _, c := range digits {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, false
		}
		if r = r*base + d; r > utf8.MaxRune {
			return 0, false
		}
	}
	return r, true
}

// checkChars refuses invalid UTF-8 and characters XML 1.0 does not allow,
// as encoding/xml does.
func checkChars(b []byte) error {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return fmt.Errorf("illegal character code %U", rune(c))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return errors.New("invalid UTF-8")
		}
		if !xmlChar(r) {
			return fmt.Errorf("illegal character code %U", r)
		}
		i += size
	}
	return nil
}

// xmlChar is XML 1.0's Char production.
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= utf8.MaxRune
}
