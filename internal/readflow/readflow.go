// Package readflow is how commands read a source into a plan index: the reader
// flags every reading command shares, the config file's mapping merged under --map,
// the progress bar, and the --strict rule.
package readflow

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
)

// Flags are the reader flags of a command.
type Flags struct {
	Format     string
	Encoding   string
	Sheet      string
	Maps       []string
	NoHeader   bool
	Key        string
	PriceTypes []string
	Strict     bool
	// Query is the SQL a mysql:// or postgres:// source runs.
	Query string
}

// AddFlags registers the reader flags for --from.
func AddFlags(cmd *cobra.Command, fl *Flags) {
	addFlags(cmd, fl, "", "--from")
	cmd.Flags().BoolVar(&fl.Strict, "strict", false, "treat duplicates and problem rows as an error (exit 2) instead of leaving them out")
}

// AddAgainstFlags registers the --against-… twins of the reader flags, for the
// second source of diff --against LOCATION (--strict covers both sides already).
func AddAgainstFlags(cmd *cobra.Command, fl *Flags) {
	addFlags(cmd, fl, "against-", "--against")
}

func addFlags(cmd *cobra.Command, fl *Flags, prefix, source string) {
	f := cmd.Flags()
	f.StringVar(&fl.Format, prefix+"format", "", "read "+source+" as `FORMAT` instead of detecting it (csv, xlsx, jsonl, ...)")
	f.StringVar(&fl.Encoding, prefix+"encoding", "", "text `ENCODING` of "+source+": "+textenc.FlagHelp()+" (default: detected)")
	f.StringVar(&fl.Sheet, prefix+"sheet", "", "XLSX sheet `NAME` of "+source+" (default: the first sheet)")
	f.StringArrayVar(&fl.Maps, prefix+"map", nil, "take "+source+"'s canonical `FIELD=HEADER` from that column (FIELD=N with --"+prefix+"no-header); repeatable")
	f.BoolVar(&fl.NoHeader, prefix+"no-header", false, "the "+source+" CSV has no header row; columns are mapped by number with --"+prefix+"map FIELD=N")
	f.StringVar(&fl.Key, prefix+"key", "", "where "+source+"'s SKU comes from in formats with several identifiers: `KEY` is article, code, barcode, id, vendorCode, param:NAME, ...")
	f.StringArrayVar(&fl.PriceTypes, prefix+"price-type", nil, "CommerceML price type per field of "+source+", `FIELD=NAME` (price=Роздрібна); repeatable")
	f.StringVar(&fl.Query, prefix+"query", "", "for a mysql:// or postgres:// "+source+": the `SQL` to run, its column names canonical fields (sku, quantity, price, ...)")
}

// Options turns the flags into reader options, with the config file's mapping
// under --map (a flag wins per field).
func (fl *Flags) Options(f *cmdutil.Factory) (connector.ReadOptions, error) {
	cfg, err := f.Config()
	if err != nil {
		return connector.ReadOptions{Stdin: f.IO.In}, err
	}
	return fl.options(f, cfg.Mapping)
}

// OtherOptions are the reader options of a second source (diff --against): the
// config mapping describes the --from source, so only the flags map this one.
func (fl *Flags) OtherOptions(f *cmdutil.Factory) (connector.ReadOptions, error) {
	opt, err := fl.options(f, nil)
	if err != nil {
		return opt, fmt.Errorf("--against: %w", err)
	}
	return opt, nil
}

func (fl *Flags) options(f *cmdutil.Factory, cfgMapping map[string]string) (connector.ReadOptions, error) {
	opt := connector.ReadOptions{
		Format: fl.Format, Encoding: fl.Encoding, Sheet: fl.Sheet, NoHeader: fl.NoHeader, Key: fl.Key,
		Query: fl.Query, Stdin: f.IO.In,
	}
	if fl.Encoding != "" {
		if _, err := textenc.FlagValue(fl.Encoding); err != nil {
			return opt, cmdutil.UsageErrorf("%v", err)
		}
	}
	mapping := map[string]string{}
	for field, header := range cfgMapping {
		mapping[field] = header
	}
	flagMap, err := pairs("--map", fl.Maps, true)
	if err != nil {
		return opt, err
	}
	for field, header := range flagMap {
		mapping[field] = header
	}
	for field := range mapping {
		if !isField(field) {
			return opt, cmdutil.UsageErrorf("--map %s: unknown field %q (fields: %s)", field, field, strings.Join(catalog.Fields, ", "))
		}
	}
	if len(mapping) > 0 {
		opt.Mapping = mapping
		opt.MapFromConfig = len(flagMap) == 0
	}
	if opt.PriceTypes, err = pairs("--price-type", fl.PriceTypes, false); err != nil {
		return opt, err
	}
	return opt, nil
}

func isField(name string) bool {
	for _, f := range catalog.Fields {
		if f == name {
			return true
		}
	}
	return false
}

// pairs parses repeated KEY=VALUE flags; emptyOK allows KEY= (for --map, "do not
// read this field").
func pairs(flag string, values []string, emptyOK bool) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(values))
	for _, v := range values {
		k, val, ok := strings.Cut(v, "=")
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		if !ok || k == "" || (val == "" && !emptyOK) {
			return nil, cmdutil.UsageErrorf("%s %q: want KEY=VALUE", flag, v)
		}
		out[k] = val
	}
	return out, nil
}

// WarehouseMap parses --warehouse-map NAME=ID flags, or takes the config file's
// warehouses when none is given.
func WarehouseMap(f *cmdutil.Factory, values []string) (map[string]int64, error) {
	if len(values) == 0 {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		return cfg.Warehouses, nil
	}
	out := map[string]int64{}
	for _, v := range splitMapList(values) {
		// The name may itself hold "=", the id never does: split at the last one.
		i := strings.LastIndex(v, "=")
		if i <= 0 {
			return nil, cmdutil.UsageErrorf("--warehouse-map %q: want NAME=ID", v)
		}
		name := strings.TrimSpace(v[:i])
		id, err := strconv.ParseInt(strings.TrimSpace(v[i+1:]), 10, 64)
		if err != nil || id <= 0 || name == "" {
			return nil, cmdutil.UsageErrorf("--warehouse-map %q: want NAME=ID with a KeyCRM warehouse id", v)
		}
		out[name] = id
	}
	return out, nil
}

// splitMapList lets one --warehouse-map value hold several entries, "A=1,B=2", as a
// profile's value does: a value is split at its commas when every part is NAME=ID.
// A name may itself hold a comma ("Склад 1, Київ=3"): then the parts are not all
// entries and the value stays whole.
func splitMapList(values []string) []string {
	var out []string
	for _, v := range values {
		parts := strings.Split(v, ",")
		whole := len(parts) == 1
		for _, p := range parts {
			i := strings.LastIndex(p, "=")
			if _, err := strconv.ParseInt(strings.TrimSpace(p[i+1:]), 10, 64); i <= 0 || err != nil {
				whole = true
				break
			}
		}
		if whole {
			out = append(out, v)
		} else {
			out = append(out, parts...)
		}
	}
	return out
}

func quoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(q) == 0 {
		return "none"
	}
	return strings.Join(q, ", ")
}

// Source is a source read into an index.
type Source struct {
	Location connector.Location
	Info     connector.SourceInfo
	Index    *plan.Index
	// Values counts the source's rows and, per field, the rows that gave it a
	// value (a problem in that field counts: it was not empty).
	Values Values
}

// Values counts what a source held, for the rule that a field it carries
// must hold something.
type Values struct {
	Rows    int
	ByField map[string]int
	// filled counts, by position in counted, the items giving a field a value,
	// until settle adds them to ByField: two map updates a row took a twentieth
	// of reading a two-column file.
	filled  [len(counted)]int
	lastRow catalog.Position
}

// settle adds the items' counts to ByField.
func (v *Values) settle() {
	for i, n := range v.filled {
		if n > 0 {
			v.ByField[counted[i]] += n
		}
	}
	v.filled = [len(counted)]int{}
}

// counter passes a reader's rows on and counts them in Values.
type counter struct {
	connector.Sink
	v *Values
}

func (c counter) Item(it *catalog.Item) error {
	c.v.Rows++
	for i, ok := range values(it) {
		if ok {
			c.v.filled[i]++
		}
	}
	return c.Sink.Item(it)
}

func (c counter) Problem(p catalog.Problem) {
	// A row's problems come together: count the row once.
	if pos := (catalog.Position{File: p.File, Row: p.Row}); pos != c.v.lastRow || c.v.Rows == 0 {
		c.v.Rows++
		c.v.lastRow = pos
	}
	if p.Field != "" && p.Value != "" {
		c.v.ByField[p.Field]++
	}
	c.Sink.Problem(p)
}

// counted are the fields whose values a read counts, in the order values
// reports them.
var counted = [...]string{
	catalog.FieldSKU, catalog.FieldQuantity, catalog.FieldWarehouse, catalog.FieldAvailable,
	catalog.FieldPrice, catalog.FieldPurchasedPrice, catalog.FieldCurrency, catalog.FieldName,
	catalog.FieldDescription, catalog.FieldCategory, catalog.FieldBarcode, catalog.FieldWeight,
	catalog.FieldLength, catalog.FieldWidth, catalog.FieldHeight, catalog.FieldImageURL,
	catalog.FieldParentSKU, catalog.FieldProperties,
}

// values tells, for each of counted, whether the item gives the field a value.
// (Plain comparisons: a switch on the field's name for each field was 3% of a
// million-row diff, and calls through a table of functions made every item
// escape to the heap.)
func values(it *catalog.Item) [len(counted)]bool {
	return [...]bool{
		it.SKU != "", it.Quantity.Known, it.Warehouse != "", it.Available != catalog.FlagUnknown,
		it.Price.Known, it.PurchasedPrice.Known, it.Currency != "", it.Name != "",
		it.Description != "", it.Category != "", it.Barcode != "", it.Weight.Known,
		it.Length.Known, it.Width.Known, it.Height.Known, len(it.ImageURLs) > 0,
		it.ParentSKU != "", len(it.Properties) > 0,
	}
}

// Require refuses a source that carries none of a field the command compares or
// writes: every item's value would be unknown, and the run would report "nothing to
// change" about a file that holds no stock at all. That is a source without the
// field's column (its headers are listed, as for a missing SKU column) or with the
// column empty in every row. A source without a single valid item is left to the
// empty-source guard, whose problems list says why.
func (s *Source) Require(fields []string) error {
	if !s.Index.Planned() {
		return nil
	}
	for _, f := range fields {
		if !slices.Contains(s.Info.Fields, f) {
			return s.noField(f)
		}
		if s.Values.Rows > 0 && s.Values.ByField[f] == 0 {
			column := fmt.Sprintf("the %s field", f)
			if h := s.Info.Header; h != nil && h.Columns[f] != "" {
				column = fmt.Sprintf("column %q", h.Columns[f])
			}
			return fmt.Errorf("%s: %s is empty in all %d rows: nothing to compare", s.Location, column, s.Values.Rows)
		}
	}
	return nil
}

func (s *Source) noField(f string) error {
	if h := s.Info.Header; h != nil {
		return fmt.Errorf("%s has no %s column; the headers found (row %d) are %s\n"+
			"name the %s column with --map %s=HEADER", s.Location, f, h.Row, quoted(h.Cells), f, f)
	}
	carries := "nothing but SKUs"
	if len(s.Info.Fields) > 0 {
		carries = strings.Join(s.Info.Fields, ", ")
	}
	var hint string
	switch s.Info.Format {
	case "csv", "xlsx":
		hint = fmt.Sprintf("if a column holds them, name it with --map %s=HEADER", f)
	case "jsonl":
		hint = fmt.Sprintf("if another key holds them, name it with --map %s=KEY", f)
	default:
		hint = "is it an export of another kind (prices only, a catalogue)?"
	}
	return fmt.Errorf("%s holds no %s values (it carries %s): nothing to compare; %s", s.Location, f, carries, hint)
}

// PlanSource is the plan's description of the source.
func (s *Source) PlanSource() plan.Source {
	ps := plan.Source{Location: s.Location.String(), Format: s.Info.Format}
	if s.Info.SHA256 != "" {
		sum := s.Info.SHA256
		ps.SHA256 = &sum
	}
	return ps
}

// Read opens location, streams it into a new index built with idx options,
// finishes the index and reports what the reader noted (see Report). Read errors
// name the file and position (exit 2).
func Read(ctx context.Context, f *cmdutil.Factory, location string, opt connector.ReadOptions, idx plan.IndexOptions) (*Source, error) {
	s, err := ReadQuiet(ctx, f, location, opt, idx, true)
	if err != nil {
		return nil, err
	}
	s.Report(f)
	return s, nil
}

// ReadQuiet is Read without the report, and without a progress bar unless bar is
// set: for a source read alongside another, whose bar and lines come first.
func ReadQuiet(ctx context.Context, f *cmdutil.Factory, location string, opt connector.ReadOptions, idx plan.IndexOptions, bar bool) (*Source, error) {
	loc, err := connector.ParseLocation(location)
	if err != nil {
		return nil, cmdutil.UsageErrorf("%v", err)
	}
	x, err := plan.NewIndex(idx)
	if err != nil {
		return nil, cmdutil.UsageErrorf("%v", err)
	}
	// A source stating a total and a per-warehouse breakdown yields the
	// breakdown only when a warehouse map routes it (CommerceML).
	opt.PerWarehouse = len(idx.WarehouseMap) > 0
	ios := *f.IO
	ios.NoProgress = ios.NoProgress || !bar
	progress := ios.Progress("reading "+loc.String(), -1, true)
	known := false
	opt.Progress = func(done, total int64) {
		if total > 0 && !known {
			progress.SetTotal(total)
			cmdutil.GrowMemoryLimit(total)
			known = true
		}
		progress.Set(int(done))
	}
	r, err := f.Formats().Open(ctx, location, opt)
	if err != nil {
		progress.Finish()
		return nil, err
	}
	defer r.Close()
	values := Values{ByField: map[string]int{}}
	err = r.Read(ctx, counter{Sink: x, v: &values})
	values.settle()
	progress.Finish()
	if err != nil {
		return nil, err
	}
	if err := x.Finish(); err != nil {
		return nil, fmt.Errorf("read %s: %w", loc, err)
	}
	return &Source{Location: loc, Info: r.Info(), Index: x, Values: values}, nil
}

// Report logs what the reader decided on its own (encoding, header row, columns
// left out), which explains a surprising plan, and the warehouses the map routes
// nowhere.
func (s *Source) Report(f *cmdutil.Factory) {
	loc, x := s.Location, s.Index
	for _, note := range s.Info.Notes {
		f.IO.Logf("%s: %s", loc, note)
	}
	for _, w := range x.Unmapped() {
		if w.Name == "" {
			f.IO.Logf("%s: %d row(s) name no warehouse, so --warehouse-map routes them nowhere; not written", loc, w.Rows)
			continue
		}
		f.IO.Logf("%s: warehouse %q (%d item(s)) is not in --warehouse-map; not written", loc, w.Name, w.Rows)
	}
	if unmatched, have := x.UnmatchedMap(); len(unmatched) > 0 {
		f.IO.Logf("%s: no warehouse named %s in the source, so --warehouse-map routes nothing there; its warehouses are %s",
			loc, quoted(unmatched), quoted(have))
	}
}

// Strict is the --strict rule: duplicates and problems become an error (exit 2,
// nothing written), reported after the plan has been shown.
func Strict(p *plan.Plan) error {
	if p.Summary.Duplicates == 0 && p.Summary.Problems == 0 {
		return nil
	}
	var source, target int
	for _, d := range p.Duplicates {
		if len(d.OfferIDs) > 0 || d.Side == "target" {
			target++
		} else {
			source++
		}
	}
	var what []string
	if source > 0 {
		what = append(what, fmt.Sprintf("the source has %d duplicate SKU(s)", source))
	}
	if target > 0 {
		where := "KeyCRM has"
		if p.Target.APIURL == nil {
			where = "the --against side has"
		}
		what = append(what, fmt.Sprintf("%s %d SKU(s) shared by several items", where, target))
	}
	if n := p.Summary.Problems; n > 0 {
		what = append(what, fmt.Sprintf("%d problem row(s)", n))
	}
	return fmt.Errorf("--strict: %s", strings.Join(what, ", "))
}
