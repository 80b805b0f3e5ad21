package xlsx

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

// Limits bound what a workbook may make the reader unpack and hold. A zero
// field takes its default (DefaultLimits); the config file's limits: section
// sets them (xlsx_part_ratio, xlsx_part_bytes, xlsx_cell_bytes,
// xlsx_shared_strings_bytes, xlsx_stdin_bytes), and the messages name those keys.
type Limits struct {
	// PartRatio bounds a part's unpacked size by its packed size: real
	// sheets pack 5 to 60 times smaller, a deflate bomb about 1,000 times.
	PartRatio int64
	// PartBytes bounds any one part's unpacked size.
	PartBytes int64
	// CellBytes bounds one cell's value: a SKU or a quantity is never
	// anywhere near it, and a long description still fits.
	CellBytes int
	// SharedStringBytes bounds the text of the shared strings held in
	// memory while the sheet is read.
	SharedStringBytes int
	// StdinBytes bounds a workbook read from standard input, which is held
	// in memory (a ZIP archive needs random access, and no temporary file is
	// written).
	StdinBytes int64
}

// DefaultLimits are the limits used where Limits leaves a field zero.
var DefaultLimits = Limits{
	PartRatio:         200,
	PartBytes:         1 << 30,
	CellBytes:         64 << 10,
	SharedStringBytes: 256 << 20,
	StdinBytes:        256 << 20,
}

// withDefaults fills the zero fields; the shared strings' arena is indexed by
// 32-bit offsets, which caps SharedStringBytes.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.PartRatio <= 0 {
		l.PartRatio = d.PartRatio
	}
	if l.PartBytes <= 0 {
		l.PartBytes = d.PartBytes
	}
	if l.CellBytes <= 0 {
		l.CellBytes = d.CellBytes
	}
	if l.SharedStringBytes <= 0 {
		l.SharedStringBytes = d.SharedStringBytes
	}
	l.SharedStringBytes = min(l.SharedStringBytes, tooLong-1)
	if l.StdinBytes <= 0 {
		l.StdinBytes = d.StdinBytes
	}
	return l
}

// ratioSlack lets small parts, which compress better than large ones and
// cannot hurt, pass the ratio.
const ratioSlack = 1 << 20

// metaBytes bounds the parts read whole (relationships, the workbook's sheet
// list): megabytes would be a damaged or hostile file.
const metaBytes = 16 << 20

// pkg is an opened workbook package: its parts by name, case-insensitively as
// Excel treats them.
type pkg struct {
	parts map[string]*zip.File
	lim   Limits
}

func openPackage(z *zip.Reader, size int64, lim Limits) (*pkg, error) {
	p := &pkg{parts: make(map[string]*zip.File, len(z.File)), lim: lim}
	for _, f := range z.File {
		name := strings.ToLower(f.Name)
		if _, dup := p.parts[name]; dup {
			return nil, fmt.Errorf("damaged package: part %q twice", f.Name)
		}
		p.parts[name] = f
		unpacked, packed := f.UncompressedSize64, f.CompressedSize64
		switch {
		case packed > uint64(size) || f.Method == zip.Store && unpacked != packed:
			return nil, fmt.Errorf("damaged package: part %q claims %d bytes from %d", f.Name, unpacked, packed)
		case unpacked > packed*uint64(lim.PartRatio)+ratioSlack:
			return nil, fmt.Errorf("%w: part %q unpacks %d bytes from %d, more than %d times its size (limits: xlsx_part_ratio in the config file): a ZIP bomb or a damaged file",
				connector.ErrTooLarge, f.Name, unpacked, packed, lim.PartRatio)
		case unpacked > uint64(lim.PartBytes):
			return nil, fmt.Errorf("%w: part %q unpacks to %d bytes, more than %d (limits: xlsx_part_bytes in the config file)", connector.ErrTooLarge, f.Name, unpacked, lim.PartBytes)
		}
	}
	return p, nil
}

// part is an open part: reading it to its end checks its size and CRC-32,
// which archive/zip does only there, and its errors name the part.
type part struct {
	name string
	rc   io.ReadCloser
	left int64
}

func (p *pkg) open(name string) (*part, error) {
	f, ok := p.parts[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("the package has no part %s", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return &part{name: f.Name, rc: rc, left: int64(f.UncompressedSize64)}, nil
}

// Read counts down the declared size too, so a part can never yield more
// than its directory entry promised, whatever the decompressor does. Its
// errors do not name the part: the scanners reading it do, with the row.
func (r *part) Read(b []byte) (int, error) {
	n, err := r.rc.Read(b)
	if r.left -= int64(n); r.left < 0 {
		return n, fmt.Errorf("damaged part: longer than declared: %w", zip.ErrFormat)
	}
	if err != nil && err != io.EOF {
		err = fmt.Errorf("damaged part: %w", err)
	}
	return n, err
}

func (r *part) Close() error { return r.rc.Close() }

// readAll reads a small part whole, checked to its end.
func (p *pkg) readAll(name string) ([]byte, error) {
	r, err := p.open(name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if r.left > metaBytes {
		return nil, fmt.Errorf("%w: part %s unpacks to %d bytes, more than %d", connector.ErrTooLarge, r.name, r.left, metaBytes)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.name, err)
	}
	return b, nil
}

// sheetRef is a sheet of the workbook and the part holding it.
type sheetRef struct{ name, part string }

type relationships struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

type workbookXML struct {
	Sheets []struct {
		Name  string     `xml:"name,attr"`
		Attrs []xml.Attr `xml:",any,attr"`
	} `xml:"sheets>sheet"`
}

// unmarshal decodes a small part; encoding/xml refuses the damage the
// streaming scanner refuses, and the part was read to its end.
func (p *pkg) unmarshal(name string, v any) error {
	b, err := p.readAll(name)
	if err != nil {
		return err
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// workbook lists the sheets in the workbook's order with their parts, and
// names the shared strings part ("" when there is none).
func (p *pkg) workbook() (sheets []sheetRef, sst string, err error) {
	wbPath := "xl/workbook.xml"
	if _, ok := p.parts["_rels/.rels"]; ok {
		var root relationships
		if err := p.unmarshal("_rels/.rels", &root); err != nil {
			return nil, "", err
		}
		for _, r := range root.Rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				wbPath = resolve("", r.Target)
				break
			}
		}
	}
	var wb workbookXML
	if err := p.unmarshal(wbPath, &wb); err != nil {
		return nil, "", err
	}
	dir := path.Dir(wbPath)
	relsPath := path.Join(dir, "_rels", path.Base(wbPath)+".rels")
	var rels relationships
	if err := p.unmarshal(relsPath, &rels); err != nil {
		return nil, "", err
	}
	targets := make(map[string]string, len(rels.Rels))
	for _, r := range rels.Rels {
		targets[r.ID] = resolve(dir, r.Target)
		if strings.HasSuffix(r.Type, "/sharedStrings") {
			sst = targets[r.ID]
		}
	}
	if _, ok := p.parts[strings.ToLower(sst)]; !ok {
		// excelize, and so Excel's own files, put it here without a
		// relationship too.
		sst = ""
		if _, ok := p.parts["xl/sharedstrings.xml"]; ok {
			sst = "xl/sharedStrings.xml"
		}
	}
	for _, s := range wb.Sheets {
		ref := sheetRef{name: s.Name}
		for _, a := range s.Attrs {
			if a.Name.Local == "id" && a.Name.Space != "" {
				ref.part = targets[a.Value]
			}
		}
		sheets = append(sheets, ref)
	}
	return sheets, sst, nil
}

// resolve turns a relationship's target into a part name: relative to the
// source part's folder, or from the package root when it starts with '/'.
func resolve(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean(path.Join(dir, target)), "/")
}

// shortestRef is the fewest bytes a cell using a shared string takes:
// <c t="s"><v>0</v></c>.
const shortestRef = 22

// maxSharedStrings is how many shared strings the sheets could use at most.
func (p *pkg) maxSharedStrings(sheets []sheetRef) int {
	var n uint64
	for _, s := range sheets {
		if f, ok := p.parts[strings.ToLower(s.part)]; ok {
			n += f.UncompressedSize64
		}
	}
	return int(n/shortestRef) + 1
}

var errNoSheets = errors.New("the workbook has no sheets")
