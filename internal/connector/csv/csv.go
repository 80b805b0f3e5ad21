// Package csv reads delimited text — CSV and TSV from 1C/BAS, Excel, Prom,
// WooCommerce and supplier price lists — as a stream: the delimiter (',', ';',
// tab or '|') and the line ends are detected, the encoding is detected between
// UTF-8 and Windows-1251 (package textenc) unless --encoding names one, the
// header row is found below any title block (package fieldmap), and every row
// becomes an item or problems, with the line it started on as its row.
package csv

import (
	"context"
	"fmt"
	"io"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
)

// Format reads delimited text files (*.csv, *.tsv, *.txt), and standard input
// with --format csv.
type Format struct{}

// Name is the --format value.
func (Format) Name() string { return "csv" }

// Detect accepts files by extension.
func (Format) Detect(loc connector.Location, _ []byte) bool {
	return loc.Kind == connector.KindFile && (loc.Ext == "csv" || loc.Ext == "tsv" || loc.Ext == "txt")
}

// Open checks the options and opens the file; nothing is read yet.
func (Format) Open(_ context.Context, loc connector.Location, opt connector.ReadOptions) (connector.Reader, error) {
	if err := connector.CheckOptions("csv", opt, "--encoding", "--map", "--no-header"); err != nil {
		return nil, err
	}
	if opt.Encoding != "" {
		if _, err := textenc.Canonical(opt.Encoding); err != nil {
			return nil, fmt.Errorf("--encoding: %w", err)
		}
	}
	fopt := fieldmap.Options{Mapping: opt.Mapping, NoHeader: opt.NoHeader}
	var table *fieldmap.Table
	var err error
	if opt.NoHeader {
		table, err = fieldmap.Numbered(fopt)
	} else {
		_, err = fieldmap.NewFinder(fopt)
	}
	if err != nil {
		return nil, err
	}
	in, err := connector.OpenInput(loc, opt)
	if err != nil {
		return nil, err
	}
	var prefer byte
	if loc.Ext == "tsv" {
		prefer = '\t'
	}
	return &reader{in: in, opt: opt, fopt: fopt, numbered: table, prefer: prefer,
		info: connector.SourceInfo{Format: "csv"}}, nil
}

type reader struct {
	in       *connector.Input
	opt      connector.ReadOptions
	fopt     fieldmap.Options
	numbered *fieldmap.Table
	prefer   byte
	info     connector.SourceInfo
}

// Info describes the source; complete once Read has returned.
func (r *reader) Info() connector.SourceInfo { return r.info }

// Close closes the file.
func (r *reader) Close() error { return r.in.Close() }

// checkEvery is how many records pass between looks at the context.
const checkEvery = 1024

// Read streams the rows to sink.
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
	dec, err := textenc.NewReader(r.in, r.opt.Encoding)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	defer func() {
		r.info.Encoding = dec.Encoding()
		r.info.Notes = append(dec.Notes(), r.info.Notes...)
	}()
	sp := newSplitter(dec)
	if err := sp.prime(); err != nil {
		return readError(name, err)
	}
	sp.comma, sp.nl = sniff(sp.buf[sp.r:sp.w], sp.eof, r.prefer)

	table, pending, err := r.header(sp)
	if err != nil {
		return readError(name, err)
	}
	r.info.Fields = table.Fields()
	r.info.Notes = append(r.info.Notes, table.Notes()...)
	if table.Row() > 1 {
		r.info.Notes = append(r.info.Notes, fmt.Sprintf("header found on line %d; the lines above it were skipped", table.Row()))
	}
	conv := table.NewConverter(name, false)
	defer func() { r.info.Notes = append(r.info.Notes, conv.Notes()...) }()

	rows := 0
	width := table.Width() // fields in the previous record (the header at first)
	var it catalog.Item
	// row checks for a cut-off last line and converts one record.
	row := func(line, fields int, terminated bool, convert func() ([]catalog.Problem, bool)) error {
		if !terminated && fields < min(width, table.Width()) && fields > 0 {
			// The last line stops short of the header and of the record before
			// it: the file was cut off mid-row.
			return readError(name, &recordError{line: line, err: connector.ErrTruncated})
		}
		width = fields
		probs, skip := convert()
		if skip {
			return nil
		}
		rows++
		for _, p := range probs {
			sink.Problem(p)
		}
		if len(probs) > 0 {
			return nil
		}
		return sink.Item(it)
	}
	if pending != nil {
		err := row(pending.line, len(pending.cells), pending.terminated, func() ([]catalog.Problem, bool) {
			return fieldmap.Convert(conv, pending.line, unescapeStrings(pending.cells), &it)
		})
		if err != nil {
			return err
		}
	}
	for n := 1; ; n++ {
		if n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		fields, line, terminated, err := sp.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return readError(name, err)
		}
		count := len(fields)
		if count == 1 && len(fields[0]) == 0 {
			count = 0 // an empty last line is no cut-off row
		}
		err = row(line, count, terminated, func() ([]catalog.Problem, bool) {
			return fieldmap.Convert(conv, line, unescape(fields), &it)
		})
		if err != nil {
			return err
		}
	}
	if rows == 0 {
		r.info.Notes = append(r.info.Notes, "no data rows after the header")
	}
	return nil
}

// pendingRow is the first data row when the header finder had to look at it.
type pendingRow struct {
	line       int
	cells      []string
	terminated bool
}

// header finds the header row (or takes the numbered table of --no-header).
func (r *reader) header(sp *splitter) (*fieldmap.Table, *pendingRow, error) {
	if r.numbered != nil {
		return r.numbered, nil, nil
	}
	finder, err := fieldmap.NewFinder(r.fopt)
	if err != nil {
		return nil, nil, err
	}
	for {
		fields, line, terminated, err := sp.next()
		if err == io.EOF {
			t, err := finder.End()
			return t, nil, err
		}
		if err != nil {
			return nil, nil, err
		}
		cells := make([]string, len(fields))
		for i, f := range fields {
			cells[i] = string(f)
		}
		t, consumed, err := finder.Row(line, cells)
		if err != nil {
			return nil, nil, err
		}
		if t != nil {
			if consumed {
				return t, nil, nil
			}
			return t, &pendingRow{line: line, cells: cells, terminated: terminated}, nil
		}
	}
}

// readError names the file; the line comes with the error itself (a split
// error, a decoding error, a header error names its row).
func readError(name string, err error) error { return fmt.Errorf("read %s: %w", name, err) }

// unescape undoes WooCommerce's (and other exporters') guard against
// spreadsheet formulas: a value starting with = + - @, a tab or a carriage
// return is written with a leading apostrophe ("'-5" for a stock of -5).
func unescape(fields [][]byte) [][]byte {
	for i, f := range fields {
		if len(f) >= 2 && f[0] == '\'' && isFormulaStart(f[1]) {
			fields[i] = f[1:]
		}
	}
	return fields
}

func unescapeStrings(cells []string) []string {
	for i, f := range cells {
		if len(f) >= 2 && f[0] == '\'' && isFormulaStart(f[1]) {
			cells[i] = f[1:]
		}
	}
	return cells
}

func isFormulaStart(c byte) bool {
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'
}

var _ connector.Format = Format{}
