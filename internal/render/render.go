// Package render prints plans: as a table for people, as JSON (the contract shape) and
// CSV for scripts, and as the one-line summary that goes to stderr. It writes only to
// the writer it is given and never colours anything; whether colour is allowed is the
// terminal layer's business.
package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
)

// Output formats of -o.
const (
	FormatTable = "table"
	FormatJSON  = "json"
	FormatCSV   = "csv"
)

// Entry kinds, as the CSV kind column spells them.
const (
	KindChange          = "change"
	KindMissingInTarget = "missing_in_target"
	KindMissingInSource = "missing_in_source"
	// KindNearMatch extends the contract's kinds: a KeyCRM SKU that only loosely
	// equals a source SKU, listed so the operator fixes one of the two.
	KindNearMatch = "near_match"
	KindDuplicate = "duplicate"
	KindProblem   = "problem"
)

// Plan writes p to w in format (table, json, csv or markdown). width is the
// terminal's width for the table to wrap its notes at; 0 (not a terminal) wraps
// nothing, so that each entry stays on one line for grep and the like. Markdown is
// for CI job summaries: the summary line, then the CSV's rows as a table.
func Plan(w io.Writer, p *plan.Plan, format string, width int) error {
	v := View{JSON: p, Header: csvHeader, Rows: csvRows(p), Text: func(w io.Writer) error { return writeTable(w, p, width, streamRows) }}
	if format == FormatMarkdown {
		if _, err := fmt.Fprintf(w, "**%s**\n\n", markdownCell(Summary(p))); err != nil {
			return err
		}
	}
	return Write(w, format, v)
}

// entry is one line of the table or the CSV: a change, a missing item, a near match,
// a duplicate or a problem, with every cell already spelled out.
type entry struct {
	kind                         string
	sku, offer, warehouse, field string
	from, to                     string
	row, column, err             string
	note                         string // the table's last column
}

// entries lists the plan's entries in the plan's order, kind by kind.
func entries(p *plan.Plan) []entry {
	n := len(p.Changes) + len(p.MissingInTarget) + len(p.MissingInSource) + len(p.NearMatches) + len(p.Duplicates) + len(p.Problems)
	out := make([]entry, 0, n)
	zeroed := make(map[string]bool, len(p.MissingInSource))
	for _, m := range p.MissingInSource {
		zeroed[m.SKU] = true
	}
	for _, c := range p.Changes {
		e := entry{kind: KindChange, sku: c.SKU, offer: id(c.OfferID), warehouse: id(c.WarehouseID),
			field: c.Field, from: c.From.String(), to: c.To.String()}
		if zeroed[c.SKU] {
			e.note = "not in source"
		}
		out = append(out, e)
	}
	for _, m := range p.MissingInTarget {
		out = append(out, entry{kind: KindMissingInTarget, sku: m.SKU, warehouse: id(m.WarehouseID)})
	}
	for _, m := range p.MissingInSource {
		out = append(out, entry{kind: KindMissingInSource, sku: m.SKU, offer: id(m.OfferID)})
	}
	for _, m := range p.NearMatches {
		// Quoted: the difference is often a space or a look-alike hyphen.
		e := entry{kind: KindNearMatch, sku: m.SKU, offer: id(m.OfferID),
			err: "resembles source SKU " + strconv.Quote(m.SourceSKU) + "; not matched, not zeroed"}
		e.note = strconv.Quote(m.SKU) + " ~ source " + strconv.Quote(m.SourceSKU)
		out = append(out, e)
	}
	for _, d := range p.Duplicates {
		out = append(out, duplicateEntry(d))
	}
	for _, pr := range p.Problems {
		out = append(out, problemEntry(p, pr))
	}
	return out
}

// id prints an id, or nothing for the 0 of "does not apply".
func id(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func duplicateEntry(d plan.Duplicate) entry {
	e := entry{kind: KindDuplicate, sku: d.SKU, row: joinInts(d.Rows, " "), offer: joinInts(d.OfferIDs, " ")}
	switch {
	case len(d.OfferIDs) > 0:
		e.err = fmt.Sprintf("%d KeyCRM offers share this SKU", len(d.OfferIDs))
		e.note = e.err
	case d.Side == plan.SideTarget:
		e.err = fmt.Sprintf("%d rows of the target hold this SKU", len(d.Rows))
		e.note = "target rows " + joinInts(d.Rows, ", ")
	default:
		e.err = fmt.Sprintf("%d rows hold this SKU", len(d.Rows))
		e.note = "rows " + joinInts(d.Rows, ", ")
	}
	if d.Warehouse != "" {
		e.err += " in warehouse " + strconv.Quote(d.Warehouse)
		e.note += " in " + d.Warehouse
	}
	return e
}

func joinInts[T int | int64](ns []T, sep string) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.FormatInt(int64(n), 10)
	}
	return strings.Join(s, sep)
}

// problemEntry spells a problem. The file is named only when it is not the source
// itself: a file inside a package, or the --against location.
func problemEntry(p *plan.Plan, pr catalog.Problem) entry {
	e := entry{kind: KindProblem, sku: pr.SKU, field: pr.Field, column: pr.Column, err: pr.Error}
	if pr.Value != "" {
		e.err += ": " + strconv.Quote(pr.Value)
	}
	if pr.Row > 0 {
		e.row = strconv.Itoa(pr.Row)
	}
	var where []string
	if pr.File != "" && pr.File != p.Source.Location {
		e.column = strings.TrimSuffix(pr.File+": "+pr.Column, ": ")
		where = append(where, pr.File)
	}
	if e.row != "" {
		where = append(where, "row "+e.row)
	}
	loc := strings.Join(where, " ")
	if pr.Column != "" {
		loc = strings.TrimPrefix(loc+", "+pr.Column, ", ")
	}
	e.note = strings.TrimPrefix(loc+": "+e.err, ": ")
	return e
}

// csvHeader is the contract's CSV header.
var csvHeader = []string{"kind", "sku", "offer_id", "warehouse_id", "field", "from", "to", "row", "column", "error"}

// csvRows are the plan's entries, one row under csvHeader each. A duplicate's rows
// (or KeyCRM offer ids) share one cell, separated by spaces; a problem's value follows
// its error, quoted; a problem in a file other than the source names the file before
// the column.
func csvRows(p *plan.Plan) [][]string {
	es := entries(p)
	rows := make([][]string, len(es))
	for i, e := range es {
		rows[i] = []string{e.kind, e.sku, e.offer, e.warehouse, e.field, e.from, e.to, e.row, e.column, e.err}
	}
	return rows
}
