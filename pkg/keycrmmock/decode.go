package keycrmmock

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// fieldErrors maps a field path ("stocks.0.quantity") to its messages, the
// "errors" object of a 422. Messages follow Laravel's wording, which KeyCRM's
// validator is built on.
type fieldErrors map[string][]string

func (e fieldErrors) add(path, msg string) { e[path] = append(e[path], msg) }

// object walks one decoded JSON object of a request body. Every accessor records
// a problem under the field's path and reports whether the value is usable, so a
// handler collects all problems of a batch before deciding.
type object struct {
	path string
	m    map[string]any
	errs fieldErrors
}

// parseBody decodes a request body. Numbers stay json.Number so quantities and
// prices keep every digit. An empty body is an empty object, as Laravel sees it,
// so the answer names the missing fields. A body that is not one JSON object is
// reported under "body" and ok is false: its fields cannot be judged.
func parseBody(body []byte) (o object, ok bool) {
	o = object{m: map[string]any{}, errs: fieldErrors{}}
	if len(bytes.TrimSpace(body)) == 0 {
		return o, true
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		o.errs.add("body", "The request body is not valid JSON: "+err.Error()+".")
		return o, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		o.errs.add("body", "The request body must hold a single JSON object.")
		return o, false
	}
	m, isObject := v.(map[string]any)
	if !isObject {
		o.errs.add("body", "The request body must be a JSON object.")
		return o, false
	}
	o.m = m
	return o, true
}

func (o object) key(name string) string {
	if o.path == "" {
		return name
	}
	return o.path + "." + name
}

// has reports a field that is present and not null; null counts as not sent.
func (o object) has(name string) bool { return o.m[name] != nil }

func (o object) required(name string) {
	o.errs.add(o.key(name), "The "+o.key(name)+" field is required.")
}

func (o object) wrongType(name, what string) {
	o.errs.add(o.key(name), "The "+o.key(name)+" field must be "+what+".")
}

func (o object) str(name string) (string, bool) {
	if !o.has(name) {
		return "", false
	}
	s, ok := o.m[name].(string)
	if !ok {
		o.wrongType(name, "a string")
	}
	return s, ok
}

// text reads a string that must not be blank when sent; required also makes its
// absence an error. It returns nil when the value is missing or unusable.
func (o object) text(name string, required bool) *string {
	s, ok := o.str(name)
	switch {
	case ok && strings.TrimSpace(s) != "":
		return &s
	case ok || (required && !o.has(name)):
		o.required(name)
	}
	return nil
}

// optStr is str for a partial update: nil when the field was not sent or is bad.
func (o object) optStr(name string) *string {
	if s, ok := o.str(name); ok {
		return &s
	}
	return nil
}

func (o object) integer(name string) (int64, bool) {
	if !o.has(name) {
		return 0, false
	}
	n, ok := o.m[name].(json.Number)
	if !ok {
		o.wrongType(name, "an integer")
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		o.wrongType(name, "an integer")
		return 0, false
	}
	return i, true
}

// amount reads a non-negative number: every number this API accepts is a
// quantity, a price or a dimension. Numbers must be JSON numbers, not strings, so
// the emulator catches a client that quotes them.
func (o object) amount(name string) (decimal.Decimal, bool) {
	if !o.has(name) {
		return decimal.Zero, false
	}
	n, ok := o.m[name].(json.Number)
	if !ok {
		o.wrongType(name, "a number")
		return decimal.Zero, false
	}
	d, err := decimal.Parse(string(n))
	switch {
	case err != nil:
		o.errs.add(o.key(name), "The "+o.key(name)+" field is out of range.")
		return decimal.Zero, false
	case d.Sign() < 0:
		o.errs.add(o.key(name), "The "+o.key(name)+" field must be at least 0.")
		return decimal.Zero, false
	}
	return d, true
}

// list reads an array of at most max items. A required list must not be empty,
// as Laravel's "required" rule fails on [].
func (o object) list(name string, max int, required bool) (list, bool) {
	l := list{path: o.key(name), errs: o.errs}
	if !o.has(name) {
		if required {
			o.required(name)
		}
		return l, false
	}
	items, ok := o.m[name].([]any)
	switch {
	case !ok:
		o.wrongType(name, "an array")
		return l, false
	case len(items) == 0 && required:
		o.required(name)
		return l, false
	case len(items) > max:
		o.errs.add(l.path, "The "+l.path+" field must not have more than "+strconv.Itoa(max)+" items.")
		return l, false
	}
	l.items = items
	return l, true
}

type list struct {
	path  string
	items []any
	errs  fieldErrors
}

func (l list) at(i int) string { return l.path + "." + strconv.Itoa(i) }

// object returns item i as an object; a non-object item is reported and yields
// an empty one, so its fields read as missing without more noise.
func (l list) object(i int) (object, bool) {
	m, ok := l.items[i].(map[string]any)
	if !ok {
		l.errs.add(l.at(i), "The "+l.at(i)+" field must be an object.")
		return object{path: l.at(i), m: map[string]any{}, errs: l.errs}, false
	}
	return object{path: l.at(i), m: m, errs: l.errs}, true
}

func (l list) str(i int) (string, bool) {
	s, ok := l.items[i].(string)
	if !ok {
		l.errs.add(l.at(i), "The "+l.at(i)+" field must be a string.")
	}
	return s, ok
}
