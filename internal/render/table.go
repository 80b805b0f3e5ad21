package render

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table layout on a terminal. The table aims at its width: columns no entry uses are
// left out, text values (names) wrap at valueWidth, and the note takes what is left of
// the line, but never less than minNoteWidth. SKUs never wrap: people copy them.
const (
	valueWidth   = 16
	minNoteWidth = 20
	columnGap    = "  "
)

var tableHeader = [...]string{"KIND", "SKU", "OFFER", "WH", "FIELD", "FROM", "TO", "NOTE"}

// Positions in tableHeader that get special treatment.
const (
	colFrom = 5
	colTo   = 6
	colNote = 7
)

// narrow measures text as Western terminals show it. The width setting is pinned, not
// guessed from the locale as tablewriter would, so the same plan always renders the
// same table (Cyrillic is "ambiguous width" to East Asian locales).
var narrow = twwidth.Options{EastAsianWidth: false}

// writeTable writes one row per entry; a plan without entries writes nothing (the
// summary line says so). Plans of more than streamPast entries go through
// streamTable.
func writeTable(w io.Writer, p *plan.Plan, width, streamPast int) error {
	es := tableEntries(p)
	if len(es) == 0 {
		return nil
	}
	missing := "not in KeyCRM"
	if p.Target.APIURL == nil {
		missing = "not in target"
	}
	labels := map[string]string{
		KindChange: "change", KindMissingInTarget: missing, KindMissingInSource: "not in source",
		KindNearMatch: "near match",
		KindDuplicate: "duplicate", KindProblem: "problem",
	}
	cells := func(e *entry) [len(tableHeader)]string {
		return [...]string{labels[e.kind], e.sku, e.offer, e.warehouse, e.field, e.from, e.to, e.note}
	}
	if len(es) > streamPast {
		return streamTable(w, es, cells)
	}
	rows := make([][]string, len(es))
	for i := range es {
		c := cells(&es[i])
		rows[i] = c[:]
	}
	keep := usedColumns(rows)
	header := pick(tableHeader[:], keep)
	for i := range rows {
		rows[i] = pick(rows[i], keep)
	}

	var caps map[int]int
	if width > 0 {
		caps = maxWidths(header, rows, keep, width)
	}
	return table(w, header, rows, caps)
}

// tableEntries are the table's lines. A target written whole (a file) gets the items
// it lacks as new rows: each is a change from nothing and, in the JSON and CSV, also
// missing in the target; the table shows it once, as a change noted "new row", so a
// new file reads as the rows it will hold and not as every SKU twice.
func tableEntries(p *plan.Plan) []entry {
	added := p.Added()
	es := entries(p)
	if len(added) == 0 {
		return es
	}
	kept := es[:0]
	for _, e := range es {
		switch {
		case e.kind == KindMissingInTarget && added[e.sku]:
			continue
		case e.kind == KindChange && added[e.sku] && e.from == "" && e.note == "":
			e.note = "new row"
		}
		kept = append(kept, e)
	}
	return kept
}

// Table prints rows under header in the look of the plan table: no borders, left
// aligned, no trailing spaces. Other commands (runs) use it for their lists.
func Table(w io.Writer, header []string, rows [][]string) error {
	return table(w, header, rows, nil)
}

// table renders with the given per-column width caps (nil: none).
func table(w io.Writer, header []string, rows [][]string, caps map[int]int) error {
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithEastAsian(tw.Off),
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders:  tw.BorderNone,
			Symbols:  tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{Separators: tw.SeparatorsNone, Lines: tw.LinesNone},
		})),
		tablewriter.WithConfig(tableConfig(caps)),
	)
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return err
	}
	if err := t.Render(); err != nil {
		return err
	}
	_, err := w.Write(trimLines(buf.Bytes()))
	return err
}

// usedColumns lists the columns some row fills; KIND and SKU always show.
func usedColumns(rows [][]string) []int {
	keep := []int{0, 1}
	for col := 2; col < len(tableHeader); col++ {
		for _, r := range rows {
			if r[col] != "" {
				keep = append(keep, col)
				break
			}
		}
	}
	return keep
}

func pick(cells []string, cols []int) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = cells[c]
	}
	return out
}

// maxWidths caps the value columns and gives the note the rest of a line of
// lineWidth. Keys are positions among the kept columns.
func maxWidths(header []string, rows [][]string, keep []int, lineWidth int) map[int]int {
	caps := map[int]int{}
	used := 0
	note := -1
	for i, col := range keep {
		if col == colNote {
			note = i
			continue
		}
		w := twwidth.WidthWithOptions(header[i], narrow)
		for _, r := range rows {
			w = max(w, twwidth.WidthWithOptions(r[i], narrow))
		}
		if col == colFrom || col == colTo {
			caps[i] = valueWidth
			w = min(w, valueWidth)
		}
		used += w + len(columnGap)
	}
	if note >= 0 {
		caps[note] = max(minNoteWidth, lineWidth-used)
	}
	return caps
}

// tableConfig pins every setting the output depends on: headers exactly as written
// (tablewriter's auto-format would rewrite them), left alignment, a two-space gap and
// no padding before the first column.
func tableConfig(caps map[int]int) tablewriter.Config {
	widths := tw.NewMapper[int, int]()
	for col, w := range caps {
		widths.Set(col, w)
	}
	padding := tw.CellPadding{Global: tw.Padding{Left: "", Right: columnGap, Overwrite: true}}
	left := tw.CellAlignment{Global: tw.AlignLeft}
	return tablewriter.Config{
		Header: tw.CellConfig{
			Formatting: tw.CellFormatting{AutoFormat: tw.Off, AutoWrap: tw.WrapNone},
			Padding:    padding,
			Alignment:  left,
		},
		Row: tw.CellConfig{
			Formatting:   tw.CellFormatting{AutoFormat: tw.Off, AutoWrap: tw.WrapNormal},
			Padding:      padding,
			Alignment:    left,
			ColMaxWidths: tw.CellWidth{PerColumn: widths},
		},
	}
}

// trimLines drops the blanks tablewriter pads every line with.
func trimLines(b []byte) []byte {
	lines := bytes.Split(b, []byte("\n"))
	for i, l := range lines {
		lines[i] = bytes.TrimRight(l, " ")
	}
	return bytes.Join(lines, []byte("\n"))
}

// streamRows is the plan size past which the table is written by streamTable rather
// than tablewriter, which keeps every cell of every row several times over and takes
// seconds for a plan of fifty thousand entries.
const streamRows = 5000

// streamTable writes a large plan's table straight from its entries: the same
// columns, gap and alignment as tablewriter, but nothing wraps, so each entry is one
// line (a plan this size is read with grep and less, not on one screen). Column widths
// take one pass over the entries, the lines a second.
func streamTable(w io.Writer, es []entry, cells func(*entry) [len(tableHeader)]string) error {
	var widths [len(tableHeader)]int
	for i, h := range tableHeader {
		widths[i] = textWidth(h)
	}
	var used [len(tableHeader)]bool
	used[0], used[1] = true, true
	for i := range es {
		for col, c := range cells(&es[i]) {
			if c != "" {
				used[col] = true
				widths[col] = max(widths[col], textWidth(c))
			}
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	line := make([]byte, 0, 256)
	write := func(row [len(tableHeader)]string) error {
		line = line[:0]
		for col, c := range row {
			if !used[col] {
				continue
			}
			if len(line) > 0 {
				line = append(line, columnGap...)
			}
			// Every cell is padded; the line's trailing blanks are trimmed
			// below, as trimLines does to tablewriter's.
			line = append(line, c...)
			line = append(line, spaces(widths[col]-textWidth(c))...)
		}
		line = append(bytes.TrimRight(line, " "), '\n')
		_, err := bw.Write(line)
		return err
	}
	if err := write(tableHeader); err != nil {
		return err
	}
	for i := range es {
		if err := write(cells(&es[i])); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// textWidth is a cell's width on a terminal; ASCII, nearly every SKU and number, is
// measured without decoding.
func textWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return twwidth.WidthWithOptions(s, narrow)
		}
	}
	return len(s)
}

const blanks = "                                                                "

// spaces returns n blanks.
func spaces(n int) string {
	if n <= len(blanks) {
		return blanks[:max(n, 0)]
	}
	return strings.Repeat(" ", n)
}
