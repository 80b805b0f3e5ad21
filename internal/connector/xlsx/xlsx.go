// Package xlsx reads Excel workbooks (*.xlsx, *.xlsm) row by row through
// excelize's streaming iterator: the first sheet unless --sheet names another,
// the header found below any title block and across merged cells (package
// fieldmap, from the streamed values alone), numbers read as spreadsheets
// store them — text or doubles, with binary floating-point noise removed.
package xlsx

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/fieldmap"
)

// Format reads XLSX workbooks.
type Format struct{}

// Name is the --format value.
func (Format) Name() string { return "xlsx" }

// Detect accepts files by extension (macro-enabled workbooks are XLSX too).
func (Format) Detect(loc connector.Location, _ []byte) bool {
	return loc.Kind == connector.KindFile && (loc.Ext == "xlsx" || loc.Ext == "xlsm")
}

// Open checks the options and that the file exists; the workbook is read by
// Read.
func (Format) Open(_ context.Context, loc connector.Location, opt connector.ReadOptions) (connector.Reader, error) {
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
	return &reader{in: in, loc: loc, opt: opt, fopt: fopt, numbered: numbered, info: connector.SourceInfo{Format: "xlsx"}}, nil
}

type reader struct {
	in       *connector.Input
	loc      connector.Location
	opt      connector.ReadOptions
	fopt     fieldmap.Options
	numbered *fieldmap.Table
	info     connector.SourceInfo
	spool    string // the temporary copy of a workbook read from stdin
}

// Info describes the source; complete once Read has returned.
func (r *reader) Info() connector.SourceInfo { return r.info }

// Close closes the file and removes a spooled copy of standard input.
func (r *reader) Close() error {
	err := r.in.Close()
	if r.spool != "" {
		if rerr := os.Remove(r.spool); err == nil {
			err = rerr
		}
		r.spool = ""
	}
	return err
}

// Limits on what excelize unpacks: parts larger than unzipXMLSize go to
// temporary files instead of memory (so memory stays flat as sheets grow), and
// an archive that unpacks to more than unzipSize is refused (a ZIP bomb would
// otherwise fill the disk).
const (
	unzipXMLSize = 16 << 20
	unzipSize    = 2 << 30
)

// Bounds on what a package's directory may claim. excelize allocates each part
// it keeps in memory at its declared size, so a damaged 5 KB file claiming a
// 2 GB part would cost 2 GB; deflate cannot expand data more than about
// 1032 times, so a larger claim is a damaged or hostile file. Parts other than
// sheets and the shared strings are always held in memory, and no real
// workbook has styles or a theme anywhere near maxOtherPart.
const (
	maxRatio     = 1100
	maxOtherPart = 256 << 20
)

// checkPackage reads the ZIP directory and refuses sizes no real workbook has,
// before excelize trusts them.
func checkPackage(path string) error {
	z, err := zip.OpenReader(path)
	if err != nil {
		return err
	}
	defer z.Close()
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	var total uint64
	for _, e := range z.File {
		size, packed := e.UncompressedSize64, e.CompressedSize64
		bad := packed > uint64(fi.Size()) || size > packed*maxRatio+4096 || (e.Method == zip.Store && size != packed)
		lower := strings.ToLower(e.Name)
		inMemory := !strings.HasPrefix(lower, "xl/worksheets/") && lower != "xl/sharedstrings.xml"
		if bad || inMemory && size > maxOtherPart {
			return fmt.Errorf("damaged package: part %q claims %d bytes from %d", e.Name, size, packed)
		}
		if total += size; total > unzipSize {
			return fmt.Errorf("the workbook unpacks to more than %d bytes", unzipSize)
		}
	}
	return nil
}

// checkEvery is how many rows pass between looks at the context.
const checkEvery = 256

// Read streams the rows of the chosen sheet to sink.
func (r *reader) Read(ctx context.Context, sink connector.Sink) error {
	name := r.in.Name()
	if err := ctx.Err(); err != nil {
		return err
	}
	path, err := r.digest()
	r.info.SHA256 = r.in.SHA256()
	if err != nil {
		return err
	}
	if err := checkPackage(path); err != nil {
		return fmt.Errorf("read %s: not a readable XLSX workbook: %w", name, err)
	}
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true, UnzipXMLSizeLimit: unzipXMLSize, UnzipSizeLimit: unzipSize})
	if err != nil {
		return fmt.Errorf("read %s: not a readable XLSX workbook: %w", name, err)
	}
	defer f.Close()
	sheet, err := r.sheet(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return fmt.Errorf("read %s sheet %q: %w", name, sheet, err)
	}
	defer rows.Close()
	if err := r.rows(ctx, rows, sink); err != nil {
		return fmt.Errorf("read %s sheet %q: %w", name, sheet, err)
	}
	return nil
}

// digest reads the whole file once, for its SHA-256 and for progress, and
// returns the path excelize should open: the file, or a temporary copy of
// standard input (excelize needs random access).
func (r *reader) digest() (string, error) {
	head, err := r.in.Head()
	if err != nil {
		return "", err
	}
	switch {
	case connector.IsOLE(head):
		return "", fmt.Errorf("read %s: %w: it is an Excel 97-2003 workbook or an encrypted one; save it as .xlsx without a password", r.in.Name(), connector.ErrUnsupported)
	case !connector.IsZip(head):
		return "", fmt.Errorf("read %s: not an XLSX workbook (an XLSX file is a ZIP archive); for delimited text use --format csv", r.in.Name())
	}
	if r.loc.Kind != connector.KindStdin {
		return r.loc.Path, r.in.Drain()
	}
	tmp, err := os.CreateTemp("", "keycrm-sync-*.xlsx")
	if err != nil {
		return "", fmt.Errorf("read -: %w", err)
	}
	r.spool = tmp.Name()
	_, err = io.Copy(tmp, r.in)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("read -: %w", err)
	}
	return r.spool, nil
}

// sheet picks --sheet (exactly, else ignoring case) or the first sheet.
func (r *reader) sheet(f *excelize.File) (string, error) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return "", errors.New("the workbook has no sheets")
	}
	if r.opt.Sheet == "" {
		if len(sheets) > 1 {
			r.info.Notes = append(r.info.Notes, fmt.Sprintf("read sheet %q, the first of %d (%s); choose another with --sheet", sheets[0], len(sheets), quoted(sheets)))
		}
		return sheets[0], nil
	}
	var folded []string
	for _, s := range sheets {
		if s == r.opt.Sheet {
			return s, nil
		}
		if strings.EqualFold(s, r.opt.Sheet) {
			folded = append(folded, s)
		}
	}
	if len(folded) == 1 {
		return folded[0], nil
	}
	return "", fmt.Errorf("no sheet %q; the sheets are %s", r.opt.Sheet, quoted(sheets))
}

func quoted(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// rows reads the header and the data rows.
func (r *reader) rows(ctx context.Context, rows *excelize.Rows, sink connector.Sink) error {
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
	emit := func(row int, cells []string) error {
		probs, skip := fieldmap.Convert(conv, row, cells, &it)
		if skip {
			return nil
		}
		data++
		for _, p := range probs {
			sink.Problem(p)
		}
		if len(probs) > 0 {
			return nil
		}
		return sink.Item(it)
	}
	start := func(t *fieldmap.Table) {
		table = t
		conv = t.NewConverter(r.in.Name(), true)
		r.info.Fields = t.Fields()
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
	for row := 1; rows.Next(); row++ {
		if row%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		cells, err := rows.Columns()
		if err != nil {
			return fmt.Errorf("row %d: %w", row, err)
		}
		if err := checkSize(cells); err != nil {
			return fmt.Errorf("row %d: %w", row, err)
		}
		if conv == nil {
			t, consumed, err := finder.Row(row, cells)
			if err != nil {
				return err
			}
			if t == nil {
				continue
			}
			start(t)
			if consumed {
				continue
			}
		}
		if err := emit(row, cells); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return err
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
	if data == 0 {
		r.info.Notes = append(r.info.Notes, "no data rows after the header")
	}
	return nil
}

// checkSize applies the record limits to a row excelize has already read:
// excelize bounds a row by the sheet's 16,384 columns, this by what a catalogue
// row can reasonably hold.
func checkSize(cells []string) error {
	if len(cells) > connector.MaxColumns {
		return fmt.Errorf("%w: more than %d columns", connector.ErrTooLarge, connector.MaxColumns)
	}
	n := 0
	for _, c := range cells {
		n += len(c)
	}
	if n > connector.MaxRecordBytes {
		return fmt.Errorf("%w: longer than %d bytes", connector.ErrTooLarge, connector.MaxRecordBytes)
	}
	return nil
}

var _ connector.Format = Format{}
