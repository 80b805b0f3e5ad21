// Package xlsx reads Excel workbooks (*.xlsx, *.xlsm) row by row with its own
// streaming scanner of the sheet's XML, straight from the ZIP archive: the
// first sheet unless --sheet names another, the header found below any title
// block and across merged cells (package fieldmap, from the streamed values
// alone), numbers read as spreadsheets store them — text or doubles, with
// binary floating-point noise removed.
//
// A damaged or hostile workbook fails the read rather than giving fewer rows:
// every part is read to its end, where archive/zip checks its CRC-32 and size;
// any XML error fails; a sheet without its end is truncated; and Limits bound
// what a part may unpack to and what a cell and the shared strings may hold.
// Nothing is written to disk.
package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
)

// Format reads XLSX workbooks.
type Format struct {
	// Limits bound what a workbook may unpack to; zero fields take
	// DefaultLimits.
	Limits Limits
}

// Name is the --format value.
func (Format) Name() string { return "xlsx" }

// Detect accepts files by extension (macro-enabled workbooks are XLSX too).
func (Format) Detect(loc connector.Location, _ []byte) bool {
	return loc.Kind == connector.KindFile && (loc.Ext == "xlsx" || loc.Ext == "xlsm")
}

// Open checks the options and that the file exists; the workbook is read by
// Read.
func (f Format) Open(_ context.Context, loc connector.Location, opt connector.ReadOptions) (connector.Reader, error) {
	if err := connector.CheckOptions("xlsx", opt, "--sheet", "--map", "--no-header"); err != nil {
		return nil, err
	}
	fopt := fieldmap.Options{Mapping: opt.Mapping, NoHeader: opt.NoHeader}
	var numbered *fieldmap.Table
	var err error
	if opt.NoHeader {
		numbered, err = fieldmap.Numbered(fopt)
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
	return &reader{in: in, loc: loc, opt: opt, fopt: fopt, numbered: numbered, lim: f.Limits.withDefaults(), info: connector.SourceInfo{Format: "xlsx"}}, nil
}

type reader struct {
	in       *connector.Input
	loc      connector.Location
	opt      connector.ReadOptions
	fopt     fieldmap.Options
	numbered *fieldmap.Table
	lim      Limits
	info     connector.SourceInfo
	zip      *zip.ReadCloser
}

// Info describes the source; complete once Read has returned.
func (r *reader) Info() connector.SourceInfo { return r.info }

// Close closes the file.
func (r *reader) Close() error {
	err := r.in.Close()
	if r.zip != nil {
		if zerr := r.zip.Close(); err == nil {
			err = zerr
		}
		r.zip = nil
	}
	return err
}

// checkEvery is how many rows pass between looks at the context.
const checkEvery = 256

// Read streams the rows of the chosen sheet to sink.
func (r *reader) Read(ctx context.Context, sink connector.Sink) error {
	name := r.in.Name()
	if err := ctx.Err(); err != nil {
		return err
	}
	z, size, err := r.archive()
	r.info.SHA256 = r.in.SHA256()
	if err != nil {
		return err
	}
	p, err := openPackage(z, size, r.lim)
	if err != nil {
		return fmt.Errorf("read %s: not a readable XLSX workbook: %w", name, err)
	}
	sheets, sstPart, err := p.workbook()
	if err != nil {
		return fmt.Errorf("read %s: not a readable XLSX workbook: %w", name, err)
	}
	sheet, err := r.sheet(sheets)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	sst, err := r.sharedStrings(p, sstPart, sheets)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	if sheet.part == "" {
		return fmt.Errorf("read %s sheet %q: the workbook does not say which part holds it", name, sheet.name)
	}
	src, err := p.open(sheet.part)
	if err != nil {
		return fmt.Errorf("read %s sheet %q: %w", name, sheet.name, err)
	}
	defer src.Close()
	if err := r.rows(ctx, newSheetScanner(src, src.name, sst, r.lim.CellBytes), sink); err != nil {
		return fmt.Errorf("read %s sheet %q: %w", name, sheet.name, err)
	}
	return nil
}

// archive reads the whole file once, for its SHA-256 and for progress, and
// opens it as a ZIP archive: the file itself, or standard input held in
// memory (a ZIP archive needs random access).
func (r *reader) archive() (*zip.Reader, int64, error) {
	head, err := r.in.Head()
	if err != nil {
		return nil, 0, err
	}
	switch {
	case connector.IsOLE(head):
		return nil, 0, fmt.Errorf("read %s: %w: it is an Excel 97-2003 workbook or an encrypted one; save it as .xlsx without a password", r.in.Name(), connector.ErrUnsupported)
	case !connector.IsZip(head):
		return nil, 0, fmt.Errorf("read %s: not an XLSX workbook (an XLSX file is a ZIP archive); for delimited text use --format csv", r.in.Name())
	}
	if r.loc.Kind == connector.KindStdin {
		b, err := io.ReadAll(io.LimitReader(r.in, r.lim.StdinBytes+1))
		if err != nil {
			return nil, 0, fmt.Errorf("read -: %w", err)
		}
		if int64(len(b)) > r.lim.StdinBytes {
			return nil, 0, fmt.Errorf("read -: %w: a workbook on standard input may hold %d bytes (limits: xlsx_stdin_bytes in the config file); give its path instead", connector.ErrTooLarge, r.lim.StdinBytes)
		}
		z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return nil, 0, fmt.Errorf("read -: not a readable XLSX workbook: %w", err)
		}
		return z, int64(len(b)), nil
	}
	if err := r.in.Drain(); err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", r.in.Name(), err)
	}
	if r.zip, err = zip.OpenReader(r.loc.Path); err != nil {
		return nil, 0, fmt.Errorf("read %s: not a readable XLSX workbook: %w", r.in.Name(), err)
	}
	return &r.zip.Reader, r.in.Size(), nil
}

// sharedStrings reads the shared strings part, if the workbook has one.
func (r *reader) sharedStrings(p *pkg, name string, sheets []sheetRef) (*sharedStrings, error) {
	if name == "" {
		return nil, nil
	}
	src, err := p.open(name)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	return readSharedStrings(src, src.name, r.lim, p.maxSharedStrings(sheets))
}

// sheet picks --sheet (exactly, else ignoring case) or the first sheet.
func (r *reader) sheet(sheets []sheetRef) (sheetRef, error) {
	if len(sheets) == 0 {
		return sheetRef{}, errNoSheets
	}
	if r.opt.Sheet == "" {
		if len(sheets) > 1 {
			r.info.Notes = append(r.info.Notes, fmt.Sprintf("read sheet %q, the first of %d (%s); choose another with --sheet", sheets[0].name, len(sheets), quoted(sheets)))
		}
		return sheets[0], nil
	}
	var folded []sheetRef
	for _, s := range sheets {
		if s.name == r.opt.Sheet {
			return s, nil
		}
		if strings.EqualFold(s.name, r.opt.Sheet) {
			folded = append(folded, s)
		}
	}
	if len(folded) == 1 {
		return folded[0], nil
	}
	return sheetRef{}, fmt.Errorf("no sheet %q; the sheets are %s", r.opt.Sheet, quoted(sheets))
}

func quoted(sheets []sheetRef) string {
	q := make([]string, len(sheets))
	for i, s := range sheets {
		q[i] = fmt.Sprintf("%q", s.name)
	}
	return strings.Join(q, ", ")
}

// rows reads the header and the data rows.
func (r *reader) rows(ctx context.Context, sc *sheetScanner, sink connector.Sink) error {
	var (
		table  = r.numbered
		finder *fieldmap.Finder
		conv   *fieldmap.Converter
		it     catalog.Item
		data   int // rows read as items or problems
		err    error
	)
	if table == nil {
		if finder, err = fieldmap.NewFinder(r.fopt); err != nil {
			return err
		}
	}
	emit := func(row int, cells [][]byte, bools []int) error {
		if len(bools) > 0 {
			done, err := booleans(conv, row, cells, bools, &it, sink)
			if done || err != nil {
				data++
				return err
			}
		}
		// Emit holds a row back while a number in it waits for its column's
		// decimal mark, so "1,250" is read as CSV reads it (issue 9.3).
		ok, err := fieldmap.Emit(conv, row, cells, sink)
		if ok {
			data++
		}
		return err
	}
	start := func(t *fieldmap.Table) {
		table = t
		conv = t.NewConverter(r.in.Name(), true)
		r.info.Fields = t.Fields()
		h := t.Header()
		r.info.Header = &h
		r.info.Notes = append(r.info.Notes, t.Notes()...)
		if t.Row() > 1 {
			r.info.Notes = append(r.info.Notes, fmt.Sprintf("header found on row %d; the rows above it were skipped", t.Row()))
		}
	}
	if table != nil {
		start(table)
	}
	defer func() {
		if conv != nil {
			r.info.Notes = append(r.info.Notes, conv.Notes()...)
		}
	}()
	handled := 0
	handle := func(row int, cells [][]byte, bools []int) error {
		if handled++; handled%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if conv == nil {
			// The finder may keep a header row, so each gets its own copy.
			text := make([]string, len(cells))
			for i, c := range cells {
				text[i] = string(c)
			}
			t, consumed, err := finder.Row(row, text)
			if err != nil || t == nil {
				return err
			}
			start(t)
			if consumed {
				return nil
			}
		}
		return emit(row, cells, bools)
	}
	for last := 0; ; {
		ok, err := sc.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		// Rows the sheet leaves out are empty rows, numbered as Excel shows them.
		for ; last+1 < sc.row; last++ {
			if err := handle(last+1, nil, nil); err != nil {
				return err
			}
		}
		last = sc.row
		if err := handle(sc.row, sc.cells, sc.bools); err != nil {
			return err
		}
	}
	if conv == nil {
		t, err := finder.End()
		if errors.Is(err, fieldmap.ErrEmpty) {
			return errors.New("the sheet is empty")
		}
		if err != nil {
			return err
		}
		start(t)
	}
	if err := conv.Flush(sink); err != nil {
		return err
	}
	if data == 0 {
		r.info.Notes = append(r.info.Notes, "no data rows after the header")
	}
	return nil
}

// booleans sends the problems of a row holding a boolean cell in a number
// column, where TRUE must not pass for a quantity of 1; done is false when no
// such cell is read as a number and the row is to be emitted as any other.
func booleans(conv *fieldmap.Converter, row int, cells [][]byte, bools []int, it *catalog.Item, sink connector.Sink) (done bool, err error) {
	probs, skip := fieldmap.Convert(conv, row, cells, it)
	if skip {
		return false, nil
	}
	found := false
	for _, col := range bools {
		if p, ok := conv.BooleanProblem(row, col, string(cells[col]), it.SKU); ok {
			probs = append(probs, p)
			found = true
		}
	}
	if !found {
		return false, nil
	}
	for _, p := range probs {
		sink.Problem(p)
	}
	return true, nil
}

var _ connector.Format = Format{}
