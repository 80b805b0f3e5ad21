package commerceml

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
)

// Limits that keep a hostile or damaged file from costing unbounded memory:
// encoding/xml buffers a whole token (a text node, a start tag with its
// attributes, a comment) before returning it, so one 1 GB text node would be
// 1 GB of heap, and it keeps one stack entry per open element.
const (
	// maxToken is the longest single XML token. 1C writes descriptions of a
	// few kilobytes; 16 MiB leaves room for an embedded HTML description while
	// bounding what one token can cost.
	maxToken = 16 << 20
	// maxDepth bounds element nesting. CommerceML nests about ten levels, plus
	// two per level of the group hierarchy (Группы/Группа).
	maxDepth = 128
)

// rootName is the root element of every CommerceML document.
const rootName = "КоммерческаяИнформация"

// errSyntax marks a document that is not well-formed XML.
var errSyntax = errors.New("XML syntax error")

// errNotCommerceML reports a document with another root element (a YML or
// Google Merchant feed) or none.
var errNotCommerceML = errors.New("not a CommerceML document")

// tokenLimiter sits between the text decoder and encoding/xml and refuses to
// hand out more bytes while the decoder is still inside one token longer than
// maxToken. The decoder's own read-ahead (its bufio buffer) is far below that.
type tokenLimiter struct {
	r    io.Reader
	read int64 // bytes handed to the decoder
	mark int64 // the decoder's offset where the current token starts
}

func (l *tokenLimiter) Read(p []byte) (int, error) {
	if l.read-l.mark > maxToken {
		return 0, fmt.Errorf("%w: an XML token (text, tag or comment) longer than %d MiB", connector.ErrTooLarge, maxToken>>20)
	}
	n, err := l.r.Read(p)
	l.read += int64(n)
	return n, err
}

// scanner walks one XML document as a stream of elements: it checks that
// end tags match (RawToken does not), bounds depth and token size, matches
// elements by local name whatever their namespace, and knows the line each
// token starts on.
type scanner struct {
	d        *xml.Decoder
	lim      *tokenLimiter
	stack    []xml.Name
	line     int // the line the last token started on
	rootDone bool
	buf      []byte // text() result, reused
	texts    int64  // bytes of element text read through text(), for record limits
}

func newScanner(src io.Reader) *scanner {
	lim := &tokenLimiter{r: src}
	d := xml.NewDecoder(lim)
	d.Strict = true
	// HTML entities (&nbsp; in a Bitrix description) are common enough that
	// refusing the whole file over one would be worse than reading it; any
	// other undeclared entity is an error, and DTD entities are never
	// expanded (encoding/xml does not read internal subsets), so an entity
	// bomb cannot grow.
	d.Entity = xml.HTMLEntity
	// The text reaching the decoder is already UTF-8 (see decodeText), so the
	// declared encoding needs no conversion here.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	return &scanner{d: d, lim: lim, line: 1}
}

// posError is a read error at a line of one file.
type posError struct {
	line int
	err  error
}

func (e *posError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *posError) Unwrap() error { return e.err }

func (s *scanner) errorf(format string, args ...any) error {
	return &posError{line: s.line, err: fmt.Errorf(format, args...)}
}

// next returns the next start element, end element or text. Comments,
// processing instructions and directives (a DOCTYPE) are skipped.
func (s *scanner) next() (xml.Token, error) {
	for {
		s.lim.mark = s.d.InputOffset()
		s.line, _ = s.d.InputPos()
		tok, err := s.d.RawToken()
		if err != nil {
			return nil, s.readError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if s.rootDone {
				return nil, s.errorf("%w: element <%s> after the end of the root element", errSyntax, t.Name.Local)
			}
			if len(s.stack) >= maxDepth {
				return nil, s.errorf("%w: elements nested more than %d deep", connector.ErrTooLarge, maxDepth)
			}
			s.stack = append(s.stack, t.Name)
		case xml.EndElement:
			if len(s.stack) == 0 {
				return nil, s.errorf("%w: unexpected end element </%s>", errSyntax, t.Name.Local)
			}
			if top := s.stack[len(s.stack)-1]; top != t.Name {
				return nil, s.errorf("%w: element <%s> closed by </%s>", errSyntax, qualified(top), qualified(t.Name))
			}
			s.stack = s.stack[:len(s.stack)-1]
			s.rootDone = len(s.stack) == 0
		case xml.CharData:
			if len(s.stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, s.errorf("%w: text outside the root element", errSyntax)
				}
				continue
			}
		default:
			continue
		}
		return tok, nil
	}
}

func qualified(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// readError turns a decoder error into one that names the line; the end of
// input inside an element is a cut-off file.
func (s *scanner) readError(err error) error {
	var dec *textenc.DecodeError
	switch {
	case err == io.EOF && len(s.stack) > 0:
		return &posError{line: s.line, err: fmt.Errorf("%w: <%s> is not closed", connector.ErrTruncated, s.stack[len(s.stack)-1].Local)}
	case err == io.EOF && !s.rootDone:
		return s.errorf("%w: no root element", errNotCommerceML)
	case err == io.EOF:
		return io.EOF
	case errors.As(err, &dec):
		return err // it names its own line
	}
	var syn *xml.SyntaxError
	if errors.As(err, &syn) {
		if syn.Msg == "unexpected EOF" {
			return &posError{line: syn.Line, err: fmt.Errorf("%w: the input ends inside a tag", connector.ErrTruncated)}
		}
		return &posError{line: syn.Line, err: fmt.Errorf("%w: %s", errSyntax, syn.Msg)}
	}
	return &posError{line: s.line, err: err}
}

// root reads up to the root element and checks that it is CommerceML's.
func (s *scanner) root() (xml.StartElement, error) {
	for {
		tok, err := s.next()
		if err != nil {
			return xml.StartElement{}, err
		}
		if t, ok := tok.(xml.StartElement); ok {
			if t.Name.Local != rootName {
				return t, s.errorf("%w (the root element is <%s>)", errNotCommerceML, qualified(t.Name))
			}
			return t, nil
		}
	}
}

// children calls fn for each child element of the element just started; fn
// may consume the child (text, skip, children) or leave it, and children
// skips whatever it left. It returns after the element's end tag.
func (s *scanner) children(fn func(xml.StartElement) error) error {
	depth := len(s.stack)
	for {
		tok, err := s.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if len(s.stack) < depth {
				return nil
			}
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
			if err := s.skipTo(depth); err != nil {
				return err
			}
		}
	}
}

// skipTo consumes tokens until the stack is back at depth.
func (s *scanner) skipTo(depth int) error {
	for len(s.stack) > depth {
		if _, err := s.next(); err != nil {
			return err
		}
	}
	return nil
}

// text returns the text of the element just started, through its end tag;
// text inside child elements is left out. The result is valid until the next
// call.
func (s *scanner) text() ([]byte, error) {
	depth := len(s.stack)
	s.buf = s.buf[:0]
	for {
		tok, err := s.next()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(s.stack) == depth {
				s.buf = append(s.buf, t...)
			}
		case xml.EndElement:
			if len(s.stack) < depth {
				s.texts += int64(len(s.buf))
				return s.buf, nil
			}
		}
	}
}

// trimmedText is text() as a trimmed string.
func (s *scanner) trimmedText() (string, error) {
	b, err := s.text()
	return strings.TrimSpace(string(b)), err
}

// attr returns an attribute's value by local name.
func attr(t xml.StartElement, name string) (string, bool) {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// decodeText returns a UTF-8 reader over one file's bytes. The encoding is
// --encoding when given; otherwise it is detected from the bytes (UTF-8 or
// Windows-1251, a byte-order mark wins) whatever the XML declaration says,
// because 1C and site modules do write Windows-1251 under a declaration of
// UTF-8; another declared encoding (koi8-r, utf-16) is honoured. declared is
// the declaration's encoding, lower-case, "" when absent.
func decodeText(src io.Reader, forced string) (dec *textenc.Reader, declared string, err error) {
	br := bufio.NewReaderSize(src, 64<<10)
	head, _ := br.Peek(1024)
	declared = declaredEncoding(head)
	enc := forced
	if enc == "" && declared != "" {
		c, err := textenc.Canonical(declared)
		if err != nil {
			return nil, declared, fmt.Errorf("the XML declaration names encoding %q, which cannot be read; pass --encoding", declared)
		}
		if c != textenc.UTF8 && c != textenc.Windows1251 {
			enc = c
		}
	}
	dec, err = textenc.NewReader(br, enc)
	return dec, declared, err
}

// declaredEncoding reads encoding="..." from an XML declaration at the start
// of head (after a UTF-8 byte-order mark).
func declaredEncoding(head []byte) string {
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := head[:end]
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	rest = rest[1:]
	j := bytes.IndexByte(rest, q)
	if j < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(string(rest[:j])))
}
