package xmlscan

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/keycrm-sync/keycrm-sync/internal/testenv"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
)

// The differential tests hold the scanner to encoding/xml: on every document
// both accept, the tokens are the same, compared as lines ("<g:id a=1>",
// "</g:id>", "text"), with comments, processing instructions and directives
// left out and adjacent text runs joined (encoding/xml splits text at a
// comment; readers join it anyway).

// referenceTokens reads data with encoding/xml, checking the end tags it does
// not check in RawToken mode.
func referenceTokens(data []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var out tokenLines
	var stack []string
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if len(stack) > 0 {
				return out.lines, fmt.Errorf("unexpected EOF")
			}
			return out.lines, nil
		}
		if err != nil {
			return out.lines, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := qualified(t.Name)
			stack = append(stack, name)
			attrs := make([]string, len(t.Attr))
			for i, a := range t.Attr {
				attrs[i] = qualified(a.Name) + "=" + strconv.Quote(a.Value)
			}
			out.start(name, attrs)
		case xml.EndElement:
			name := qualified(t.Name)
			if len(stack) == 0 || stack[len(stack)-1] != name {
				return out.lines, fmt.Errorf("mismatched </%s>", name)
			}
			stack = stack[:len(stack)-1]
			out.end(name)
		case xml.CharData:
			out.text(t)
		}
	}
}

func qualified(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// scannedTokens reads data with the scanner; with leaf, every element is
// tried with Leaf as it starts.
func scannedTokens(data []byte, leaf bool) ([]string, error) {
	return collect(New(bytes.NewReader(data), Options{MaxToken: 64 << 20, MaxDepth: 1 << 20}), nil, leaf)
}

// collect reads s to its end as token lines, calling onStart (when not nil)
// at each start element, and with leaf reading every element Leaf takes
// through its end tag.
func collect(s *Scanner, onStart func(), leaf bool) ([]string, error) {
	var out tokenLines
	for {
		k, err := s.Next()
		if err == io.EOF {
			return out.lines, nil
		}
		if err != nil {
			return out.lines, err
		}
		switch k {
		case StartElement:
			n := s.Name()
			if n.Prefix+":"+n.Local != n.Full && n.Local != n.Full {
				return nil, fmt.Errorf("name %q split as %q:%q", n.Full, n.Prefix, n.Local)
			}
			attrs := make([]string, len(s.Attrs()))
			for i, a := range s.Attrs() {
				attrs[i] = a.Name.Full + "=" + strconv.Quote(string(a.Value))
			}
			out.start(n.Full, attrs)
			if onStart != nil {
				onStart()
			}
			if !leaf {
				break
			}
			if text, ok := s.Leaf(); ok {
				out.text(text)
				out.end(s.Name().Full)
			}
		case EndElement:
			out.end(s.Name().Full)
		case Text:
			out.text(s.Text())
		}
	}
}

// tokenLines collects tokens as lines, joining adjacent text.
type tokenLines struct {
	lines  []string
	inText bool
}

func (l *tokenLines) start(name string, attrs []string) {
	l.lines = append(l.lines, "<"+strings.Join(append([]string{name}, attrs...), " ")+">")
	l.inText = false
}

func (l *tokenLines) end(name string) {
	l.lines = append(l.lines, "</"+name+">")
	l.inText = false
}

func (l *tokenLines) text(b []byte) {
	if len(b) == 0 {
		return
	}
	if l.inText {
		l.lines[len(l.lines)-1] += string(b)
		return
	}
	l.lines = append(l.lines, string(b))
	l.inText = true
}

// compare checks the scanner against encoding/xml on one UTF-8 document.
func compare(t *testing.T, name string, data []byte) {
	t.Helper()
	want, werr := referenceTokens(data)
	got, gerr := scannedTokens(data, false)
	// Leaf must change nothing but the number of calls.
	if leafGot, leafErr := scannedTokens(data, true); (leafErr == nil) != (gerr == nil) || !slices.Equal(leafGot, got) {
		t.Fatalf("%s: with Leaf %q (%v), without %q (%v)", name, leafGot, leafErr, got, gerr)
	}
	switch {
	case werr == nil && gerr != nil:
		if errors.Is(gerr, ErrDTD) {
			return // refused on purpose
		}
		t.Fatalf("%s: encoding/xml reads it, the scanner fails: %v", name, gerr)
	case werr != nil && gerr == nil:
		if lenient(werr) {
			return
		}
		t.Fatalf("%s: encoding/xml fails (%v), the scanner reads it", name, werr)
	case werr != nil:
		return
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d tokens, encoding/xml %d", name, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: token %d is %q, encoding/xml %q", name, i, got[i], want[i])
		}
	}
}

// lenient tells the encoding/xml errors the scanner does not raise: names are
// checked on their ASCII characters only, and the XML declaration's version
// is not read.
func lenient(err error) bool {
	msg := err.Error()
	for _, s := range []string{"invalid XML name", "expected element name", "expected attribute name", "expected target name", "unsupported version"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// decoded turns a file's bytes into UTF-8 as the readers do before scanning.
func decoded(t *testing.T, data []byte) ([]byte, bool) {
	r, err := textenc.NewReader(bytes.NewReader(data), "")
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	return out, err == nil
}

func TestFixturesSameAsEncodingXML(t *testing.T) {
	dir := testenv.FixturesDir(t)
	n := 0
	for _, sub := range []string{"commerceml", "yml", "google-merchant"} {
		err := filepath.WalkDir(filepath.Join(dir, sub), func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.HasSuffix(p, ".xml") {
				return err
			}
			raw, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			data, ok := decoded(t, raw)
			if !ok {
				t.Fatalf("%s: not decodable", p)
			}
			if _, err := scannedTokens(data, false); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			compare(t, p, data)
			n++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 20 {
		t.Fatalf("only %d fixture files compared", n)
	}
}

// corpusDocs returns the byte and string values of the committed fuzz corpora
// of the readers built on the scanner.
func corpusDocs(t *testing.T) map[string][]byte {
	docs := map[string][]byte{}
	files, err := filepath.Glob("../connector/*/testdata/fuzz/*/*")
	if err != nil {
		t.Fatal(err)
	}
	files2, _ := filepath.Glob("testdata/fuzz/*/*")
	for _, p := range append(files, files2...) {
		if !strings.Contains(p, "commerceml") && !strings.Contains(p, "yml") && !strings.Contains(p, "googlemerchant") && !strings.HasPrefix(p, "testdata") {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for i := 0; sc.Scan(); i++ {
			line := sc.Text()
			lit, ok := strings.CutPrefix(line, "[]byte(")
			if !ok {
				lit, ok = strings.CutPrefix(line, "string(")
			}
			if !ok {
				continue
			}
			v, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
			if err != nil {
				t.Fatalf("%s line %d: %v", p, i+1, err)
			}
			docs[fmt.Sprintf("%s#%d", p, i)] = []byte(v)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if len(docs) < 20 {
		t.Fatalf("only %d corpus documents found", len(docs))
	}
	return docs
}

func TestFuzzCorporaSameAsEncodingXML(t *testing.T) {
	for name, raw := range corpusDocs(t) {
		data, ok := decoded(t, raw)
		if !ok {
			continue // refused before any XML is read
		}
		compare(t, name, data)
	}
}

// FuzzScan compares the scanner with encoding/xml on any UTF-8 input; the kept
// corpus is in testdata/fuzz/FuzzScan.
func FuzzScan(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><a x="1" g:y='&lt;2&#x41;'><!-- c --><b/>t&amp;<![CDATA[<raw>]]>u</a>`))
	f.Add([]byte("<a>\r\n&nbsp;&#1025;</a>"))
	// End tags that match the open element's name only in part, and long
	// Cyrillic names read eight bytes at a time.
	f.Add([]byte("<ab><a></ab></a>"))
	f.Add([]byte("<Предложение><Предложени></Предложение></Предложени>"))
	f.Add([]byte("<КоличествоНаСкладе><Количество/></КоличествоНаСкладе >"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) {
			return
		}
		compare(t, "input", data)
	})
}
