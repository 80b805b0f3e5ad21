// Package feedkit holds what the yml, googlemerchant and moysklad readers
// share: a streaming XML decoder with the guards feeds need (Decoder), the
// building of an item and its positioned problems from an element's values
// (Builder), the set of canonical fields a source gave (Fields), and counted
// notes with example SKUs (Tally, Stock).
//
// The XML decoder:
//
//   - decodes the text before the XML scanner sees it (package textenc): the
//     declared encoding is honoured, and a feed that declares UTF-8 but holds
//     Windows-1251 bytes — real Rozetka feeds do — is detected and read as
//     Windows-1251 with a note rather than refused or turned into mojibake;
//   - never fetches a DTD and never expands an entity a document declares
//     (package xmlscan): a DOCTYPE naming a DTD is skipped, one with an
//     internal subset is refused, the five XML entities and the HTML ones
//     (&nbsp;, &mdash;, which feeds write outside CDATA) are known, and any
//     other is a syntax error with its line, so billion-laughs documents cost
//     nothing;
//   - refuses a single token (a text node, a tag with its attributes, a
//     comment) longer than connector.MaxRecordBytes and elements nested deeper
//     than MaxDepth, so a 1 GB line or a 10-million-level document is refused
//     with bounded memory.
package feedkit

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

// MaxDepth is the deepest element nesting a feed may have. Real feeds nest six
// or seven levels (yml_catalog/shop/offers/offer/param); anything near the
// limit is an attack or a corrupted file.
const MaxDepth = 64

// Element is a start element as the readers see it. Its attributes are the
// scanner's, not copies: they are valid until the decoder reads on (Next,
// Text, Skip), so a reader looks at them before reading the element's text.
type Element struct {
	*ElementName // shared by every element of that name in the same scope
	attrs        []xmlscan.Attr
}

// ElementName is an element's name, resolved in the namespace declarations
// in scope.
type ElementName struct {
	// Name is the name as the file writes it: with the prefix the file
	// declared for its namespace ("g:id"), or the local name.
	Name  string
	Local string
	// Space is the namespace URL the element's prefix (or the default
	// namespace) is bound to; an undeclared prefix stands for itself.
	Space string
}

// Attr returns the value of the attribute with the given local name and no
// prefix, and whether it is there.
func (e Element) Attr(local string) (string, bool) {
	v, ok := e.RawAttr(local)
	return string(v), ok
}

// RawAttr is Attr as bytes, valid as long as the attributes: for a value
// that is compared or looked up rather than kept.
func (e Element) RawAttr(local string) ([]byte, bool) {
	for _, a := range e.attrs {
		if a.Name.Local == local && a.Name.Prefix == "" {
			return a.Value, true
		}
	}
	return nil, false
}

// Attrs are the element's attributes as written.
func (e Element) Attrs() []xmlscan.Attr { return e.attrs }

// Decoder is a streaming XML reader with limits and positions.
type Decoder struct {
	name     string
	s        *xmlscan.Scanner
	text     *textenc.Reader
	raw      *watch
	declared string // the encoding the XML declaration names, canonical; "" if none
	forced   string // --encoding, canonical
	el       Element
	stack    []string
	bindings []binding         // namespace declarations in scope, innermost last
	prefixes map[string]string // namespace URL → the prefix the file last declared for it
	names    map[qname]string
	// resolved holds the names last resolved: feeds repeat a few dozen
	// element names, resolved again only when a declaration comes in or
	// goes out of scope (scope counts those changes).
	resolved    [256]*resolution
	scope       int
	byName      map[string]*resolution // every name resolved in byNameScope
	byNameScope int
	buf         []byte
	path        string // the last Path
	pathBuf     []byte
}

// binding is a namespace prefix ("" for the default namespace) declared on
// the element at depth.
type binding struct {
	prefix, url string
	depth       int
}

type qname struct{ space, local string }

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
	d := &Decoder{name: opt.Name, prefixes: map[string]string{}, names: map[qname]string{}, byName: map[string]*resolution{}, el: Element{ElementName: &ElementName{}}}
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
	d.s = xmlscan.New(tr, xmlscan.Options{MaxToken: connector.MaxRecordBytes, MaxDepth: MaxDepth})
	return d, nil
}

// Next returns the kind of the next start element, end element or text;
// comments, processing instructions and the DOCTYPE are skipped. Its error is
// io.EOF only at the end of input with no element open; otherwise it is
// positioned and wrapped (connector.ErrTruncated for a file cut off inside an
// element, connector.ErrTooLarge past a limit, a *textenc.DecodeError for
// undecodable bytes).
func (d *Decoder) Next() (xmlscan.Kind, error) {
	k, err := d.s.Next()
	if err != nil {
		return 0, d.wrap(err)
	}
	d.track(k)
	return k, nil
}

// track keeps the open elements and the namespaces in scope in step with
// the token the scanner read.
func (d *Decoder) track(k xmlscan.Kind) {
	switch k {
	case xmlscan.StartElement:
		n, attrs := d.s.Name(), d.s.Attrs()
		for _, a := range attrs {
			switch {
			case a.Name.Full == "xmlns":
				d.bindings = append(d.bindings, binding{url: string(a.Value), depth: len(d.stack)})
				d.scope++
			case a.Name.Prefix == "xmlns":
				url := string(a.Value)
				d.bindings = append(d.bindings, binding{prefix: a.Name.Local, url: url, depth: len(d.stack)})
				d.prefixes[url] = a.Name.Local
				d.scope++
			}
		}
		slot := &d.resolved[nameSlot(n.Full)]
		r := *slot
		if r == nil || r.scope != d.scope || r.full != n.Full {
			r = d.resolve(n)
			*slot = r
		}
		d.el = Element{ElementName: &r.name, attrs: attrs}
		d.stack = append(d.stack, r.name.Name)
	case xmlscan.EndElement:
		d.stack = d.stack[:len(d.stack)-1]
		for len(d.bindings) > 0 && d.bindings[len(d.bindings)-1].depth >= len(d.stack) {
			d.bindings = d.bindings[:len(d.bindings)-1]
			d.scope++
		}
	}
}

// resolution is an element name's namespace and written form, as resolved
// while the namespace declarations in scope were those of scope.
type resolution struct {
	full  string
	scope int
	name  ElementName
}

// nameSlot picks a name's place in Decoder.resolved.
func nameSlot(full string) byte {
	n := len(full)
	return byte(n*7) ^ full[0] ^ full[n-1]<<3 ^ full[n/2]<<1
}

// maxResolved bounds the names resolved in one scope that are kept.
const maxResolved = 1024

// resolve returns the resolution of n in the declarations in scope, made
// once per name and scope. It is never changed once made: elements handed
// out keep theirs.
func (d *Decoder) resolve(n xmlscan.Name) *resolution {
	if d.byNameScope != d.scope {
		clear(d.byName)
		d.byNameScope = d.scope
	}
	if r, ok := d.byName[n.Full]; ok {
		return r
	}
	space := d.space(n)
	r := &resolution{full: n.Full, scope: d.scope, name: ElementName{Name: d.written(space, n.Local), Local: n.Local, Space: space}}
	if len(d.byName) < maxResolved {
		d.byName[n.Full] = r
	}
	return r
}

// space resolves an element name's namespace as encoding/xml does: the
// innermost declaration of its prefix, the prefix itself when undeclared, and
// "xml" to the XML namespace.
func (d *Decoder) space(n xmlscan.Name) string {
	if n.Prefix == "xml" {
		return "http://www.w3.org/XML/1998/namespace"
	}
	for i := len(d.bindings) - 1; i >= 0; i-- {
		if d.bindings[i].prefix == n.Prefix {
			return d.bindings[i].url
		}
	}
	return n.Prefix
}

// written is a name as the file writes it: with the prefix the file declared
// for its namespace ("g:id"), or the local name.
func (d *Decoder) written(space, local string) string {
	if space == "" {
		return local
	}
	// Namespaced names repeat on every record (g:id, g:price): made once.
	k := qname{space, local}
	if s, ok := d.names[k]; ok {
		return s
	}
	s := local
	if p := d.prefixes[space]; p != "" {
		s = p + ":" + local
	}
	if len(d.names) < 1024 {
		d.names[k] = s
	}
	return s
}

// Element is the start element Next returned last; its attributes are valid
// until the decoder reads on.
func (d *Decoder) Element() Element { return d.el }

func (d *Decoder) wrap(err error) error {
	var scanErr *xmlscan.Error
	var decErr *textenc.DecodeError
	switch {
	case err == io.EOF:
		return io.EOF
	case errors.As(err, &decErr):
		return fmt.Errorf("read %s: %w", d.name, err)
	case !errors.As(err, &scanErr):
		return fmt.Errorf("read %s line %d: %w", d.name, d.s.Line(), err)
	case scanErr.Err == xmlscan.ErrTooLarge:
		return fmt.Errorf("read %s line %d: %w: %s", d.name, scanErr.Line, connector.ErrTooLarge, scanErr.Msg)
	case scanErr.Err == xmlscan.ErrTruncated:
		return fmt.Errorf("read %s line %d: %w (elements left open: %s)", d.name, scanErr.Line, connector.ErrTruncated, d.Path())
	case scanErr.Err == xmlscan.ErrSyntax:
		return fmt.Errorf("read %s line %d: XML syntax error: %s", d.name, scanErr.Line, scanErr.Msg)
	}
	return fmt.Errorf("read %s line %d: %w: %s", d.name, scanErr.Line, scanErr.Err, scanErr.Msg)
}

// Line is the line the last token returned by Next started on.
// It is counted when asked: most tokens' lines are never needed.
func (d *Decoder) Line() int { return d.s.Line() }

// Depth is the number of elements open: 1 inside the root element.
func (d *Decoder) Depth() int { return len(d.stack) }

// Path is the open elements as written, "yml_catalog/shop/offers/offer".
// Every record of a feed has the same path: the last one is handed out again
// rather than allocated per record.
func (d *Decoder) Path() string {
	d.pathBuf = d.pathBuf[:0]
	for i, name := range d.stack {
		if i > 0 {
			d.pathBuf = append(d.pathBuf, '/')
		}
		d.pathBuf = append(d.pathBuf, name...)
	}
	if string(d.pathBuf) != d.path {
		d.path = string(d.pathBuf)
	}
	return d.path
}

// Parent is the element enclosing the one just started, or "" at the root.
func (d *Decoder) Parent() string {
	if len(d.stack) < 2 {
		return ""
	}
	return d.stack[len(d.stack)-2]
}

// Text reads the text of the element just started, up to its end element:
// character data and CDATA, with the text of any nested elements (HTML written
// without CDATA) run together. The text is returned as found, untrimmed.
func (d *Decoder) Text() (string, error) {
	text, err := d.RawText()
	return string(text), err
}

// RawText is Text as bytes of the decoder's buffers, valid until it reads on:
// for a value that is parsed, compared or copied rather than kept as it is.
func (d *Decoder) RawText() ([]byte, error) {
	if text, ok := d.s.Leaf(); ok { // most elements: text, then their end
		d.track(xmlscan.EndElement)
		return text, nil
	}
	d.buf = d.buf[:0]
	for depth := 1; ; {
		k, err := d.Next() // never io.EOF: an element is open
		if err != nil {
			return nil, err
		}
		switch k {
		case xmlscan.StartElement:
			depth++
		case xmlscan.EndElement:
			if depth--; depth == 0 {
				return d.buf, nil
			}
		case xmlscan.Text:
			t := d.s.Text()
			if len(d.buf)+len(t) > connector.MaxRecordBytes {
				return nil, fmt.Errorf("read %s line %d: %w: a text longer than %d bytes", d.name, d.s.Line(), connector.ErrTooLarge, connector.MaxRecordBytes)
			}
			d.buf = append(d.buf, t...)
		}
	}
}

// Skip reads past the end of the element just started.
func (d *Decoder) Skip() error {
	for depth := 1; depth > 0; {
		k, err := d.Next() // never io.EOF: an element is open
		if err != nil {
			return err
		}
		switch k {
		case xmlscan.StartElement:
			depth++
		case xmlscan.EndElement:
			depth--
		}
	}
	return nil
}

// Children calls fn with each child element of the element just opened, until
// that element ends; text and other tokens between them are passed over. fn reads
// (or skips) the child it is given, which is the decoder's Element: reading
// on overwrites it, so fn takes what it needs of it first.
func (d *Decoder) Children(fn func(*Element) error) error {
	for {
		k, err := d.Next()
		if err != nil {
			return err
		}
		switch k {
		case xmlscan.EndElement:
			return nil
		case xmlscan.StartElement:
			if err := fn(&d.el); err != nil {
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
