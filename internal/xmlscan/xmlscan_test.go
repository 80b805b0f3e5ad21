package xmlscan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestErrorsNameTheLine(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		kind      error
		want      string
	}{
		{"mismatched", "<a>\n<b>\n</a>", ErrSyntax, "line 3: XML syntax error: element <b> closed by </a>"},
		{"unclosed", "<a>\n<b></b>\n", ErrTruncated, "line 3: the input ends inside the document: <a> is not closed"},
		{"cut in a tag", "<a>\n<b x=\"1", ErrTruncated, "line 2: the input ends inside the document: the input ends inside a tag"},
		{"cut in CDATA", "<a><![CDATA[x", ErrTruncated, "ends inside a tag"},
		{"stray end", "<a/>\n</a>", ErrSyntax, "line 2: XML syntax error: unexpected end element </a>"},
		{"entity", "<a>\n\nx &foo; y</a>", ErrSyntax, "line 3: XML syntax error: invalid character entity &foo;"},
		{"entity without semicolon", "<a>&amp</a>", ErrSyntax, "invalid character entity &amp (no semicolon)"},
		{"NUL reference", "<a>&#0;</a>", ErrSyntax, "illegal character code U+0000"},
		{"control character", "<a>\x01</a>", ErrSyntax, "illegal character code U+0001"},
		{"unquoted attribute", "<a x=1/>", ErrSyntax, "unquoted or missing attribute value"},
		{"< in attribute", "<a x=\"<\"/>", ErrSyntax, "unescaped < inside quoted string"},
		{"]]> in text", "<a>]]></a>", ErrSyntax, "unescaped ]]> not in CDATA section"},
		{"comment with --", "<a><!-- x -- y --></a>", ErrSyntax, `invalid sequence "--" not allowed in comments`},
		{"internal subset", "<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY b \"c\">]>\n<a>&b;</a>", ErrDTD, "line 2: a DOCTYPE with an internal subset is not read"},
		{"billion laughs", `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>`, ErrDTD, "does not process DTDs"},
		{"deep", strings.Repeat("<a>", 20) + strings.Repeat("</a>", 20), ErrTooLarge, "nested deeper than 10 levels"},
		{"long text", "<a>" + strings.Repeat("x", 300<<10) + "</a>", ErrTooLarge, "longer than 262144 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := New(strings.NewReader(c.doc), Options{MaxDepth: 10, MaxToken: 256 << 10})
			var err error
			for err == nil {
				_, err = s.Next()
			}
			if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %v containing %q", err, c.kind, c.want)
			}
			if _, again := s.Next(); again != err {
				t.Fatalf("the error is not kept: %v", again)
			}
		})
	}
}

// TestDOCTYPEWithoutSubsetIsSkipped: Rozetka feeds name shops.dtd, which is
// never fetched.
func TestDOCTYPEWithoutSubsetIsSkipped(t *testing.T) {
	got, err := scannedTokens([]byte("<?xml version=\"1.0\"?>\n<!DOCTYPE yml_catalog SYSTEM \"shops.dtd\">\n<yml_catalog date='x'/>"), false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"\n\n", `<yml_catalog date="x">`, "</yml_catalog>"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("tokens %q, want %q", got, want)
	}
}

// TestOneByteReads reads through a source that returns one byte a call:
// tokens that straddle every possible buffer boundary come out whole, and
// lines are counted across refills.
func TestOneByteReads(t *testing.T) {
	doc := "<?xml version=\"1.0\"?>\n<r xmlns:g=\"u\">\r\n<g:id a=\"1&amp;2\">A&lt;B</g:id>\n<!-- c -->\n<x><![CDATA[<y>]]></x>\n<e/></r>\n"
	want, err := scannedTokens([]byte(doc), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, leaf := range []bool{false, true} {
		s := New(iotest.OneByteReader(strings.NewReader(doc)), Options{})
		lines := map[string]int{}
		got, err := collect(s, func() { lines[s.Name().Full] = s.Line() }, leaf)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("leaf %v: tokens %q, want %q", leaf, got, want)
		}
		if lines["r"] != 2 || lines["g:id"] != 3 || lines["x"] != 5 || lines["e"] != 6 {
			t.Fatalf("leaf %v: lines %v", leaf, lines)
		}
	}
}

// TestLeaf: Leaf reads a plain leaf through its end tag, leaving the scanner
// where Next would, and leaves anything else to Next.
func TestLeaf(t *testing.T) {
	doc := "<r>\n<a>12.50</a>\n<b>x&amp;y</b><c/><d></d><e>t<f/></e><g>\nz\n</g>\n</r>"
	s := New(strings.NewReader(doc), Options{})
	var got []string
	for {
		k, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if k != StartElement {
			continue
		}
		name := s.Name().Full
		if text, ok := s.Leaf(); ok {
			got = append(got, fmt.Sprintf("%s=%q@%d/%d", name, text, s.Line(), s.Depth()))
		}
	}
	want := []string{`a="12.50"@2/1`, `d=""@3/1`, `g="\nz\n"@5/1`}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("leaves %q, want %q", got, want)
	}
}

// TestReadErrorAfterText: what the source gave before failing is scanned,
// then its error comes back as it was (a decoding error names its own line).
func TestReadErrorAfterText(t *testing.T) {
	boom := errors.New("undecodable byte")
	s := New(io.MultiReader(strings.NewReader("<a><b>1</b>"), iotest.ErrReader(boom)), Options{})
	var texts []string
	var err error
	for err == nil {
		var k Kind
		if k, err = s.Next(); k == Text {
			texts = append(texts, string(s.Text()))
		}
	}
	if err != boom || len(texts) != 1 || texts[0] != "1" {
		t.Fatalf("texts %q, error %v", texts, err)
	}
}

func TestNamesAreSplitAndShared(t *testing.T) {
	s := New(strings.NewReader(`<g:a xmlns:g="u"><g:a/></g:a>`), Options{})
	var names []Name
	if _, err := collect(s, func() { names = append(names, s.Name()) }, false); err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 || names[0] != (Name{Full: "g:a", Prefix: "g", Local: "a"}) {
		t.Fatalf("names %+v", names)
	}
	if len(s.Attrs()) != 0 {
		t.Fatal("attributes outlive their start element")
	}
}

func TestLongTokensAcrossRefills(t *testing.T) {
	text := bytes.Repeat([]byte("Килимок &amp; "), 20_000) // 300 KB, several refills
	doc := append(append([]byte("<a>"), text...), "</a>"...)
	got, err := scannedTokens(doc, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(string(text), "&amp;", "&"); len(got) != 3 || got[1] != want {
		t.Fatalf("%d tokens", len(got))
	}
}
