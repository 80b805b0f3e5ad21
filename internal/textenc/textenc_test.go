package textenc

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

func cp1251(t testing.TB, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1251.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeAll(t testing.TB, in []byte, enc string) (string, *Reader, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(in), enc)
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	return string(out), r, err
}

const cyr = "Артикул;Кількість;Ціна\r\nБ-130005;5;1 234,50\r\nЁлка «Новорічна» №1 — 2 м;1;99\r\n"

func TestDetect(t *testing.T) {
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(cyr))
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("sku;qty\n", 20000) // ASCII well past the first buffer
	tests := []struct {
		name      string
		in        []byte
		enc       string
		want      string
		wantEnc   string
		wantNotes int
	}{
		{"ascii is utf-8", []byte("sku,qty\nA,1\n"), "", "sku,qty\nA,1\n", UTF8, 0},
		{"utf-8", []byte(cyr), "", cyr, UTF8, 0},
		{"utf-8 BOM stripped", append([]byte{0xEF, 0xBB, 0xBF}, cyr...), "", cyr, UTF8, 0},
		{"windows-1251 without BOM", cp1251(t, cyr), "", cyr, Windows1251, 1},
		{"windows-1251 after long ASCII", append([]byte(long), cp1251(t, cyr)...), "", long + cyr, Windows1251, 1},
		{"utf-8 after long ASCII", []byte(long + cyr), "", long + cyr, UTF8, 0},
		{"utf-16le BOM", utf16, "", cyr, UTF16LE, 0},
		{"forced windows-1251", cp1251(t, cyr), "cp1251", cyr, Windows1251, 0},
		{"forced koi8-r", mustEncode(t, charmap.KOI8R, "Залишок"), "koi8-r", "Залишок", "koi8-r", 0},
		{"BOM beats forced encoding", append([]byte{0xEF, 0xBB, 0xBF}, cyr...), "windows-1251", cyr, UTF8, 1},
		{"empty", nil, "", "", UTF8, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, r, err := decodeAll(t, tt.in, tt.enc)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("text = %q..., want %q...", first(got), first(tt.want))
			}
			if r.Encoding() != tt.wantEnc {
				t.Errorf("Encoding() = %q, want %q", r.Encoding(), tt.wantEnc)
			}
			if len(r.Notes()) != tt.wantNotes {
				t.Errorf("Notes() = %q, want %d notes", r.Notes(), tt.wantNotes)
			}
		})
	}
}

func first(s string) string {
	if len(s) > 60 {
		return s[:60]
	}
	return s
}

func mustEncode(t testing.TB, m *charmap.Charmap, s string) []byte {
	t.Helper()
	b, err := m.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRefused(t *testing.T) {
	tests := []struct {
		name     string
		in       []byte
		enc      string
		want     error
		wantLine int
		wantOff  int64
	}{
		{"NUL at start", []byte("\x00\x01PK"), "", ErrBinary, 1, 0},
		{"NUL after text", []byte("sku\nA\x00"), "", ErrBinary, 2, 5},
		{"NUL in utf-8", []byte("ціна\n\x00"), "", ErrBinary, 2, 9},
		{"NUL in windows-1251", append(cp1251(t, "ціна\n"), 0), "", ErrBinary, 2, 5},
		{"invalid utf-8 after valid utf-8", append([]byte(strings.Repeat("ціна\n", 10)), 0xFF, 'x'), "", ErrInvalid, 11, 90},
		{"forced utf-8 on windows-1251", cp1251(t, "a\nціна"), "utf-8", ErrInvalid, 2, 2},
		{"unassigned windows-1251 byte", []byte{'a', 0xE0, 0x98}, "", ErrInvalid, 1, 2},
		{"utf-8 cut inside a character", []byte("ціна\xd1"), "utf-8", ErrInvalid, 1, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decodeAll(t, tt.in, tt.enc)
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want a DecodeError wrapping %v", err, tt.want)
			}
			if de.Line != tt.wantLine || de.Offset != tt.wantOff {
				t.Errorf("at line %d byte %d, want line %d byte %d (%v)", de.Line, de.Offset, tt.wantLine, tt.wantOff, err)
			}
		})
	}
}

// Decoding must not depend on how the source and the caller cut the stream.
func TestSmallReads(t *testing.T) {
	inputs := map[string][]byte{
		"utf-8":        []byte(strings.Repeat(cyr, 50)),
		"windows-1251": cp1251(t, strings.Repeat(cyr, 50)),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			r, err := NewReader(iotest.OneByteReader(bytes.NewReader(in)), "")
			if err != nil {
				t.Fatal(err)
			}
			var out []byte
			p := make([]byte, 1)
			for {
				n, err := r.Read(p)
				out = append(out, p[:n]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if string(out) != strings.Repeat(cyr, 50) {
				t.Errorf("one-byte reads decoded %q...", first(string(out)))
			}
		})
	}
}

func TestReadErrorPassedOn(t *testing.T) {
	boom := errors.New("disk on fire")
	r, err := NewReader(iotest.ErrReader(boom), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
}

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"UTF8": UTF8, "utf-8": UTF8, "cp1251": Windows1251, "Windows-1251": Windows1251,
		"win1251": Windows1251, "1251": Windows1251, "koi8-r": "koi8-r", "cp866": "ibm866",
	} {
		got, err := Canonical(in)
		if err != nil || got != want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := Canonical("klingon"); err == nil || !strings.Contains(err.Error(), `"klingon"`) {
		t.Errorf("Canonical(klingon) error = %v", err)
	}
	if _, err := NewReader(strings.NewReader(""), "klingon"); err == nil {
		t.Error("NewReader accepted an unknown encoding")
	}
}

func BenchmarkDecode(b *testing.B) {
	text := strings.Repeat("SHOE-42;Кросівки бігові легкі;7;1299,50\n", 20000)
	for _, enc := range []string{UTF8, Windows1251} {
		in := []byte(text)
		if enc == Windows1251 {
			in = cp1251(b, text)
		}
		b.Run(enc, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			buf := make([]byte, 64<<10)
			for b.Loop() {
				r, _ := NewReader(bytes.NewReader(in), "")
				for {
					if _, err := r.Read(buf); err != nil {
						break
					}
				}
			}
		})
	}
}

func TestFlagValue(t *testing.T) {
	// Every value the help lists is accepted, and nothing else.
	for _, part := range strings.Split(FlagHelp(), ", ") {
		name, alias, _ := strings.Cut(part, " (")
		for _, v := range []string{name, strings.TrimSuffix(alias, ")")} {
			if v == "" {
				continue
			}
			if got, err := FlagValue(strings.ToUpper(v)); err != nil || got != name {
				t.Errorf("FlagValue(%q) = %q, %v; want %q", v, got, err, name)
			}
		}
	}
	for _, v := range []string{"latin1", "shift_jis", "1251", "win1251", "klingon"} {
		if _, err := FlagValue(v); err == nil || !strings.Contains(err.Error(), "koi8-u") {
			t.Errorf("FlagValue(%q) accepted or unhelpful: %v", v, err)
		}
	}
}

// Headers in KOI8-U, DOS 866 or UTF-8 read as Windows-1251 look mis-decoded;
// the same headers read right, and ordinary ones, do not.
func TestLooksMisdecoded(t *testing.T) {
	headers := []string{"Артикул", "Кількість", "Ціна, грн", "Об’єм", "sku"}
	if LooksMisdecoded(headers) {
		t.Errorf("%q look mis-decoded", headers)
	}
	for _, enc := range []encoding.Encoding{charmap.KOI8U, charmap.KOI8R, charmap.CodePage866, encoding.Nop} {
		var garbled []string
		for _, h := range headers {
			b, err := enc.NewEncoder().Bytes([]byte(h))
			if err != nil {
				b = []byte(h) // KOI8-R has no "і": keep the cell as it is
			}
			s, _ := charmap.Windows1251.NewDecoder().Bytes(b)
			garbled = append(garbled, string(s))
		}
		if !LooksMisdecoded(garbled) {
			t.Errorf("%v: %q do not look mis-decoded", enc, garbled)
		}
	}
	if LooksMisdecoded([]string{"ЦінаОпт", "Артикул", "Назва"}) {
		t.Error("one camel-case cell among three is not mis-decoding")
	}
}
