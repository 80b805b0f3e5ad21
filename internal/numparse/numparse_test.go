package numparse

import (
	"errors"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" expects err
		err  error
	}{
		// The contract's forms.
		{"1234.5", "1234.5", nil},
		{"1234,5", "1234.5", nil},
		{"1 234,50", "1234.5", nil},
		{"1\u00a0234,50", "1234.5", nil},
		{"1\u202f234,50", "1234.5", nil},
		{"12\u00a0345\u00a0678", "12345678", nil},
		// Fractional quantities, leading and trailing marks.
		{"30.5", "30.5", nil},
		{".5", "0.5", nil},
		{",5", "0.5", nil},
		{"5.", "5", nil},
		{"0", "0", nil},
		{"-0", "0", nil},
		{"007", "7", nil},
		{"25.00", "25", nil},
		{"-1.00", "-1", nil},
		{"+3", "3", nil},
		{"\u22125", "-5", nil},
		{"  42\t", "42", nil},
		// A mark that appears once is the decimal separator.
		{"1,234", "1.234", nil},
		{"1.234", "1.234", nil},
		// Repeated marks group thousands; with both, the last is the point.
		{"1,234,567", "1234567", nil},
		{"1.234.567", "1234567", nil},
		{"1,234.50", "1234.5", nil},
		{"1.234,50", "1234.5", nil},
		{"12,345,678.9", "12345678.9", nil},
		// Exponents, as JSON and spreadsheets write them.
		{"1e3", "1000", nil},
		{"9.9E-2", "0.099", nil},
		{"9,9E-2", "0.099", nil},
		{"1E+2", "100", nil},
		// Not numbers.
		{"", "", ErrSyntax},
		{"   ", "", ErrSyntax},
		{"abc", "", ErrSyntax},
		{"-", "", ErrSyntax},
		{".", "", ErrSyntax},
		{"1.2.3,4", "", ErrSyntax},
		{"1,2,3.4.5", "", ErrSyntax},
		{"12 34", "", ErrSyntax},
		{"1 2345", "", ErrSyntax},
		{"1234 567", "", ErrSyntax},
		{"1 234.567.890", "", ErrSyntax},
		{"1,23,456", "", ErrSyntax},
		{"0,123 456", "", ErrSyntax},
		{"1 234e3", "", ErrSyntax},
		{"1e", "", ErrSyntax},
		{"e5", "", ErrSyntax},
		{"1e5x", "", ErrSyntax},
		{"--5", "", ErrSyntax},
		{"5-", "", ErrSyntax},
		{"5 шт", "", ErrSyntax},
		{"100 грн", "", ErrSyntax}, // a currency only where a price is expected
		{"0x10", "", ErrSyntax},
		{"1_000", "", ErrSyntax},
		// Out of range: a decimal holds 18 significant digits.
		{"1234567890123456789", "", ErrRange},
		{"0.1234567890123456789", "", ErrRange},
		{"1e40", "", ErrRange},
		{"1000000000000000000000", "", ErrRange},
		{"12345678901234567.8000000", "12345678901234567.8", nil},
	}
	for _, tt := range tests {
		got, cur, err := Parse(tt.in, Options{})
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("Parse(%q) = %v, %v; want error %v", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got.String() != tt.want || cur != "" {
			t.Errorf("Parse(%q) = %v, %q, %v; want %s", tt.in, got, cur, err, tt.want)
		}
		// []byte input reads the same.
		if gb, _, err := Parse([]byte(tt.in), Options{}); err != nil || gb != got {
			t.Errorf("Parse([]byte(%q)) = %v, %v", tt.in, gb, err)
		}
	}
}

func TestParseCurrency(t *testing.T) {
	tests := []struct{ in, want, cur string }{
		{"6,31руб", "6.31", "RUB"},
		{"14.99 USD", "14.99", "USD"},
		{"2 042,66 руб.", "2042.66", "RUB"},
		{"100 грн", "100", "UAH"},
		{"100грн.", "100", "UAH"},
		{"₴ 1 299,50", "1299.5", "UAH"},
		{"$5", "5", "USD"},
		{"-$5", "-5", "USD"},
		{"$-5", "-5", "USD"},
		{"12,50 €", "12.5", "EUR"},
		{"12.5", "12.5", ""},
		{"100 uah", "100", "UAH"},
	}
	for _, tt := range tests {
		got, cur, err := Parse(tt.in, Options{Currency: true})
		if err != nil || got.String() != tt.want || cur != tt.cur {
			t.Errorf("Parse(%q, Currency) = %v, %q, %v; want %s %s", tt.in, got, cur, err, tt.want, tt.cur)
		}
	}
	for _, in := range []string{"грн", "100 шт", "usda 5", "5 грн грн", "$"} {
		if got, cur, err := Parse(in, Options{Currency: true}); err == nil {
			t.Errorf("Parse(%q, Currency) = %v %q, want an error", in, got, cur)
		}
	}
}

func TestCurrency(t *testing.T) {
	for in, want := range map[string]string{"грн": "UAH", "ГРН.": "UAH", "₴": "UAH", "usd": "USD", " EUR ": "EUR", "руб.": "RUB"} {
		if got, ok := Currency(in); !ok || got != want {
			t.Errorf("Currency(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := Currency("UAH2"); ok {
		t.Error(`Currency("UAH2") recognised`)
	}
}

func TestSpreadsheetNoise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"9.9999999999E-2", "0.1"},
		{"9.9999999999999978E-2", "0.1"},
		{"0.10589999999999999", "0.1059"},
		{"0.30000000000000004", "0.3"},
		{"1.0000000001", "1"},
		{"2.0000000000000004", "2"},
		{"1234.5", "1234.5"},
		{"0.0000000001", "0.0000000001"}, // leading zeros are not noise
		{"0.123456789", "0.123456789"},   // nine digits typed on purpose
		{"12345678901234567", "12345678901234600"},
		{"0.1058999999999999944488848768742172978818416595458984375", "0.1059"},
		{"-0.10589999999999999", "-0.1059"},
		{"99.999999999999", "100"},
		{"1.9999999992", "1.9999999992"}, // not the shape of a rounded value
	}
	for _, tt := range tests {
		got, _, err := Parse(tt.in, Options{Spreadsheet: true})
		if err != nil || got.String() != tt.want {
			t.Errorf("Parse(%q, Spreadsheet) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	// Text sources keep what was written.
	if got, _, _ := Parse("0.10589999999999999", Options{}); got.String() != "0.10589999999999999" {
		t.Errorf("text Parse rounded to %v", got)
	}
}

// A lone mark before three digits reads as thousands or as a decimal; the
// column's mark decides, and a value it leaves ambiguous is an error, never a
// guess. Every other writing shows its mark, whatever the column's.
func TestDecimalMark(t *testing.T) {
	tests := []struct {
		in    string
		dec   Mark
		want  string // "" expects ErrAmbiguous
		shown Mark
	}{
		{"1,250", AnyMark, "1.25", AnyMark}, // machine-written: as before
		{"1,250", Comma, "1.25", AnyMark},
		{"1,250", Dot, "", AnyMark},
		{"1,250", Undecided, "", AnyMark},
		{"1.250", Dot, "1.25", AnyMark},
		{"1.250", Comma, "", AnyMark},
		{"-999.000", Undecided, "", AnyMark},
		{"12.5", Undecided, "12.5", Dot},
		{"12,5", Dot, "12.5", Comma}, // unambiguous whatever the column says
		{"1234,567", Dot, "1234.567", Comma},
		{"0,250", Dot, "0.25", Comma}, // a leading 0 is never a thousands group
		{",250", Undecided, "0.25", Comma},
		{"1,2500", Undecided, "1.25", Comma},
		{"1,234,567", Undecided, "1234567", Dot},
		{"1.234.567", Undecided, "1234567", Comma},
		{"1.234,5", Dot, "1234.5", Comma},
		{"1 234,000", Dot, "1234", Comma},
		{"1 234", Undecided, "1234", AnyMark},
		{"9.9E-2", Undecided, "0.099", Dot},
		{"125", Undecided, "125", AnyMark},
	}
	for _, tt := range tests {
		got, _, shown, err := ParseShown(tt.in, Options{Decimal: tt.dec})
		if tt.want == "" {
			var amb *AmbiguousError
			if !errors.Is(err, ErrAmbiguous) || !errors.As(err, &amb) {
				t.Errorf("ParseShown(%q, %q) = %v, %v; want ErrAmbiguous", tt.in, tt.dec, got, err)
			}
			continue
		}
		if err != nil || got.String() != tt.want || shown != tt.shown {
			t.Errorf("ParseShown(%q, %q) = %v, %q, %v; want %s, %q", tt.in, tt.dec, got, shown, err, tt.want, tt.shown)
		}
	}
	_, _, err := Parse("-1,250 грн", Options{Currency: true, Decimal: Dot})
	if err == nil || err.Error() != "ambiguous number: -1250 or -1.25?" {
		t.Errorf("err = %v", err)
	}
}

// A value that shows its mark reads the same in a column of that mark; an
// ambiguous one reads, in a column of its own mark, as its decimal reading.
func FuzzParseShown(f *testing.F) {
	for _, s := range []string{"1,250", "12.5", "1 234,5", "0,250", "-1.000", "1,234,567", "₴ 1.250"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		opt := Options{Currency: true, Decimal: Undecided}
		d, _, shown, err := ParseShown(s, opt)
		var amb *AmbiguousError
		switch {
		case errors.As(err, &amb):
			if d, _, err := Parse(s, Options{Currency: true}); err != nil || d != amb.Decimal {
				t.Fatalf("%q: decimal reading %v, Parse %v, %v", s, amb.Decimal, d, err)
			}
		case err != nil:
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrRange) {
				t.Fatalf("ParseShown(%q) error %v", s, err)
			}
		case shown != AnyMark:
			opt.Decimal = shown
			if again, _, err := Parse(s, opt); err != nil || again != d {
				t.Fatalf("%q shows %q but reads %v, %v in such a column (was %v)", s, shown, again, err, d)
			}
		}
	})
}

// Plain numbers must read exactly as decimal.Parse reads them.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"1234.5", "1 234,50", "-0.5", "1e3", "1,234.5", "9.9999999999E-2", "₴ 5", "00012", "1\u00a0000"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, spreadsheet bool) {
		opt := Options{Spreadsheet: spreadsheet, Currency: true}
		d, _, err := Parse(s, opt)
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrRange) {
				t.Fatalf("Parse(%q) error %v is neither ErrSyntax nor ErrRange", s, err)
			}
			return
		}
		// What Parse returns prints in a form it reads back unchanged.
		back, _, err := Parse(d.String(), opt)
		if err != nil || back != d {
			t.Fatalf("Parse(%q) = %v, which reads back as %v, %v", s, d, back, err)
		}
		if !spreadsheet && isPlain(s) {
			want, werr := decimal.Parse(s)
			if werr == nil && want != d {
				t.Fatalf("Parse(%q) = %v, decimal.Parse = %v", s, d, want)
			}
		}
	})
}

func isPlain(s string) bool {
	return s != "" && strings.Trim(s, "0123456789.-") == "" && strings.Count(s, ".") <= 1 && strings.LastIndex(s, "-") <= 0
}

func BenchmarkParse(b *testing.B) {
	for _, in := range []string{"7", "1299.50", "1 234,50", "0.10589999999999999"} {
		b.Run(in, func(b *testing.B) {
			bs := []byte(in)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Parse(bs, Options{Spreadsheet: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
