// Package feedkit holds what the yml, googlemerchant and moysklad readers
// share: a streaming XML decoder with the guards feeds need (Decoder), the
// building of an item and its positioned problems from an element's values
// (Builder), the set of canonical fields a source gave (Fields), and counted
// notes with example SKUs (Tally, Stock).
//
// The XML decoder:
//
//   - decodes the text before the XML parser sees it (package textenc): the
//     declared encoding is honoured, and a feed that declares UTF-8 but holds
//     Windows-1251 bytes — real Rozetka feeds do — is detected and read as
//     Windows-1251 with a note rather than refused or turned into mojibake;
//   - never fetches a DTD and never expands an entity: a DOCTYPE is skipped as
//     it stands, the five XML entities and the HTML ones (&nbsp;, &mdash;,
//     which feeds write outside CDATA) are known, and any other is a syntax
//     error with its line, so billion-laughs documents cost nothing;
//   - refuses a single token (a text node, a tag with its attributes, a
//     comment, a DOCTYPE) longer than connector.MaxRecordBytes and elements
//     nested deeper than MaxDepth, so a 1 GB line or a 10-million-level
//     document is refused with bounded memory.
//
// The CommerceML reader has the same XML needs; the package lives here only
// because this is where its first users are.
package feedkit

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
)

// MaxDepth is the deepest element nesting a feed may have. Real feeds nest six
// or seven levels (yml_catalog/shop/offers/offer/param); anything near the
// limit is an attack or a corrupted file.
const MaxDepth = 64

// Decoder is a streaming XML reader with limits and positions.
type Decoder struct {
	name     string
	dec      *xml.Decoder
	lim      *limiter
	text     *textenc.Reader
	raw      *watch
	declared string // the encoding the XML declaration names, canonical; "" if none
	forced   string // --encoding, canonical
	line     int    // line the last token started on
	stack    []string
	prefixes map[string]string // namespace URL → the prefix the file declares for it
	names    map[xml.Name]string
	buf      []byte
}

// Options configure a Decoder.
type Options struct {
	// Name is the file as errors name it.
	Name string
	// Encoding is --encoding; "" honours the declaration and detects.
	Encoding string
}

// New returns a Decoder reading src, whose first bytes are head (from
// connector.Input.Head, to read the XML declaration before decoding).
func New(src io.Reader, head []byte, opt Options) (*Decoder, error) {
	d := &Decoder{name: opt.Name, prefixes: map[string]string{}, names: map[xml.Name]string{}}
	enc := ""
	if opt.Encoding != "" {
		c, err := textenc.Canonical(opt.Encoding)
		if err != nil {
			return nil, fmt.Errorf("--encoding: %w", err)
		}
		d.forced, enc = c, c
	}
	if label := Declared(head); label != "" {
		c, err := textenc.Canonical(label)
		if err != nil {
			if d.forced == "" {
				return nil, fmt.Errorf("read %s: the XML declaration names encoding %q, which keycrm-sync does not know; pass --encoding", opt.Name, label)
			}
			c = strings.ToLower(label)
		}
		d.declared = c
		// UTF-8 and Windows-1251 are told apart from the bytes, because feeds
		// lie about them; any other declared encoding is taken at its word.
		if d.forced == "" && c != textenc.UTF8 && c != textenc.Windows1251 {
			enc = c
		}
	}
	d.raw = &watch{src: src}
	tr, err := textenc.NewReader(d.raw, enc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", opt.Name, err)
	}
	d.text = tr
	d.lim = &limiter{src: tr}
	d.dec = xml.NewDecoder(d.lim)
	d.dec.Strict = true
	d.dec.Entity = xml.HTMLEntity
	// The bytes reaching the parser are UTF-8 already, whatever the
	// declaration says.
	d.dec.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	return d, nil
}

// errTokenTooLarge is the limiter's signal; Next turns it into a positioned
// connector.ErrTooLarge.
var errTokenTooLarge = errors.New("token too large")

// limiter hands bytes to the XML parser and refuses to hand out more than
// connector.MaxRecordBytes past the start of the token being read:
// encoding/xml holds a whole token in memory. The parser reads through its
// own small buffer, so the check is made every few kilobytes, not per byte.
type limiter struct {
	src   io.Reader
	read  int64 // bytes handed out
	start int64 // parser offset where the current token starts
}

func (l *limiter) Read(p []byte) (int, error) {
	if l.read-l.start > connector.MaxRecordBytes {
		return 0, errTokenTooLarge
	}
	n, err := l.src.Read(p)
	l.read += int64(n)
	return n, err
}

// Next returns the next start element, end element or character data;
// comments, processing instructions and the DOCTYPE are skipped. Its error is
// io.EOF only at the end of input with no element open; otherwise it is
// positioned and wrapped (connector.ErrTruncated for a file cut off inside an
// element, connector.ErrTooLarge past a limit, a *textenc.DecodeError for
// undecodable bytes).
func (d *Decoder) Next() (xml.Token, error) {
	for {
		d.line, _ = d.dec.InputPos()
		d.lim.start = d.dec.InputOffset()
		tok, err := d.dec.Token()
		if err != nil {
			return nil, d.wrap(err)
		}
		// The token goes back as it came: re-boxing the concrete value would
		// allocate once per token.
		switch t := tok.(type) {
		case xml.StartElement:
			if len(d.stack) == MaxDepth {
				return nil, fmt.Errorf("read %s line %d: %w: elements nested deeper than %d levels", d.name, d.line, connector.ErrTooLarge, MaxDepth)
			}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" {
					d.prefixes[a.Value] = a.Name.Local
				}
			}
			d.stack = append(d.stack, d.Name(t.Name))
			return tok, nil
		case xml.EndElement:
			d.stack = d.stack[:len(d.stack)-1]
			return tok, nil
		case xml.CharData:
			return tok, nil
		}
	}
}

func (d *Decoder) wrap(err error) error {
	var synErr *xml.SyntaxError
	var decErr *textenc.DecodeError
	switch {
	case err == io.EOF:
		return io.EOF
	case errors.Is(err, errTokenTooLarge):
		return fmt.Errorf("read %s line %d: %w: an XML token (text, tag or comment) longer than %d bytes", d.name, d.line, connector.ErrTooLarge, connector.MaxRecordBytes)
	case errors.As(err, &decErr):
		return fmt.Errorf("read %s: %w", d.name, err)
	case errors.As(err, &synErr):
		if synErr.Msg == "unexpected EOF" {
			return fmt.Errorf("read %s line %d: %w (elements left open: %s)", d.name, synErr.Line, connector.ErrTruncated, d.Path())
		}
		return fmt.Errorf("read %s line %d: XML syntax error: %s", d.name, synErr.Line, synErr.Msg)
	}
	return fmt.Errorf("read %s line %d: %w", d.name, d.line, err)
}

// Line is the line the last token returned by Next started on.
func (d *Decoder) Line() int { return d.line }

// Depth is the number of elements open: 1 inside the root element.
func (d *Decoder) Depth() int { return len(d.stack) }

// Path is the open elements as written, "yml_catalog/shop/offers/offer".
func (d *Decoder) Path() string { return strings.Join(d.stack, "/") }

// Parent is the element enclosing the one just started, or "" at the root.
func (d *Decoder) Parent() string {
	if len(d.stack) < 2 {
		return ""
	}
	return d.stack[len(d.stack)-2]
}

// Name is an element name as the file writes it: with the prefix the file
// declared for its namespace ("g:id"), or the local name.
func (d *Decoder) Name(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	// Namespaced names repeat on every record (g:id, g:price): made once.
	if s, ok := d.names[n]; ok {
		return s
	}
	s := n.Local
	if p := d.prefixes[n.Space]; p != "" {
		s = p + ":" + n.Local
	}
	if len(d.names) < 1024 {
		d.names[n] = s
	}
	return s
}

// Text reads the text of the element just started, up to its end element:
// character data and CDATA, with the text of any nested elements (HTML written
// without CDATA) run together. The text is returned as found, untrimmed.
func (d *Decoder) Text() (string, error) {
	d.buf = d.buf[:0]
	for depth := 1; ; {
		tok, err := d.Next() // never io.EOF: an element is open
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			if depth--; depth == 0 {
				return string(d.buf), nil
			}
		case xml.CharData:
			if len(d.buf)+len(t) > connector.MaxRecordBytes {
				return "", fmt.Errorf("read %s line %d: %w: a text longer than %d bytes", d.name, d.line, connector.ErrTooLarge, connector.MaxRecordBytes)
			}
			d.buf = append(d.buf, t...)
		}
	}
}

// Skip reads past the end of the element just started.
func (d *Decoder) Skip() error {
	for depth := 1; depth > 0; {
		tok, err := d.Next() // never io.EOF: an element is open
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// Children calls fn with each child element of the element just opened, until
// that element ends; text and other tokens between them are passed over. fn reads
// (or skips) the child it is given.
func (d *Decoder) Children(fn func(xml.StartElement) error) error {
	for {
		tok, err := d.Next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		}
	}
}

// Encoding is the encoding the text was read in.
func (d *Decoder) Encoding() string { return d.text.Encoding() }

// Notes explain how the encoding was chosen where that was a guess, above all
// a declaration the bytes contradict. Complete once the input has been read.
func (d *Decoder) Notes() []string {
	got := d.text.Encoding()
	// While the text is ASCII, UTF-8 and Windows-1251 read the same and a
	// declaration is not contradicted; a declaration the bytes bear out
	// needs no note about detection.
	if d.forced == "" && d.declared != "" && d.raw.high {
		if got != d.declared {
			return []string{fmt.Sprintf("the XML declaration says %s but the bytes are %s; read as %s (pass --encoding to override)", d.declared, got, got)}
		}
		return nil
	}
	return d.text.Notes()
}

// watch passes the raw bytes through, noting whether any is outside ASCII.
type watch struct {
	src  io.Reader
	high bool
}

func (w *watch) Read(p []byte) (int, error) {
	n, err := w.src.Read(p)
	if !w.high {
		for _, c := range p[:n] {
			if c >= 0x80 {
				w.high = true
				break
			}
		}
	}
	return n, err
}

// Attr returns the value of the attribute with the given local name (no
// namespace), and whether it is there.
func Attr(start xml.StartElement, local string) (string, bool) {
	for _, a := range start.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// Declared returns the encoding named by the XML declaration at the start of
// head (after a UTF-8 byte-order mark), or "".
func Declared(head []byte) string {
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(head[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || rest[0] != '"' && rest[0] != '\'' {
		return ""
	}
	q := rest[0]
	j := strings.IndexByte(rest[1:], q)
	if j < 0 {
		return ""
	}
	return rest[1 : 1+j]
}
