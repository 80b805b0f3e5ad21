// Package commerceml reads CommerceML 2 and 3, the exchange format of
// 1C:Enterprise and BAS with web shops (Bitrix, UMI, ReadyScript): one XML
// document, an exchange folder (3.x nests goods/N/*.xml) or a .zip package.
//
// A package is a set of documents under the root КоммерческаяИнформация,
// classified by what they hold, never by their names: a Классификатор
// (groups, price types, warehouses), a Каталог (Товар: Артикул, Штрихкод,
// characteristics, requisites such as Код), and offer packages
// (ПакетПредложений: Предложение with prices and stock — Количество, per
// warehouse Склад attributes in 2.x, Остатки in the split 3.x rests.xml).
// Offers join the catalogue by Ид, whose part before '#' is the product's.
//
// Memory stays flat however large the offers are: the catalogue is indexed
// (only what an offer needs from it), offers of files without stock (3.x
// offers.xml and prices.xml) are indexed by Ид, and the files with stock are
// streamed, one item per (offer, warehouse). A first short pass over each file
// ("sniff") reads its declarations and tells the two kinds apart.
package commerceml

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
)

// Format reads CommerceML documents, folders and zip packages.
type Format struct{}

// Name is the --format value.
func (Format) Name() string { return "commerceml" }

// Detect accepts an .xml file whose root element is КоммерческаяИнформация,
// and a .zip package or a folder holding such a file.
func (Format) Detect(loc connector.Location, head []byte) bool {
	switch {
	case loc.Kind == connector.KindFile && loc.Ext == "xml":
		return isCommerceML(head)
	case loc.Kind == connector.KindFile && loc.Ext == "zip":
		return zipHoldsCommerceML(loc.Path)
	case loc.Kind == connector.KindDir:
		return dirHoldsCommerceML(loc.Path)
	}
	return false
}

// options are the reader flags CommerceML takes.
type options struct {
	key          string
	priceTypes   map[string]string
	encoding     string
	perWarehouse bool
}

func parseOptions(opt connector.ReadOptions) (options, error) {
	o := options{key: strings.ToLower(strings.TrimSpace(opt.Key)), priceTypes: opt.PriceTypes, perWarehouse: opt.PerWarehouse}
	switch o.key {
	case "":
		o.key = keyArticle
	case keyArticle, keyCode, keyBarcode, keyID:
	default:
		return o, fmt.Errorf("--key %q: CommerceML keys are article (Артикул), code (the requisite Код), barcode (Штрихкод) and id (the offer's Ид)", opt.Key)
	}
	for field := range opt.PriceTypes {
		if field != catalog.FieldPrice && field != catalog.FieldPurchasedPrice {
			return o, fmt.Errorf("--price-type %s: a price type fills %s or %s", field, catalog.FieldPrice, catalog.FieldPurchasedPrice)
		}
	}
	if opt.Encoding != "" {
		c, err := textenc.Canonical(opt.Encoding)
		if err != nil {
			return o, fmt.Errorf("--encoding: %w", err)
		}
		o.encoding = c
	}
	return o, nil
}

// Open checks the options and that the location can be read; nothing is
// parsed yet.
func (Format) Open(_ context.Context, loc connector.Location, opt connector.ReadOptions) (connector.Reader, error) {
	if err := connector.CheckOptions("commerceml", opt, "--encoding", "--key", "--price-type"); err != nil {
		return nil, err
	}
	o, err := parseOptions(opt)
	if err != nil {
		return nil, err
	}
	r := &reader{loc: loc, opt: o, progress: opt.Progress, info: connector.SourceInfo{Format: "commerceml"}}
	switch loc.Kind {
	case connector.KindFile, connector.KindStdin:
		if r.in, err = connector.OpenInput(loc, opt); err != nil {
			return nil, err
		}
	case connector.KindDir:
		if _, err := os.Stat(loc.Path); err != nil {
			return nil, fmt.Errorf("read %s: %w", loc, err)
		}
	default:
		return nil, fmt.Errorf("read %s: a CommerceML source is an .xml file, an exchange folder or a .zip package", loc)
	}
	return r, nil
}

type reader struct {
	loc      connector.Location
	opt      options
	progress func(done, total int64)
	in       *connector.Input // a single file or standard input
	zip      *zip.ReadCloser
	info     connector.SourceInfo
	encs     []string
	done     int64 // package bytes read, for progress
	total    int64
}

// Info describes the source; complete once Read has returned.
func (r *reader) Info() connector.SourceInfo { return r.info }

// Close closes the file or package.
func (r *reader) Close() error {
	var err error
	if r.in != nil {
		err = r.in.Close()
		r.in = nil
	}
	if r.zip != nil {
		if zerr := r.zip.Close(); err == nil {
			err = zerr
		}
		r.zip = nil
	}
	return err
}

// Read streams the items of the document or package to sink.
func (r *reader) Read(ctx context.Context, sink connector.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	run := newRun(ctx, sink, r.opt)
	err := r.read(run)
	run.info(&r.info)
	r.info.Encoding = strings.Join(r.encs, ", ")
	if run.fatal != nil {
		var pe *priceTypeError
		if errors.As(run.fatal, &pe) {
			return fmt.Errorf("read %s: %w", r.loc, run.fatal)
		}
		return run.fatal
	}
	return err
}

func (r *reader) read(run *run) error {
	if r.loc.Kind == connector.KindDir {
		parts, err := dirParts(r.loc.Path)
		if err != nil {
			return fmt.Errorf("read %s: %w", r.loc, err)
		}
		return r.pkg(run, parts)
	}
	head, err := r.in.Head()
	if err != nil {
		return err
	}
	if connector.IsZip(head) {
		if r.loc.Kind == connector.KindStdin {
			return fmt.Errorf("read -: a zip package cannot be read from standard input; save it as a file")
		}
		r.in.Close()
		r.in = nil
		if r.zip, err = zip.OpenReader(r.loc.Path); err != nil {
			return fmt.Errorf("read %s: not a readable zip package: %w", r.loc, err)
		}
		parts, err := zipParts(r.zip)
		if err != nil {
			return fmt.Errorf("read %s: %w", r.loc, err)
		}
		return r.pkg(run, parts)
	}
	if connector.IsOLE(head) {
		return fmt.Errorf("read %s: %w: it is an Excel 97-2003 workbook, not CommerceML XML", r.loc, connector.ErrUnsupported)
	}
	return r.single(run)
}

// single reads one document in one pass: its declarations precede its
// offers, so it needs no sniff.
func (r *reader) single(run *run) error {
	name := r.in.Name()
	defer func() { r.info.SHA256 = r.in.SHA256() }()
	dec, declared, err := decodeText(r.in, r.opt.encoding)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	d := newDoc(run, dec, name, modeStream)
	err = d.document()
	r.encoding(name, declared, dec)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	if !d.holdsOffers() {
		r.info.Notes = append(r.info.Notes, "the document holds no offers (ПакетПредложений), so no stock: read the whole exchange folder or zip package, with offers.xml")
	}
	return r.in.Drain()
}

// part is one XML file of a folder or zip package.
type part struct {
	name   string // relative, with forward slashes: what positions name
	size   int64
	open   func() (io.ReadCloser, error)
	stream bool // it carries stock: streamed, not indexed
	sum    string
}

// Limits on a zip package, checked against its directory before anything is
// unpacked (archive/zip then refuses entries that unpack to more than they
// declare). Real CommerceML packs 20 to 100 times (the fixtures' most
// repetitive file, a 3.x rests.xml of zeros, 83 times); a file claiming more
// than maxRatio is a zip bomb or damage, and the operator can still unpack it
// and pass the folder.
const (
	maxEntry = 2 << 30
	maxTotal = 4 << 30
	maxRatio = 500
)

func zipParts(z *zip.ReadCloser) ([]*part, error) {
	var parts []*part
	var total uint64
	for _, f := range z.File {
		if f.FileInfo().IsDir() || !isXMLName(f.Name) || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue
		}
		if err := connector.CheckZipEntry(f); err != nil {
			return nil, err
		}
		size := f.UncompressedSize64
		if size > maxEntry || size > f.CompressedSize64*maxRatio+4096 {
			return nil, fmt.Errorf("%s: refused: it claims to unpack to %d bytes from %d (more than %d bytes or %d times): a zip bomb or a damaged package; unpack it and pass the folder", f.Name, size, f.CompressedSize64, maxEntry, maxRatio)
		}
		if total += size; total > maxTotal {
			return nil, fmt.Errorf("refused: its XML files unpack to more than %d bytes", uint64(maxTotal))
		}
		parts = append(parts, &part{name: f.Name, size: int64(size), open: f.Open})
	}
	return parts, nil
}

func dirParts(root string) ([]*part, error) {
	var parts []*part
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			return nil
		}
		// A symbolic link is refused whatever its name: it may stand for a
		// folder of parts, which would otherwise be left out without a word.
		if isXMLName(p) || e.Type()&fs.ModeSymlink != 0 {
			if err := connector.CheckFolderEntry(filepath.Dir(p), e); err != nil {
				return err
			}
		}
		if !isXMLName(p) {
			return nil
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		parts = append(parts, &part{name: filepath.ToSlash(rel), size: fi.Size(), open: func() (io.ReadCloser, error) { return os.Open(p) }})
		return nil
	})
	return parts, err
}

func isXMLName(name string) bool { return strings.EqualFold(path.Ext(name), ".xml") }

// pkg reads a folder or zip package: sniff every file, index the files
// without stock, stream those with stock, then emit the indexed offers no
// streamed one claimed.
func (r *reader) pkg(run *run, parts []*part) error {
	slices.SortFunc(parts, func(a, b *part) int { return strings.Compare(a.name, b.name) })
	var use []*part
	for _, p := range parts {
		ok, err := r.sniff(run, p)
		if err != nil {
			return err
		}
		if ok {
			use = append(use, p)
			r.total += p.size
		}
	}
	if len(use) == 0 {
		return fmt.Errorf("read %s: no CommerceML document (root element %s) among its %d .xml files", r.loc, rootName, len(parts))
	}
	if err := run.resolvePrices(); err != nil {
		return err
	}
	// Indexed files first, so that every streamed offer finds its data.
	slices.SortStableFunc(use, func(a, b *part) int {
		switch {
		case a.stream == b.stream:
			return 0
		case b.stream:
			return -1
		}
		return 1
	})
	offers := false
	for _, p := range use {
		m := modeIndex
		if p.stream {
			m = modeStream
		}
		d, err := r.full(run, p, m)
		if err != nil {
			return err
		}
		offers = offers || d.holdsOffers()
	}
	if !offers {
		r.info.Notes = append(r.info.Notes, "the package holds no offers (ПакетПредложений), so no stock: only a catalogue was found")
	}
	if err := run.flush(); err != nil {
		return err
	}
	sums := make([]string, len(use))
	for i, p := range use {
		sums[i] = p.sum
	}
	r.info.SHA256 = connector.PackageDigest(sums)
	return nil
}

// sniff reads the start of a file: its declarations, and whether its first
// offers carry stock. A file that is not CommerceML is skipped with a note; one
// that starts as CommerceML and then breaks is an error.
func (r *reader) sniff(run *run, p *part) (bool, error) {
	rc, err := p.open()
	if err != nil {
		return false, r.partError(p, err)
	}
	defer rc.Close()
	dec, _, err := decodeText(rc, r.opt.encoding)
	if err != nil {
		return false, r.partError(p, err)
	}
	d := newDoc(run, dec, p.name, modeSniff)
	err = d.document()
	var garbled *textenc.DecodeError
	switch {
	case err == nil || errors.Is(err, errStop):
	case !d.rooted && (errors.Is(err, errNotCommerceML) || errors.Is(err, errSyntax) || errors.As(err, &garbled)):
		r.info.Notes = append(r.info.Notes, fmt.Sprintf("%s skipped: %v", p.name, err))
		return false, nil
	default:
		return false, r.partError(p, err)
	}
	p.stream = d.stock
	return true, nil
}

// full reads a whole file, hashing it for SourceInfo.SHA256.
func (r *reader) full(run *run, p *part, m mode) (*doc, error) {
	rc, err := p.open()
	if err != nil {
		return nil, r.partError(p, err)
	}
	defer rc.Close()
	c := &counter{r: rc, sum: sha256.New(), rd: r}
	dec, declared, err := decodeText(c, r.opt.encoding)
	if err != nil {
		return nil, r.partError(p, err)
	}
	d := newDoc(run, dec, p.name, m)
	if err := d.document(); err != nil {
		return nil, r.partError(p, err)
	}
	if _, err := io.Copy(io.Discard, c); err != nil {
		return nil, r.partError(p, err)
	}
	p.sum = hex.EncodeToString(c.sum.Sum(nil))
	r.encoding(p.name, declared, dec)
	return d, nil
}

func (r *reader) partError(p *part, err error) error {
	return fmt.Errorf("read %s: %s: %w", r.loc, p.name, err)
}

// counter hashes a package file and reports progress over the package.
type counter struct {
	r   io.Reader
	sum hash.Hash
	rd  *reader
}

func (c *counter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if n > 0 {
		c.sum.Write(b[:n])
		c.rd.done += int64(n)
		if c.rd.progress != nil {
			c.rd.progress(c.rd.done, c.rd.total)
		}
	}
	return n, err
}

// encoding records a file's encoding, and a note when its bytes contradict
// its XML declaration (Windows-1251 text declared as UTF-8, or undeclared,
// which XML reads as UTF-8).
func (r *reader) encoding(file, declared string, dec *textenc.Reader) {
	enc := dec.Encoding()
	if !slices.Contains(r.encs, enc) {
		r.encs = append(r.encs, enc)
	}
	if r.opt.encoding != "" {
		r.info.Notes = append(r.info.Notes, dec.Notes()...)
		return
	}
	if enc != textenc.Windows1251 {
		return
	}
	switch c, _ := textenc.Canonical(declared); {
	case declared == "":
		r.info.Notes = append(r.info.Notes, fmt.Sprintf("%s declares no encoding (XML then means UTF-8), but its bytes are Windows-1251: read as Windows-1251", file))
	case c == textenc.UTF8:
		r.info.Notes = append(r.info.Notes, fmt.Sprintf("%s declares encoding %q, but its bytes are Windows-1251: read as Windows-1251", file, declared))
	}
}

var _ connector.Format = Format{}
