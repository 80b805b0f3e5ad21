package decimal

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParseAndString(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"0", "0"},
		{"-0", "0"},
		{"5", "5"},
		{"5.000", "5"},
		{"+5.10", "5.1"},
		{"20.25", "20.25"},
		{"-1.00", "-1"},
		{".5", "0.5"},
		{"5.", "5"},
		{"0.001", "0.001"},
		{"1234.5", "1234.5"},
		{"1e3", "1000"},
		{"1E+3", "1000"},
		{"9.9999999999E-2", "0.099999999999"},
		{"1.5e-1", "0.15"},
		{"120e-2", "1.2"},
		{"000012.3400", "12.34"},
		{"123456789012345678", "123456789012345678"},
		{"1.50000000000000000000000", "1.5"},
		{"-0.000000000000000001", "-0.000000000000000001"},
	}
	for _, tt := range tests {
		d, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := d.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrSyntax},
		{"-", ErrSyntax},
		{".", ErrSyntax},
		{"abc", ErrSyntax},
		{"1,5", ErrSyntax},
		{"1 000", ErrSyntax},
		{"1..2", ErrSyntax},
		{"1e", ErrSyntax},
		{"1e+", ErrSyntax},
		{"0x10", ErrSyntax},
		{"NaN", ErrSyntax},
		{"Inf", ErrSyntax},
		{"12a", ErrSyntax},
		{"1234567890123456789", ErrRange},
		{"1e400", ErrRange},
		{"1e-19", ErrRange},
		{"0.1234567890123456789", ErrRange},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%q) error = %v, want %v", tt.in, err, tt.want)
		}
	}
}

// The contract's example of float drift: 0.1 + 0.2 must be exactly 0.3.
func TestNoFloatDrift(t *testing.T) {
	sum, err := MustParse("0.1").Add(MustParse("0.2"))
	if err != nil {
		t.Fatal(err)
	}
	if sum != MustParse("0.3") {
		t.Fatalf("0.1+0.2 = %s, want 0.3", sum)
	}
}

func TestEqualityIsByValue(t *testing.T) {
	if MustParse("5") != MustParse("5.000") {
		t.Fatal("5 and 5.000 differ")
	}
	if MustParse("1.10") != MustParse("1.1") {
		t.Fatal("1.10 and 1.1 differ")
	}
	if MustParse("1.1") == MustParse("1.01") {
		t.Fatal("1.1 equals 1.01")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	type row struct {
		Q Decimal  `json:"quantity"`
		P *Decimal `json:"price"`
	}
	in := `{"quantity":20.25,"price":null}`
	var r row
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Fatalf("round trip = %s, want %s", out, in)
	}
	var q Decimal
	if err := json.Unmarshal([]byte(`"12.50"`), &q); err != nil || q.String() != "12.5" {
		t.Fatalf("quoted number: %v %v", q, err)
	}
	if err := json.Unmarshal([]byte(`"abc"`), &q); err == nil {
		t.Fatal("quoted garbage accepted")
	}
	if err := json.Unmarshal([]byte(`true`), &q); err == nil {
		t.Fatal("boolean accepted")
	}
}

func TestArithmetic(t *testing.T) {
	m := MustParse
	tests := []struct {
		name      string
		got, want Decimal
	}{
		{"sub", must(m("5").Sub(m("1.25"))), m("3.75")},
		{"sub negative", must(m("1").Sub(m("3"))), m("-2")},
		{"add scales", must(m("0.001").Add(m("1000"))), m("1000.001")},
		{"floor positive", m("2.9").Floor(), m("2")},
		{"floor negative", m("-2.1").Floor(), m("-3")},
		{"floor integer", m("-2").Floor(), m("-2")},
		{"round half up", m("2.5").Round(), m("3")},
		{"round half negative", m("-2.5").Round(), m("-3")},
		{"round down", m("2.49").Round(), m("2")},
		{"round to 4", m("0.030712").RoundTo(4), m("0.0307")},
		{"round to 4 up", m("0.03075").RoundTo(4), m("0.0308")},
		{"shift kopecks", must(m("123450").Shift(-2)), m("1234.5")},
		{"abs", m("-3.5").Abs(), m("3.5")},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got, tt.want)
		}
	}
	if c := m("10").Cmp(m("9.99")); c != 1 {
		t.Errorf("10 cmp 9.99 = %d", c)
	}
	if c := m("-1").Cmp(m("0.5")); c != -1 {
		t.Errorf("-1 cmp 0.5 = %d", c)
	}
	if c := m("2.50").Cmp(m("2.5")); c != 0 {
		t.Errorf("2.50 cmp 2.5 = %d", c)
	}
}

func TestOverflowIsReported(t *testing.T) {
	big := FromInt(5_000_000_000_000_000_000)
	if _, err := big.Add(big); !errors.Is(err, ErrRange) {
		t.Fatalf("overflowing add: %v", err)
	}
	if _, err := MustParse("100000000000").Add(MustParse("0.00000001")); !errors.Is(err, ErrRange) {
		t.Fatalf("overflowing align: %v", err)
	}
	if _, err := Sum(big, big, big); !errors.Is(err, ErrRange) {
		t.Fatalf("overflowing sum: %v", err)
	}
	// Cmp still answers across scales that cannot be aligned in int64.
	if c := MustParse("100000000000").Cmp(MustParse("0.00000001")); c != 1 {
		t.Fatalf("cmp = %d", c)
	}
}

func must(d Decimal, err error) Decimal {
	if err != nil {
		panic(err)
	}
	return d
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "20.25", "-1e3", ".5", "9.9999999999E-2", "1234567890123456789"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		back, err := Parse(d.String())
		if err != nil {
			t.Fatalf("String() of %q is %q, which does not parse: %v", s, d.String(), err)
		}
		if back != d {
			t.Fatalf("%q -> %s -> %s", s, d, back)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("1234.50"); err != nil {
			b.Fatal(err)
		}
	}
}

// A JSON null leaves a non-pointer Decimal as it was, as encoding/json does for its
// own types.
func TestJSONNullKeepsValue(t *testing.T) {
	var r struct {
		P Decimal `json:"price"`
	}
	r.P = MustParse("7")
	if err := json.Unmarshal([]byte(`{"price":null}`), &r); err != nil || r.P != MustParse("7") {
		t.Fatalf("null: %v %v", r.P, err)
	}
}
