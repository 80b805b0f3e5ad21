// Package xmlscan is a streaming XML tokenizer for the subset that
// CommerceML, YML and Google Merchant files use: elements, attributes, text,
// CDATA, the five predefined entities, the HTML named entities feeds write
// outside CDATA (&nbsp;, &mdash;), and numeric character references. Comments
// and processing instructions are skipped; a DOCTYPE without an internal
// subset is skipped, one with an internal subset is refused, and no DTD or
// external entity is ever read.
//
// encoding/xml reads such files at about 35 MB/s, most of it spent reading one
// byte at a time and checking names against Unicode tables. The scanner works
// on a buffer instead: it finds delimiters with table lookups and
// bytes.IndexByte, returns names interned (a CommerceML file repeats the same
// few dozen Cyrillic names millions of times) and text as slices of its
// buffer, and copies only text that holds an entity or a carriage return.
//
// The input must be UTF-8 (decode it first: package textenc). Element names
// are compared as bytes, with the checks encoding/xml makes on ASCII names;
// a non-ASCII name character is accepted without consulting the Unicode
// tables. Apart from that, a document both read gives the same tokens (the
// package's differential tests hold it to that), and the scanner is stricter
// where encoding/xml's RawToken is not: end tags must match, and a document
// that ends with elements open is an error, never a shorter result.
package xmlscan

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// Kind is what a token is.
type Kind uint8

// Token kinds.
const (
	StartElement Kind = iota + 1
	EndElement
	// Text is character data or a CDATA section, entities resolved and line
	// ends normalised to "\n"; adjacent runs (text, CDATA, text) are separate
	// tokens, as in encoding/xml.
	Text
)

// Name is an element or attribute name as written, split at its colon as
// encoding/xml splits it. Its strings are shared by every token with the same
// name.
type Name struct {
	Full   string // "g:id"
	Prefix string // "g", or "" when the name has no prefix
	Local  string // "id"
}

// Attr is one attribute of a start element.
type Attr struct {
	Name Name
	// Value is resolved like text; it is valid until the next call to Next.
	Value []byte
}

// Errors a scanner's *Error wraps.
var (
	// ErrSyntax: the document is not well-formed.
	ErrSyntax = errors.New("XML syntax error")
	// ErrTruncated: the input ends inside a tag or with elements open.
	ErrTruncated = errors.New("the input ends inside the document")
	// ErrTooLarge: a token longer than Options.MaxToken, or elements nested
	// deeper than Options.MaxDepth.
	ErrTooLarge = errors.New("XML too large")
	// ErrDTD: a DOCTYPE with an internal subset, which may declare entities
	// (the billion-laughs attack); it is refused rather than read.
	ErrDTD = errors.New("a DOCTYPE with an internal subset is not read")
)

// Error is a scanning error at a line of the input.
type Error struct {
	Line int
	Err  error  // ErrSyntax, ErrTruncated, ErrTooLarge or ErrDTD
	Msg  string // what was found, as encoding/xml words it where it has the case
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %v: %s", e.Line, e.Err, e.Msg) }
func (e *Error) Unwrap() error { return e.Err }

// Options bound what one document may cost.
type Options struct {
	// MaxToken is the longest single token (a text run, a tag with its
	// attributes, a comment) in bytes; the buffer never grows past it.
	MaxToken int
	// MaxDepth is the deepest element nesting.
	MaxDepth int
}

// highBits are the top bits of eight bytes read at once.
const highBits = 0x8080808080808080

// minBuf is the buffer's size while tokens are small, and what one read asks
// for at least.
const minBuf = 64 << 10

// maxNames bounds the interned names, so that a document of a million
// distinct element names costs allocations, not an ever-growing table.
const maxNames = 4096

// Scanner reads the tokens of one document.
type Scanner struct {
	src  io.Reader
	opt  Options
	buf  []byte
	r, w int // the unread input is buf[r:w]
	eof  bool
	rerr error // a read error, returned once the buffered input is used up
	err  error // sticky

	name    Name
	attrs   []Attr
	text    []byte
	scratch []byte // resolved text and attribute values of the current token
	stack   []Name
	closing bool // the start element returned was <x/>: its end comes next

	start   int // buf index of the current token
	counted int // buf index up to which lines are counted
	line    int // line of buf[counted]
	names   map[string]Name
	recent  [256]Name // names last seen, by nameSlot: most lookups end here, unhashed
}

// New returns a scanner reading the UTF-8 text src.
func New(src io.Reader, opt Options) *Scanner {
	if opt.MaxToken <= 0 {
		opt.MaxToken = 16 << 20
	}
	if opt.MaxDepth <= 0 {
		opt.MaxDepth = 256
	}
	return &Scanner{src: src, opt: opt, buf: make([]byte, minBuf), line: 1, names: map[string]Name{}}
}

// Name is the name of the start or end element returned last.
func (s *Scanner) Name() Name { return s.name }

// Attrs are the attributes of the start element returned last, valid until
// the next call to Next.
func (s *Scanner) Attrs() []Attr { return s.attrs }

// Text is the text returned last, valid until the next call to Next.
func (s *Scanner) Text() []byte { return s.text }

// Depth is the number of elements open: 1 after the root's start element.
func (s *Scanner) Depth() int { return len(s.stack) }

// Line is the line the token returned last starts on.
func (s *Scanner) Line() int { return s.lineAt(s.start) }

// lineAt counts the lines up to buf index i, which is never before the
// current token.
func (s *Scanner) lineAt(i int) int {
	if i > s.counted {
		s.line += bytes.Count(s.buf[s.counted:i], []byte{'\n'})
		s.counted = i
	}
	return s.line
}

// Next reads the next token. Its error is io.EOF at the end of the input with
// no element open, a *Error for a document that is not well-formed, cut off
// or over a limit, and the source's own error (a decoding error) as it came.
func (s *Scanner) Next() (Kind, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.closing {
		s.closing = false
		s.attrs = s.attrs[:0]
		s.name = s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-1]
		return EndElement, nil
	}
	for {
		s.start = s.r
		s.attrs, s.text, s.scratch = s.attrs[:0], nil, s.scratch[:0]
		k, n, err := s.token(s.buf[s.r:s.w])
		if err == errMore {
			err = s.more()
			if err == nil {
				continue
			}
		}
		if err != nil {
			s.err = err
			return 0, err
		}
		if n > s.opt.MaxToken {
			s.err = s.tooLarge()
			return 0, s.err
		}
		s.r += n
		if k != 0 {
			return k, nil
		}
	}
}

// Leaf reads the rest of the element just started when it is a leaf whose
// text needs nothing resolved — the values that make up most of a feed —
// and both its text and its end tag are in the buffer: it returns the text,
// valid until the next call to Next, and leaves the scanner after the end
// tag as Next would have (Name is the element's, Line the end tag's). For
// any other element it reads nothing and reports false; Next goes on.
func (s *Scanner) Leaf() (text []byte, ok bool) {
	if s.err != nil || s.closing || len(s.stack) == 0 {
		return nil, false
	}
	b := s.buf[s.r:s.w]
	j := 0
	for j < len(b) && !textStop[b[j]] {
		j++
	}
	top := s.stack[len(s.stack)-1]
	end := j + 2 + len(top.Full)
	if end >= len(b) || b[j] != '<' || b[j+1] != '/' || b[end] != '>' || string(b[j+2:end]) != top.Full || j > s.opt.MaxToken {
		return nil, false
	}
	s.start = s.r + j
	s.r += end + 1
	s.stack = s.stack[:len(s.stack)-1]
	s.name, s.attrs, s.text = top, s.attrs[:0], nil
	return b[:j], true
}

// errMore asks for more input: the token does not end in the buffer.
var errMore = errors.New("more input needed")

// more reads more input after the current token's start, growing the buffer
// so that the token at least doubles what it may hold, which keeps rescanning
// a long token linear.
func (s *Scanner) more() error {
	pending := s.w - s.r
	switch {
	case s.rerr != nil:
		return s.rerr
	case s.eof && len(s.stack) == 0 && pending == 0:
		return io.EOF
	case s.eof && pending == 0:
		return s.errAt(s.w, ErrTruncated, fmt.Sprintf("<%s> is not closed", s.stack[len(s.stack)-1].Full))
	case s.eof:
		return s.errAt(s.w, ErrTruncated, "the input ends inside a tag")
	case pending > s.opt.MaxToken:
		return s.tooLarge()
	}
	s.lineAt(s.r)
	if s.r > 0 {
		copy(s.buf, s.buf[s.r:s.w])
		s.counted -= s.r
		s.w, s.r, s.start = pending, 0, 0
	}
	if want := min(2*pending+minBuf, s.opt.MaxToken+minBuf); want > len(s.buf) {
		s.buf = append(s.buf[:s.w], make([]byte, want-s.w)...)
		s.buf = s.buf[:cap(s.buf)]
	}
	for empty := 0; s.w < len(s.buf) && !s.eof; {
		n, err := s.src.Read(s.buf[s.w:])
		s.w += n
		if empty++; n > 0 {
			empty = 0
		} else if empty == 100 && err == nil { // a source returning nothing forever
			return io.ErrNoProgress
		}
		switch {
		case err == io.EOF:
			s.eof = true
		case err != nil:
			// What was read before the error is scanned first.
			s.rerr = err
			return nil
		}
		if s.w-s.r >= 2*pending+minBuf/2 {
			break
		}
	}
	return nil
}

func (s *Scanner) tooLarge() error {
	return s.errAt(s.r, ErrTooLarge, fmt.Sprintf("a token (text, tag or comment) longer than %d bytes", s.opt.MaxToken))
}

// errAt builds an error at buf index i.
func (s *Scanner) errAt(i int, kind error, msg string) error {
	return &Error{Line: s.lineAt(i), Err: kind, Msg: msg}
}

// syntax is a syntax error at index i of the current token.
func (s *Scanner) syntax(i int, msg string) error { return s.errAt(s.start+i, ErrSyntax, msg) }

// token reads one token from b, the unread input; it returns the kind (0 for
// a skipped comment, processing instruction or DOCTYPE) and the bytes used.
func (s *Scanner) token(b []byte) (Kind, int, error) {
	if len(b) == 0 {
		return 0, 0, errMore
	}
	if b[0] != '<' {
		// A short run (the indentation between tags, a value) that needs
		// nothing resolved is found in one pass.
		j, n := 0, min(len(b), shortText)
		for j < n && !textStop[b[j]] {
			j++
		}
		if j < n && b[j] == '<' {
			s.text = b[:j]
			return Text, j, nil
		}
		end := bytes.IndexByte(b, '<')
		if end < 0 {
			if !s.eof {
				return 0, 0, errMore
			}
			end = len(b)
		}
		text, err := s.resolve(b[:end], 0, textRun)
		if err != nil {
			return 0, 0, err
		}
		s.text = text
		return Text, end, nil
	}
	if len(b) < 2 {
		return 0, 0, errMore
	}
	switch b[1] {
	case '/':
		return s.endTag(b)
	case '?':
		return s.procInst(b)
	case '!':
		return s.bang(b)
	}
	return s.startTag(b)
}

// nameByte marks the bytes a name may hold: encoding/xml's ASCII name bytes
// and every byte of a multi-byte character.
var nameByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '_' || c == ':' || c == '.' || c == '-' || c >= utf8.RuneSelf
	}
	return t
}()

// readName returns the end of the name starting at b[i] (i itself when there
// is none), or errMore when the buffer ends inside it.
func readName(b []byte, i int) (int, error) {
	j := i
	// Eight bytes outside ASCII (four Cyrillic letters) are name bytes all.
	for j+8 <= len(b) && binary.LittleEndian.Uint64(b[j:])&highBits == highBits {
		j += 8
	}
	for j < len(b) && nameByte[b[j]] {
		j++
	}
	if j == len(b) {
		return j, errMore
	}
	return j, nil
}

// validName applies encoding/xml's checks on a name's ASCII characters: it
// does not start with a digit, '.' or '-', and has at most one colon.
func validName(n []byte) bool {
	if len(n) == 0 {
		return false
	}
	switch c := n[0]; {
	case '0' <= c && c <= '9', c == '.', c == '-':
		return false
	}
	return bytes.Count(n, []byte{':'}) <= 1
}

// nameSlot picks a name's place in Scanner.recent from its length, its ends and
// its middle byte: by length and ends alone a YML offer's currencyId and
// categoryId shared a slot, and each evicted the other on every offer.
func nameSlot(n []byte) byte {
	return byte(len(n)*7) ^ n[0] ^ n[len(n)-1]<<3 ^ n[len(n)/2]<<5
}

// intern returns the shared Name for n, and false when n is not a valid name.
// A name found among those already seen was checked when first seen.
func (s *Scanner) intern(n []byte) (Name, bool) {
	if len(n) == 0 {
		return Name{}, false
	}
	slot := &s.recent[nameSlot(n)]
	if slot.Full == string(n) {
		return *slot, true
	}
	if name, ok := s.names[string(n)]; ok {
		*slot = name
		return name, true
	}
	if !validName(n) {
		return Name{}, false
	}
	full := string(n)
	name := Name{Full: full, Local: full}
	if i := bytes.IndexByte(n, ':'); i > 0 && i < len(n)-1 {
		name.Prefix, name.Local = full[:i], full[i+1:]
	}
	if len(s.names) < maxNames {
		s.names[full] = name
		*slot = name
	}
	return name, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func (s *Scanner) startTag(b []byte) (Kind, int, error) {
	end, err := readName(b, 1)
	if err != nil {
		return 0, 0, err
	}
	name, ok := s.intern(b[1:end])
	if !ok {
		if end == 1 {
			return 0, 0, s.syntax(1, "expected element name after <")
		}
		return 0, 0, s.syntax(1, fmt.Sprintf("invalid XML name: %s", b[1:end]))
	}
	if len(s.stack) >= s.opt.MaxDepth {
		return 0, 0, s.errAt(s.start, ErrTooLarge, fmt.Sprintf("elements nested deeper than %d levels", s.opt.MaxDepth))
	}
	i := end
	for {
		i = skipSpace(b, i)
		if i == len(b) {
			return 0, 0, errMore
		}
		switch b[i] {
		case '>':
			s.open(name)
			return StartElement, i + 1, nil
		case '/':
			if i+1 == len(b) {
				return 0, 0, errMore
			}
			if b[i+1] != '>' {
				return 0, 0, s.syntax(i, "expected /> in element")
			}
			s.open(name)
			s.closing = true
			return StartElement, i + 2, nil
		}
		var err error
		if i, err = s.attr(b, i); err != nil {
			return 0, 0, err
		}
	}
}

// open makes name the current start element and pushes it.
func (s *Scanner) open(name Name) {
	s.name = name
	s.stack = append(s.stack, name)
}

// attr reads the attribute at b[i] and returns the index after its value.
func (s *Scanner) attr(b []byte, i int) (int, error) {
	end, err := readName(b, i)
	if err != nil {
		return 0, err
	}
	name, ok := s.intern(b[i:end])
	if !ok {
		return 0, s.syntax(i, "expected attribute name in element")
	}
	i = skipSpace(b, end)
	if i == len(b) {
		return 0, errMore
	}
	if b[i] != '=' {
		return 0, s.syntax(i, "attribute name without = in element")
	}
	i = skipSpace(b, i+1)
	if i == len(b) {
		return 0, errMore
	}
	q := b[i]
	if q != '"' && q != '\'' {
		return 0, s.syntax(i, "unquoted or missing attribute value in element")
	}
	i++
	// A short value that needs nothing resolved is found in one pass.
	j, short := i, min(len(b), i+shortText)
	for j < short && !attrStop[b[j]] {
		j++
	}
	if j < short && b[j] == q {
		s.attrs = append(s.attrs, Attr{Name: name, Value: b[i:j]})
		return j + 1, nil
	}
	n := bytes.IndexByte(b[i:], q)
	if n < 0 {
		return 0, errMore
	}
	raw := b[i : i+n]
	if lt := bytes.IndexByte(raw, '<'); lt >= 0 {
		return 0, s.syntax(i+lt, "unescaped < inside quoted string")
	}
	v, err := s.resolve(raw, i, attrValue)
	if err != nil {
		return 0, err
	}
	s.attrs = append(s.attrs, Attr{Name: name, Value: v})
	return i + n + 1, nil
}

func (s *Scanner) endTag(b []byte) (Kind, int, error) {
	// Most end tags close the open element: its name is compared in place,
	// and a name equal to it was checked when it opened.
	end, closes := 0, false
	if len(s.stack) > 0 {
		top := s.stack[len(s.stack)-1].Full
		end = 2 + len(top)
		closes = end < len(b) && !nameByte[b[end]] && string(b[2:end]) == top
	}
	if !closes {
		var err error
		if end, err = readName(b, 2); err != nil {
			return 0, 0, err
		}
	}
	n := b[2:end]
	if !closes && !validName(n) {
		return 0, 0, s.syntax(2, "expected element name after </")
	}
	i := skipSpace(b, end)
	if i == len(b) {
		return 0, 0, errMore
	}
	if b[i] != '>' {
		return 0, 0, s.syntax(i, fmt.Sprintf("invalid characters between </%s and >", n))
	}
	if len(s.stack) == 0 {
		return 0, 0, s.syntax(0, fmt.Sprintf("unexpected end element </%s>", n))
	}
	top := s.stack[len(s.stack)-1]
	if !closes {
		return 0, 0, s.syntax(0, fmt.Sprintf("element <%s> closed by </%s>", top.Full, n))
	}
	s.stack = s.stack[:len(s.stack)-1]
	s.name = top
	return EndElement, i + 1, nil
}

// procInst skips <?target ...?>, the XML declaration included: the encoding
// it names was dealt with before the text reached the scanner.
func (s *Scanner) procInst(b []byte) (Kind, int, error) {
	end, err := readName(b, 2)
	if err != nil {
		return 0, 0, err
	}
	if !validName(b[2:end]) {
		return 0, 0, s.syntax(2, "expected target name after <?")
	}
	n := bytes.Index(b[end:], []byte("?>"))
	if n < 0 {
		return 0, 0, errMore
	}
	return 0, end + n + 2, nil
}

// bang reads what starts with <!: a comment, a CDATA section or a DOCTYPE.
func (s *Scanner) bang(b []byte) (Kind, int, error) {
	const comment, cdata = "<!--", "<![CDATA["
	switch {
	case len(b) < len(cdata) && bytes.HasPrefix([]byte(cdata), b), len(b) < len(comment):
		return 0, 0, errMore
	case bytes.HasPrefix(b, []byte(comment)):
		n := bytes.Index(b[len(comment):], []byte("--"))
		if n < 0 || len(comment)+n+2 == len(b) {
			return 0, 0, errMore
		}
		end := len(comment) + n + 2
		if b[end] != '>' {
			return 0, 0, s.syntax(end, `invalid sequence "--" not allowed in comments`)
		}
		return 0, end + 1, nil
	case b[2] == '-':
		return 0, 0, s.syntax(2, "invalid sequence <!- not part of <!--")
	case bytes.HasPrefix(b, []byte(cdata)):
		n := bytes.Index(b[len(cdata):], []byte("]]>"))
		if n < 0 {
			return 0, 0, errMore
		}
		text, err := s.resolve(b[len(cdata):len(cdata)+n], len(cdata), cdataSection)
		if err != nil {
			return 0, 0, err
		}
		s.text = text
		return Text, len(cdata) + n + 3, nil
	case b[2] == '[':
		return 0, 0, s.syntax(2, "invalid <![ sequence")
	}
	return s.directive(b)
}

// directive skips <!DOCTYPE ...> (or another declaration) up to its '>',
// refusing an internal subset. It ends where encoding/xml ends it: the byte
// after "<!" belongs to the declaration whatever it is ("<!>" does not end
// there), and outside quotes a '<' opens a level its own '>' closes, unless
// it starts a comment.
func (s *Scanner) directive(b []byte) (Kind, int, error) {
	var quote byte
	depth := 0
	for i := 3; i < len(b); i++ {
		c := b[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			return 0, 0, s.errAt(s.start+i, ErrDTD, "keycrm-sync does not process DTDs; remove the [...] part of the DOCTYPE")
		case c == '>' && depth == 0:
			return 0, i + 1, nil
		case c == '>':
			depth--
		case c == '<':
			rest := b[i+1:]
			if len(rest) < 3 && bytes.HasPrefix([]byte("!--"), rest) {
				return 0, 0, errMore
			}
			if !bytes.HasPrefix(rest, []byte("!--")) {
				depth++
				continue
			}
			n := bytes.Index(rest[3:], []byte("-->"))
			if n < 0 {
				return 0, 0, errMore
			}
			i += 3 + n + 3
		}
	}
	return 0, 0, errMore
}

// What a run of characters is, for resolve.
const (
	textRun = iota
	attrValue
	cdataSection
)

// special marks the bytes resolve must look at: entity starts, carriage
// returns, the ']' of a "]]>", control characters XML forbids, and 0xEF,
// the first byte of U+FFFE and U+FFFF.
var special = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = c != '\t' && c != '\n'
	}
	t['&'], t[']'], t[0xEF] = true, true, true
	return t
}()

// textStop marks where a run of text ends or needs resolving.
var textStop = func() [256]bool {
	t := special
	t['<'] = true
	return t
}()

// attrStop marks where an attribute value ends, is malformed or needs
// resolving.
var attrStop = func() [256]bool {
	t := textStop
	t['"'], t['\''] = true, true
	return t
}()

// shortText is how far a text run or attribute value is scanned byte by
// byte before bytes.IndexByte takes over.
const shortText = 32

// resolve returns raw with entities resolved and line ends normalised,
// checking its characters; off is raw's index in the current token, for
// error lines. Text without anything to resolve is returned as it is.
func (s *Scanner) resolve(raw []byte, off int, what int) ([]byte, error) {
	i := 0
	for i < len(raw) && !special[raw[i]] {
		i++
	}
	if i == len(raw) {
		return raw, nil
	}
	start := len(s.scratch)
	out := append(s.scratch, raw[:i]...)
	for ; i < len(raw); i++ {
		c := raw[i]
		if !special[c] {
			out = append(out, c)
			continue
		}
		switch {
		case c == '\r':
			out = append(out, '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
		case c == '&' && what != cdataSection:
			r, n, err := s.entity(raw[i:], off+i)
			if err != nil {
				return nil, err
			}
			out = append(out, r...)
			i += n - 1
		case c == ']':
			if what == textRun && bytes.HasPrefix(raw[i:], []byte("]]>")) {
				return nil, s.syntax(off+i, "unescaped ]]> not in CDATA section")
			}
			out = append(out, c)
		case c == 0xEF:
			if bytes.HasPrefix(raw[i:], []byte("\xEF\xBF\xBE")) || bytes.HasPrefix(raw[i:], []byte("\xEF\xBF\xBF")) {
				r, _ := utf8.DecodeRune(raw[i:])
				return nil, s.syntax(off+i, fmt.Sprintf("illegal character code %U", r))
			}
			out = append(out, c)
		case c < 0x20:
			return nil, s.syntax(off+i, fmt.Sprintf("illegal character code %U", rune(c)))
		default:
			out = append(out, c)
		}
	}
	s.scratch = out
	return out[start:], nil
}

// predefined are the five entities of XML itself.
var predefined = map[string]string{"lt": "<", "gt": ">", "amp": "&", "apos": "'", "quot": `"`}

// entity resolves the reference at the start of b ("&amp;", "&#1025;",
// "&#x401;", "&nbsp;"): what it stands for and its length.
func (s *Scanner) entity(b []byte, off int) (string, int, error) {
	bad := func(ref []byte) error {
		if !bytes.HasSuffix(ref, []byte{';'}) {
			return s.syntax(off, fmt.Sprintf("invalid character entity %s (no semicolon)", ref))
		}
		return s.syntax(off, fmt.Sprintf("invalid character entity %s", ref))
	}
	if len(b) > 1 && b[1] == '#' {
		digits, base := 2, 10
		if len(b) > 2 && b[2] == 'x' {
			digits, base = 3, 16
		}
		j := digits
		for j < len(b) && (isDigit(b[j]) || base == 16 && isHex(b[j])) {
			j++
		}
		if j == len(b) || b[j] != ';' {
			return "", 0, bad(b[:j])
		}
		n, err := strconv.ParseUint(string(b[digits:j]), base, 64)
		if err != nil || n > utf8.MaxRune {
			return "", 0, bad(b[:j+1])
		}
		r := rune(n)
		if !utf8.ValidRune(r) {
			r = utf8.RuneError // as string(rune(n)) makes of a surrogate
		}
		if !isChar(r) {
			return "", 0, s.syntax(off, fmt.Sprintf("illegal character code %U", r))
		}
		return string(r), j + 1, nil
	}
	end := 1
	for end < len(b) && nameByte[b[end]] {
		end++
	}
	if end == len(b) || b[end] != ';' {
		return "", 0, bad(b[:end])
	}
	name := b[1:end]
	if v, ok := predefined[string(name)]; ok {
		return v, end + 1, nil
	}
	if v, ok := xml.HTMLEntity[string(name)]; ok {
		return v, end + 1, nil
	}
	return "", 0, bad(b[:end+1])
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool   { return 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// isChar is XML's Char production.
func isChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= utf8.MaxRune
}
