package moysklad

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
)

// source feeds a json.Decoder, counting lines for positions and refusing to
// let one value grow past connector.MaxRecordBytes (encoding/json holds a
// whole value, or a whole string token, in memory).
type source struct {
	r    io.Reader
	dec  *json.Decoder
	read int64   // bytes handed to the decoder
	nl   []int64 // offsets of newlines handed out and not yet passed by lineAt
	next int     // nl[next:] are still ahead
	line int     // the line of the last offset asked for
}

// readChunk caps one read, so that the limit is checked often.
const readChunk = 64 << 10

func (s *source) Read(p []byte) (int, error) {
	if s.read-s.dec.InputOffset() > connector.MaxRecordBytes {
		return 0, errTooLarge
	}
	p = p[:min(len(p), readChunk)]
	n, err := s.r.Read(p)
	for i, b := 0, p[:n]; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			break
		}
		s.nl = append(s.nl, s.read+int64(i+j))
		i += j + 1
	}
	s.read += int64(n)
	return n, err
}

// lineAt returns the 1-based line of a decoder offset; offsets must not
// decrease from call to call.
func (s *source) lineAt(off int64) int {
	for s.next < len(s.nl) && s.nl[s.next] < off {
		s.next++
		s.line++
	}
	if s.next > 4096 && s.next*2 > len(s.nl) {
		s.nl = s.nl[:copy(s.nl, s.nl[s.next:])]
		s.next = 0
	}
	return s.line
}

// errTooLarge is the source's signal, positioned by the document.
var errTooLarge = errors.New("value too large")

// page is the top-level meta of a list response: which slice of how many
// rows the file holds, and the request it answered.
type page struct {
	Href         string `json:"href"`
	Type         string `json:"type"`
	Size         *int64 `json:"size"`
	Limit        int64  `json:"limit"`
	Offset       int64  `json:"offset"`
	NextHref     string `json:"nextHref"`
	PreviousHref string `json:"previousHref"`
}

// query returns the request parameters the page's links show (MoySklad
// repeats the request's filter in nextHref and previousHref). It splits the
// query itself: MoySklad's filter separates its conditions with raw ";",
// which net/url refuses.
func (p page) query() map[string]string {
	q := map[string]string{}
	for _, h := range []string{p.Href, p.NextHref, p.PreviousHref} {
		_, raw, ok := strings.Cut(h, "?")
		if !ok {
			continue
		}
		for _, pair := range strings.Split(raw, "&") {
			k, v, _ := strings.Cut(pair, "=")
			if u, err := url.QueryUnescape(v); err == nil {
				v = u
			}
			if k != "limit" && k != "offset" && k != "" && q[k] == "" {
				q[k] = v
			}
		}
	}
	return q
}

// doc reads one MoySklad JSON document: an object with meta and rows (a list
// response), or a bare array of rows (the …/current reports).
type doc struct {
	name    string
	src     *source
	dec     *json.Decoder
	text    *textenc.Reader
	meta    page
	hasMeta bool
	bare    bool
	done    bool
}

// newDoc starts reading r (the file's bytes) as UTF-8 (or enc).
func newDoc(name string, r io.Reader, enc string) (*doc, error) {
	tr, err := textenc.NewReader(r, enc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	s := &source{r: tr, line: 1}
	dec := json.NewDecoder(s)
	s.dec = dec
	return &doc{name: name, src: s, dec: dec, text: tr}, nil
}

// fail positions a decoding error.
func (d *doc) fail(err error) error {
	var syn *json.SyntaxError
	var denc *textenc.DecodeError
	line := d.src.lineAt(d.dec.InputOffset())
	switch {
	case errors.As(err, &denc):
		return fmt.Errorf("read %s: %w", d.name, err)
	case errors.Is(err, errTooLarge):
		return fmt.Errorf("read %s line %d: %w: a JSON value longer than %d bytes", d.name, line, connector.ErrTooLarge, connector.MaxRecordBytes)
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("read %s line %d: %w", d.name, line, connector.ErrTruncated)
	case errors.As(err, &syn):
		if syn.Offset > d.dec.InputOffset() {
			line = d.src.lineAt(syn.Offset)
		}
		return fmt.Errorf("read %s line %d: invalid JSON: %v", d.name, line, syn)
	}
	return fmt.Errorf("read %s line %d: %w", d.name, line, err)
}

// start reads up to the first row: through the top-level object's keys until
// "rows", or the opening bracket of a bare array.
func (d *doc) start() error {
	tok, err := d.dec.Token()
	if err != nil {
		if err == io.EOF {
			return fmt.Errorf("read %s: the file is empty, not a MoySklad export", d.name)
		}
		return d.fail(err)
	}
	switch tok {
	case json.Delim('['):
		d.bare = true
		return nil
	case json.Delim('{'):
	default:
		return fmt.Errorf("read %s: not a MoySklad export: the file holds a JSON %s, not an object with rows or an array", d.name, kindOf(tok))
	}
	var webhook string
	for d.dec.More() {
		found, err := d.member(&webhook)
		if err != nil || found {
			return err
		}
	}
	if _, err := d.dec.Token(); err != nil {
		return d.fail(err)
	}
	if webhook != "" {
		return fmt.Errorf("read %s: a MoySklad webhook notification, which holds no stock: fetch its reportUrl (%s) and read the answer", d.name, webhook)
	}
	return fmt.Errorf("read %s: not a MoySklad export: the object has no rows", d.name)
}

// member reads one top-level key and its value; found is true at "rows",
// with the array opened.
func (d *doc) member(webhook *string) (found bool, err error) {
	tok, err := d.dec.Token()
	if err != nil {
		return false, d.fail(err)
	}
	key, _ := tok.(string)
	switch key {
	case "rows":
		if d.done {
			return false, fmt.Errorf("read %s line %d: two rows arrays in one file", d.name, d.src.lineAt(d.dec.InputOffset()))
		}
		tok, err := d.dec.Token()
		if err != nil {
			return false, d.fail(err)
		}
		if tok != json.Delim('[') {
			return false, fmt.Errorf("read %s line %d: rows is a JSON %s, not an array", d.name, d.src.lineAt(d.dec.InputOffset()), kindOf(tok))
		}
		return true, nil
	case "meta":
		if err := d.dec.Decode(&d.meta); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return false, fmt.Errorf("read %s line %d: meta.%s is not a %s", d.name, d.src.lineAt(d.dec.InputOffset()), te.Field, te.Type)
			}
			return false, d.fail(err)
		}
		d.hasMeta = true
		return false, nil
	case "errors":
		var errs []struct {
			Error string `json:"error"`
		}
		if err := d.dec.Decode(&errs); err == nil && len(errs) > 0 {
			return false, fmt.Errorf("read %s: the file is a MoySklad error answer: %s", d.name, errs[0].Error)
		}
		return false, fmt.Errorf("read %s: the file is a MoySklad error answer", d.name)
	case "reportUrl":
		var s string
		if err := d.dec.Decode(&s); err != nil {
			return false, d.fail(err)
		}
		*webhook = s
		return false, nil
	}
	var skip json.RawMessage
	if err := d.dec.Decode(&skip); err != nil {
		return false, d.fail(err)
	}
	return false, nil
}

// next decodes the next row into r and returns the line it starts on; ok is
// false after the last row, once the rest of the document has been checked.
// A row of the wrong JSON types is returned with its *json.UnmarshalTypeError
// (a problem, not a failure).
func (d *doc) next(r *row) (line int, ok bool, typeErr *json.UnmarshalTypeError, err error) {
	if d.done {
		return 0, false, nil, nil
	}
	if !d.dec.More() {
		return 0, false, nil, d.finish()
	}
	line = d.rowLine()
	*r = row{}
	if err := d.dec.Decode(r); err != nil {
		if errors.As(err, &typeErr) {
			return line, true, typeErr, nil
		}
		return 0, false, nil, d.fail(err)
	}
	return line, true, nil, nil
}

// rowLine finds the line of the next value: the decoder stands before the
// comma and white space that precede it.
func (d *doc) rowLine() int {
	off := d.dec.InputOffset()
	var buf [256]byte
	n, _ := io.ReadFull(d.dec.Buffered(), buf[:])
	for _, c := range buf[:n] {
		if c != ',' && c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			break
		}
		off++
	}
	return d.src.lineAt(off)
}

// finish reads the end of the rows, the top-level keys after them, and
// checks that nothing follows the document.
func (d *doc) finish() error {
	d.done = true
	if _, err := d.dec.Token(); err != nil { // the closing bracket
		return d.fail(err)
	}
	if !d.bare {
		var webhook string
		for d.dec.More() {
			if _, err := d.member(&webhook); err != nil {
				return err
			}
		}
		if _, err := d.dec.Token(); err != nil {
			return d.fail(err)
		}
	}
	if tok, err := d.dec.Token(); err != io.EOF {
		if err != nil {
			return d.fail(err)
		}
		return fmt.Errorf("read %s line %d: more than one JSON value in the file (a %s after the end)", d.name, d.src.lineAt(d.dec.InputOffset()), kindOf(tok))
	}
	return nil
}

// kindOf names a JSON token's kind for messages.
func kindOf(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return "object"
		case '[':
			return "array"
		}
		return "closing " + string(t)
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}
