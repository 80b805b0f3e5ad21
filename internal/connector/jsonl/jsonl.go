// Package jsonl reads JSON lines — one object per line with canonical field
// names — from files (*.jsonl, *.ndjson) and from standard input ("-"), for
// shell pipelines: `jq -c '...' export.json | keycrm-sync push-stock --from -`.
// Values follow the canonical rules of package fieldmap; numbers may be JSON
// numbers or strings ("1 234,5"), available a boolean or a word, image_url a
// string or an array, properties an object or an array.
package jsonl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
	"github.com/keycrm-sync/keycrm-sync/internal/numparse"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
)

// Format reads JSON lines.
type Format struct{}

// Name is the --format value.
func (Format) Name() string { return "jsonl" }

// Detect accepts *.jsonl and *.ndjson files, and standard input.
func (Format) Detect(loc connector.Location, _ []byte) bool {
	return loc.Kind == connector.KindStdin || loc.Kind == connector.KindFile && (loc.Ext == "jsonl" || loc.Ext == "ndjson")
}

// Open checks the options and opens the input. --map FIELD=KEY reads field
// from another key.
func (Format) Open(_ context.Context, loc connector.Location, opt connector.ReadOptions) (connector.Reader, error) {
	if err := connector.CheckOptions("jsonl", opt, "--encoding", "--map"); err != nil {
		return nil, err
	}
	enc := textenc.UTF8 // RFC 8259: JSON text exchanged between systems is UTF-8
	if opt.Encoding != "" {
		var err error
		if enc, err = textenc.Canonical(opt.Encoding); err != nil {
			return nil, fmt.Errorf("--encoding: %w", err)
		}
	}
	keys := map[string]string{}
	for _, f := range catalog.Fields {
		keys[f] = f
	}
	for f, key := range opt.Mapping {
		if !fieldmap.IsField(f) {
			return nil, fmt.Errorf("--map %s=%q: unknown field %q (fields: %s)", f, key, f, strings.Join(catalog.Fields, ", "))
		}
		if keys[f] == f {
			delete(keys, f)
		}
		if key != "" {
			keys[key] = f
		}
	}
	in, err := connector.OpenInput(loc, opt)
	if err != nil {
		return nil, err
	}
	return &reader{in: in, enc: enc, keys: keys, info: connector.SourceInfo{Format: "jsonl"}}, nil
}

type reader struct {
	in   *connector.Input
	enc  string
	keys map[string]string // key → canonical field
	info connector.SourceInfo
}

// Info describes the source; complete once Read has returned.
func (r *reader) Info() connector.SourceInfo { return r.info }

// Close closes the file (standard input stays open).
func (r *reader) Close() error { return r.in.Close() }

const checkEvery = 1024

// Read streams the lines to sink.
func (r *reader) Read(ctx context.Context, sink connector.Sink) error {
	err := r.read(ctx, sink)
	r.info.SHA256 = r.in.SHA256()
	return err
}

func (r *reader) read(ctx context.Context, sink connector.Sink) error {
	name := r.in.Name()
	if _, err := r.in.TextHead(ctx); err != nil {
		return err
	}
	dec, err := textenc.NewReader(r.in, r.enc)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	defer func() {
		r.info.Encoding = dec.Encoding()
		r.info.Notes = append(dec.Notes(), r.info.Notes...)
	}()
	br := bufio.NewReaderSize(dec, 64<<10)
	var (
		line     []byte
		seen     = map[string]bool{}
		ignored  = map[string]bool{}
		capped   int
		data     int
		problems []catalog.Problem
		it       catalog.Item
		// Numbers in strings are written by people ("1,250"); their decimal
		// mark is decided per key, as a column's is.
		marks = fieldmap.NewDecimals(false)
	)
	defer func() {
		r.info.Fields = fieldsSeen(seen)
		if len(ignored) > 0 {
			keys := make([]string, 0, len(ignored))
			for k := range ignored {
				keys = append(keys, fmt.Sprintf("%q", k))
			}
			sort.Strings(keys)
			r.info.Notes = append(r.info.Notes, "keys that are not canonical field names were ignored: "+strings.Join(keys, ", "))
		}
		if capped > 0 {
			r.info.Notes = append(r.info.Notes, fmt.Sprintf("%d lines list more than %d images; the first %d are kept", capped, catalog.MaxImages, catalog.MaxImages))
		}
	}()
	for n := 1; ; n++ {
		if n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var terminated bool
		line, terminated, err = readLine(br, line[:0])
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s line %d: %w", name, n, err)
		}
		text := bytes.TrimSpace(line)
		if len(text) == 0 {
			continue
		}
		obj, err := parseObject(text)
		if err != nil {
			if !terminated {
				err = fmt.Errorf("%w (%v)", connector.ErrTruncated, err)
			}
			return fmt.Errorf("read %s line %d: %w", name, n, err)
		}
		data++
		it = catalog.Item{Pos: catalog.Position{File: name, Row: n}}
		problems = problems[:0]
		skuKey := catalog.FieldSKU
		for _, kv := range obj {
			field, ok := r.keys[kv.key]
			if !ok {
				ignored[kv.key] = true
				continue
			}
			if field == catalog.FieldSKU {
				skuKey = kv.key
			}
			seen[field] = true
			if string(kv.value) == "null" {
				continue
			}
			if err := setValue(&it, field, kv, marks); err != nil {
				problems = append(problems, catalog.Problem{File: name, Row: n, Column: kv.key, Field: field, Value: valueText(kv.value), Error: err.Error()})
			}
			if field == catalog.FieldWarehouse {
				it.WarehouseColumn = kv.key
			}
		}
		if fieldmap.CapImages(&it) {
			capped++
		}
		if it.SKU == "" {
			problems = append(problems, catalog.Problem{File: name, Row: n, Column: skuKey, Field: catalog.FieldSKU, Error: fieldmap.ErrEmptySKU.Error()})
		}
		for i := range problems {
			problems[i].SKU = it.SKU
		}
		if err := marks.Emit(&it, problems, sink); err != nil {
			return err
		}
	}
	if err := marks.Flush(sink); err != nil {
		return err
	}
	if data == 0 {
		r.info.Notes = append(r.info.Notes, "no objects in the input")
	}
	return nil
}

// readLine reads one line into buf, refusing lines longer than
// connector.MaxRecordBytes before holding more than that.
func readLine(br *bufio.Reader, buf []byte) (line []byte, terminated bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > connector.MaxRecordBytes {
			return nil, false, fmt.Errorf("%w: a line longer than %d bytes", connector.ErrTooLarge, connector.MaxRecordBytes)
		}
		switch {
		case err == nil:
			return buf, true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(buf) > 0:
			return buf, false, nil
		default:
			return nil, false, err
		}
	}
}

// member is one key of an object, in the order written.
type member struct {
	key   string
	value json.RawMessage
}

// parseObject reads one JSON object keeping its keys' order (properties are
// ordered).
func parseObject(text []byte) ([]member, error) {
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	tok, err := d.Token()
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if tok != json.Delim('{') {
		return nil, errors.New("not a JSON object: each line must be one object with canonical field names")
	}
	var obj []member
	var keys map[string]bool // for objects too large to scan for a repeated key
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		key, _ := tok.(string)
		// Last-wins, as most decoders do it, would silently drop a SKU the line
		// names (and --missing zero could zero it): the line is refused instead.
		if len(obj) == 16 {
			keys = make(map[string]bool, 32)
			for _, m := range obj {
				keys[m.key] = true
			}
		}
		if keys != nil && keys[key] || keys == nil && slices.ContainsFunc(obj, func(m member) bool { return m.key == key }) {
			return nil, fmt.Errorf("invalid JSON: key %q appears twice in the object", key)
		}
		if keys != nil {
			keys[key] = true
		}
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		obj = append(obj, member{key: key, value: v})
	}
	if _, err := d.Token(); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: more than one value on the line")
	}
	return obj, nil
}

// Problem texts for values of the wrong JSON type.
var (
	errText  = errors.New("not a text value")
	errList  = errors.New("not a string or an array of strings")
	errProps = errors.New("not an object, an array or a NAME=VALUE list")
)

// setValue stores one JSON value of field.
func setValue(it *catalog.Item, field string, kv member, marks *fieldmap.Decimals) error {
	raw := kv.value
	switch field {
	case catalog.FieldAvailable:
		switch string(raw) {
		case "true":
			it.Available = catalog.FlagYes
			return nil
		case "false":
			it.Available = catalog.FlagNo
			return nil
		}
		s, ok := scalar(raw)
		if !ok {
			return fieldmap.ErrFlag
		}
		return fieldmap.SetValue(it, field, s)
	case catalog.FieldImageURL:
		var list []string
		if json.Unmarshal(raw, &list) == nil {
			for _, u := range list {
				if u = strings.TrimSpace(u); u != "" {
					it.ImageURLs = append(it.ImageURLs, u)
				}
			}
			return nil
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return errList
		}
		return fieldmap.SetValue(it, field, s)
	case catalog.FieldProperties:
		return setProperties(it, raw)
	case catalog.FieldQuantity, catalog.FieldPrice, catalog.FieldPurchasedPrice,
		catalog.FieldWeight, catalog.FieldLength, catalog.FieldWidth, catalog.FieldHeight:
		s, ok := scalar(raw)
		if !ok || raw[0] == 't' || raw[0] == 'f' {
			return numparse.ErrSyntax
		}
		if raw[0] == '"' {
			return marks.Number(it, field, kv.key, s)
		}
		return fieldmap.SetValue(it, field, s) // a JSON number: "." is its decimal mark
	}
	s, ok := scalar(raw)
	if !ok || raw[0] == 't' || raw[0] == 'f' {
		return errText
	}
	return fieldmap.SetValue(it, field, s)
}

// scalar returns a string's text or a number's (or boolean's) literal.
func scalar(raw json.RawMessage) (string, bool) {
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err == nil
	case '{', '[':
		return "", false
	}
	return string(raw), true
}

// valueText is a value as a problem shows it: strings unquoted.
func valueText(raw json.RawMessage) string {
	if s, ok := scalar(raw); ok {
		return s
	}
	return string(raw)
}

// setProperties reads {"Розмір": "42"}, [{"name": "Розмір", "value": "42"}],
// ["Розмір=42"] or "Розмір=42; Колір=синій".
func setProperties(it *catalog.Item, raw json.RawMessage) error {
	switch raw[0] {
	case '{':
		obj, err := parseObject(raw)
		if err != nil {
			return errProps
		}
		for _, m := range obj {
			v, ok := scalar(m.value)
			if !ok {
				return errProps
			}
			it.Properties = append(it.Properties, catalog.Property{Name: m.key, Value: v})
		}
		return nil
	case '[':
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return errProps
		}
		for _, e := range list {
			var p catalog.Property
			if e[0] == '{' && json.Unmarshal(e, &p) == nil && p.Name != "" {
				it.Properties = append(it.Properties, p)
				continue
			}
			s, ok := scalar(e)
			if !ok {
				return errProps
			}
			if err := fieldmap.SetValue(it, catalog.FieldProperties, s); err != nil {
				return err
			}
		}
		return nil
	}
	s, ok := scalar(raw)
	if !ok {
		return errProps
	}
	return fieldmap.SetValue(it, catalog.FieldProperties, s)
}

// fieldsSeen lists the fields given a value on some line, in catalog order.
func fieldsSeen(seen map[string]bool) []string {
	var fields []string
	for _, f := range catalog.Fields {
		if seen[f] {
			fields = append(fields, f)
		}
	}
	return slices.Clip(fields)
}

var _ connector.Format = Format{}
