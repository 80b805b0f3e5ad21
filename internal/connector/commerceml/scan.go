package commerceml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
	"github.com/keycrm-sync/keycrm-sync/internal/xmlscan"
)

// Limits that keep a hostile or damaged file from costing unbounded memory:
// the scanner holds a whole token (a text node, a start tag with its
// attributes, a comment) in its buffer, and one stack entry per open element.
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

// element is a start element: its name and its attributes, which are valid
// until the next token.
type element struct {
	name  xmlscan.Name
	attrs []xmlscan.Attr
}

// attr returns an attribute's value by local name, whatever its prefix.
func (e element) attr(local string) ([]byte, bool) {
	for _, a := range e.attrs {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return nil, false
}

// scanner walks one XML document as a stream of elements, matching them by
// local name whatever their namespace, and knows the line each token starts
// on. End tags, depth and token size are checked by xmlscan; the scanner adds
// what a single document must be: one root element and no text around it.
type scanner struct {
	x        *xmlscan.Scanner
	el       element // the start element next returned last
	rootDone bool
	buf      []byte // text() result, reused
	texts    int64  // bytes of element text read through text(), for record limits
}

func newScanner(src io.Reader) *scanner {
	// HTML entities (&nbsp; in a Bitrix description) are read rather than
	// refusing the whole file over one; any other undeclared entity is an
	// error, and a DTD's entities are never expanded, so an entity bomb
	// cannot grow.
	return &scanner{x: xmlscan.New(src, xmlscan.Options{MaxToken: maxToken, MaxDepth: maxDepth})}
}

// line is the line the last token started on; counted only when asked, as
// most tokens' lines are never needed.
func (s *scanner) line() int { return s.x.Line() }

// posError is a read error at a line of one file.
type posError struct {
	line int
	err  error
}

func (e *posError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *posError) Unwrap() error { return e.err }

func (s *scanner) errorf(format string, args ...any) error {
	return &posError{line: s.line(), err: fmt.Errorf(format, args...)}
}

// next returns the kind of the next start element, end element or text.
func (s *scanner) next() (xmlscan.Kind, error) {
	for {
		k, err := s.x.Next()
		if err != nil {
			return 0, s.readError(err)
		}
		switch k {
		case xmlscan.StartElement:
			if s.rootDone {
				return 0, s.errorf("%w: element <%s> after the end of the root element", errSyntax, s.x.Name().Local)
			}
			s.el = element{name: s.x.Name(), attrs: s.x.Attrs()}
		case xmlscan.EndElement:
			s.rootDone = s.x.Depth() == 0
		case xmlscan.Text:
			if s.x.Depth() == 0 {
				if len(bytes.TrimSpace(s.x.Text())) > 0 {
					return 0, s.errorf("%w: text outside the root element", errSyntax)
				}
				continue
			}
		}
		return k, nil
	}
}

// readError turns a scanner error into one that names the line; the end of
// input inside an element is a cut-off file.
func (s *scanner) readError(err error) error {
	var scan *xmlscan.Error
	switch {
	case err == io.EOF && !s.rootDone:
		return s.errorf("%w: no root element", errNotCommerceML)
	case err == io.EOF:
		return io.EOF
	case !errors.As(err, &scan):
		return err // a decoding error names its own line
	case scan.Err == xmlscan.ErrTruncated:
		return &posError{line: scan.Line, err: fmt.Errorf("%w: %s", connector.ErrTruncated, scan.Msg)}
	case scan.Err == xmlscan.ErrTooLarge:
		return &posError{line: scan.Line, err: fmt.Errorf("%w: %s", connector.ErrTooLarge, scan.Msg)}
	case scan.Err == xmlscan.ErrSyntax:
		return &posError{line: scan.Line, err: fmt.Errorf("%w: %s", errSyntax, scan.Msg)}
	}
	return &posError{line: scan.Line, err: fmt.Errorf("%w: %s", scan.Err, scan.Msg)}
}

// root reads up to the root element and checks that it is CommerceML's.
func (s *scanner) root() error {
	for {
		k, err := s.next()
		if err != nil {
			return err
		}
		if k == xmlscan.StartElement {
			if s.el.name.Local != rootName {
				return s.errorf("%w (the root element is <%s>)", errNotCommerceML, s.el.name.Full)
			}
			return nil
		}
	}
}

// children calls fn for each child element of the element just started; fn
// may consume the child (text, skip, children) or leave it, and children
// skips whatever it left. It returns after the element's end tag.
func (s *scanner) children(fn func(element) error) error {
	depth := s.x.Depth()
	for {
		k, err := s.next()
		if err != nil {
			return err
		}
		switch k {
		case xmlscan.EndElement:
			if s.x.Depth() < depth {
				return nil
			}
		case xmlscan.StartElement:
			if err := fn(s.el); err != nil {
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
	for s.x.Depth() > depth {
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
	if text, ok := s.x.Leaf(); ok { // most elements: text, then their end
		s.rootDone = s.x.Depth() == 0
		s.buf = append(s.buf[:0], text...)
		s.texts += int64(len(s.buf))
		return s.buf, nil
	}
	depth := s.x.Depth()
	s.buf = s.buf[:0]
	for {
		k, err := s.next()
		if err != nil {
			return nil, err
		}
		switch k {
		case xmlscan.Text:
			if s.x.Depth() == depth {
				s.buf = append(s.buf, s.x.Text()...)
			}
		case xmlscan.EndElement:
			if s.x.Depth() < depth {
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

// decodeText returns a UTF-8 reader over one file's bytes. The encoding is
// --encoding when given; otherwise it is detected from the bytes (UTF-8 or
// Windows-1251, a byte-order mark wins) whatever the XML declaration says,
// because 1C and site modules do write Windows-1251 under a declaration of
// UTF-8; another declared encoding (koi8-r, utf-16) is honoured. declared is
// the declaration's encoding, lower-case, "" when absent.
func decodeText(src io.Reader, forced string) (dec *textenc.Reader, declared string, err error) {
	// The head is read apart and put back in front of src, rather than
	// through a bufio.Reader, so that the decoder's reads go to src itself:
	// a buffer between them would copy every byte once more.
	head := make([]byte, 1024)
	n, err := io.ReadFull(src, head)
	head = head[:n]
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		src = failedRead{err} // reported after the bytes read before it
	}
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
	dec, err = textenc.NewReader(io.MultiReader(bytes.NewReader(head), src), enc)
	return dec, declared, err
}

// failedRead is a source whose read failed.
type failedRead struct{ err error }

func (f failedRead) Read([]byte) (int, error) { return 0, f.err }

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
