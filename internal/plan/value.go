package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Value is the from or to of a Change: a number for numeric fields (quantity, prices),
// text for text fields (name). In JSON a number is written unquoted in shortest plain
// form and text as a string, so reading a plan back yields the same Value: the
// quotes are what tell "5" the name from 5 the quantity.
type Value struct {
	num  decimal.Decimal
	text string
	kind valueKind
}

type valueKind uint8

const (
	kindNone valueKind = iota // the zero Value: no value, null in JSON
	kindNumber
	kindText
)

// NumberValue returns a numeric Value.
func NumberValue(d decimal.Decimal) Value { return Value{num: d, kind: kindNumber} }

// TextValue returns a text Value.
func TextValue(s string) Value { return Value{text: s, kind: kindText} }

// Number returns the number and whether the Value is one.
func (v Value) Number() (decimal.Decimal, bool) { return v.num, v.kind == kindNumber }

// Text returns the text and whether the Value is text.
func (v Value) Text() (string, bool) { return v.text, v.kind == kindText }

// IsZero reports a Value that holds nothing (null in JSON).
func (v Value) IsZero() bool { return v.kind == kindNone }

// Equal compares by value: numbers as numbers (5 = 5.000), text exactly, and a number
// never equals text.
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case kindNumber:
		return v.num == w.num // canonical decimals: == compares by value
	case kindText:
		return v.text == w.text
	}
	return true
}

// String prints a number in shortest plain form and text as it is; "" for no value.
func (v Value) String() string {
	switch v.kind {
	case kindNumber:
		return v.num.String()
	case kindText:
		return v.text
	}
	return ""
}

// MarshalJSON writes a number unquoted, text as a JSON string, no value as null.
func (v Value) MarshalJSON() ([]byte, error) {
	switch v.kind {
	case kindNumber:
		return v.num.MarshalJSON()
	case kindText:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // names with & stay readable; see Plan.MarshalJSON
		if err := enc.Encode(v.text); err != nil {
			return nil, fmt.Errorf("encode text value: %w", err)
		}
		return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
	}
	return []byte("null"), nil
}

var errValue = errors.New("want a number, a string or null")

// UnmarshalJSON reads what MarshalJSON writes: a quoted value is text (even "5"), an
// unquoted one a number.
func (v *Value) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*v = Value{}
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("plan value %s: %w", b, err)
		}
		*v = TextValue(s)
	default:
		d, err := decimal.Parse(string(b))
		if err != nil {
			return fmt.Errorf("plan value %s: %w: %w", b, errValue, err)
		}
		*v = NumberValue(d)
	}
	return nil
}
