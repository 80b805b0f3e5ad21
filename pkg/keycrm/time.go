package keycrm

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
)

// isoLayout is how KeyCRM writes timestamps in product and offer responses, and how
// a Time is written back.
const isoLayout = "2006-01-02T15:04:05.000000Z"

// layouts are the forms a KeyCRM timestamp may take: RFC 3339 with any fraction
// (observed), the vendor document's "YYYY-MM-DD HH:MM:SS", and the same without a
// zone in ISO form. Values without a zone are UTC, as the API documents.
var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
}

// Time is a KeyCRM timestamp, always in UTC. The zero Time stands for a missing or
// null value and marshals as null.
type Time struct {
	time.Time
}

// ParseTime reads a timestamp in any form KeyCRM uses.
func ParseTime(s string) (Time, error) {
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return Time{t.UTC()}, nil
		}
	}
	return Time{}, fmt.Errorf("timestamp %q: want 2006-01-02T15:04:05.000000Z or 2006-01-02 15:04:05", s)
}

// UnmarshalJSON accepts both KeyCRM formats, null and "".
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*t = Time{}
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("timestamp %s: not a JSON string", b)
	}
	if s == "" {
		*t = Time{}
		return nil
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// MarshalJSON writes the ISO form KeyCRM returns ("2023-06-20T12:27:55.000000Z"),
// or null for the zero Time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	u := t.UTC()
	if y := u.Year(); y < 0 || y > 9999 {
		// Four-digit years only, or the text would not parse back.
		return nil, fmt.Errorf("timestamp %s: year outside 0-9999", u)
	}
	return []byte(`"` + u.Format(isoLayout) + `"`), nil
}
