package keycrm

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimeFormats(t *testing.T) {
	want := time.Date(2023, 6, 20, 12, 27, 55, 0, time.UTC)
	for _, in := range []string{
		`"2023-06-20T12:27:55.000000Z"`,
		`"2023-06-20T12:27:55Z"`,
		`"2023-06-20 12:27:55"`,
		`"2023-06-20T12:27:55"`,
		`"2023-06-20T15:27:55+03:00"`,
		`"2023-06-20T15:27:55.000000+03:00"`,
	} {
		var got Time
		if err := json.Unmarshal([]byte(in), &got); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s: got %s, want %s in UTC", in, got, want)
		}
		out, _ := json.Marshal(got)
		if string(out) != `"2023-06-20T12:27:55.000000Z"` {
			t.Errorf("%s marshals as %s", in, out)
		}
	}
	var frac Time
	if err := json.Unmarshal([]byte(`"2020-05-16 17:00:07.123456"`), &frac); err != nil || frac.Nanosecond() != 123456000 {
		t.Errorf("fractional space form: %v %v", frac, err)
	}
	for _, in := range []string{`null`, `""`} {
		got := Time{time.Now()}
		if err := json.Unmarshal([]byte(in), &got); err != nil || !got.IsZero() {
			t.Errorf("%s: %v, %v; want zero", in, got, err)
		}
	}
	if out, _ := json.Marshal(Time{}); string(out) != "null" {
		t.Errorf("zero Time marshals as %s", out)
	}
	for _, in := range []string{`"yesterday"`, `"2023-13-01 00:00:00"`, `1687264075`, `"2023-06-20"`} {
		var got Time
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("%s: accepted as %s", in, got)
		}
	}
}
