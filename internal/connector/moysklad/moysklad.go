// Package moysklad reads MoySklad (МойСклад) JSON API 1.2 exports — the
// answers of its stock reports and of its assortment list saved as files —
// streaming their rows with flat memory:
//
//   - report/stock/all: one item per row;
//   - report/stock/bystore: one item per (row, warehouse), the warehouse being
//     the store's UUID with its name (--warehouse-map matches either);
//   - entity/assortment: one item per product or variant, with prices,
//     barcode, characteristics as properties, the product's SKU as a
//     variant's parent_sku, and the stock when the rows carry it;
//   - report/stock/all/current and report/stock/bystore/current, the bare
//     arrays of [{assortmentId, stock}].
//
// The kind is told by the rows' shape. The SKU is the article (--key
// article, the default) or MoySklad's code (--key code); a row without it is
// a problem whose value names the row's code and UUID. Codes repeat across a
// product and its variant, which the planner reports as a duplicate.
//
// Reports that name items only by UUID (bystore and the …/current reports)
// need the article or code from elsewhere: put their files in one folder with
// the pages of GET /entity/assortment, or of report/stock/all (which has both
// and the same UUIDs), and pass the folder; for …/current by store, GET
// /entity/store adds the warehouse names. Every *.json in the folder is read;
// the rows that name items are looked up, not yielded. A lone bystore file is
// refused with this advice.
//
// Stock on hand. The quantity is MoySklad's stock (Остаток). Its quantity
// (Доступно: stock − reserve + in transit) is never read as a quantity,
// since KeyCRM subtracts its own reserves and pushing it would subtract them
// twice; a …/current report of stockType=quantity or freeStock is refused.
// Negative stock is a problem row. Services and batches (consignment) are not
// SKUs and are skipped with a counted note; bundles are problems, because
// MoySklad computes their stock from their components.
//
// Prices are in kopecks: salePrice (or the first of salePrices, or the one
// --price-type price=NAME names) becomes the price and the cost price (price)
// or buyPrice the purchased price, each divided by 100 exactly, in the
// currency the row gives (salePrices with an expanded currency); a price of
// 0 is MoySklad's "not set" and stays unknown.
//
// Absent rows. A missing row is unknown, never zero. Export the reports with
// zero rows included — filter=quantityMode=all for report/stock/all and
// bystore, include=zeroLines for …/current — and every page (limit=1000,
// offset=0, 1000, …) into one folder. A file that is one page of a larger
// list (nextHref, offset, fewer rows than size), a filtered report (store,
// product, search…, a quantityMode or stockMode other than all) and a
// changedSince report are not full snapshots: the source is marked Delta, so
// nothing is zeroed from it. Where the file does not show how it was
// requested, a note says that absent rows are unknown.
package moysklad

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/textenc"
)

// Format reads MoySklad exports: *.json files, a folder of them, and
// standard input with --format moysklad.
type Format struct{}

// Name is the --format value.
func (Format) Name() string { return "moysklad" }

// Detect accepts *.json files (the contract gives them to MoySklad), and
// folders of *.json files, without XML, whose first file looks like a
// MoySklad answer.
func (Format) Detect(loc connector.Location, head []byte) bool {
	switch loc.Kind {
	case connector.KindFile:
		return loc.Ext == "json"
	case connector.KindDir:
		files, others, err := listFolder(loc.Path)
		if err != nil || len(files) == 0 {
			return false
		}
		for _, o := range others {
			if strings.EqualFold(filepath.Ext(o), ".xml") {
				return false
			}
		}
		h, err := readHead(filepath.Join(loc.Path, files[0]))
		return err == nil && looksMoySklad(h)
	}
	return false
}

// looksMoySklad tells a MoySklad answer from other JSON by its first bytes.
func looksMoySklad(head []byte) bool {
	s := string(head)
	return strings.Contains(s, "api.moysklad.ru") || strings.Contains(s, `"assortmentId"`) || strings.Contains(s, `"rows"`)
}

// Open checks the options and prepares the file or folder; nothing is read
// yet.
func (Format) Open(_ context.Context, loc connector.Location, opt connector.ReadOptions) (connector.Reader, error) {
	if err := connector.CheckOptions("moysklad", opt, "--encoding", "--key", "--price-type"); err != nil {
		return nil, err
	}
	r := &reader{loc: loc, opt: opt, key: "article", enc: textenc.UTF8, info: connector.SourceInfo{Format: "moysklad"}}
	switch opt.Key {
	case "", "article":
	case "code":
		r.key = "code"
	default:
		return nil, fmt.Errorf("--key %q: a MoySklad SKU is its article or its code", opt.Key)
	}
	for field := range opt.PriceTypes {
		if field != catalog.FieldPrice && field != catalog.FieldPurchasedPrice {
			return nil, fmt.Errorf("--price-type %s: MoySklad price types choose price or purchased_price", field)
		}
	}
	if opt.Encoding != "" {
		enc, err := textenc.Canonical(opt.Encoding)
		if err != nil {
			return nil, fmt.Errorf("--encoding: %w", err)
		}
		r.enc = enc
	}
	if loc.Kind == connector.KindDir {
		files, others, err := listFolder(loc.Path)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", loc, err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("read %s: no *.json files in the folder", loc)
		}
		r.files, r.others = files, others
		return r, nil
	}
	in, err := connector.OpenInput(loc, opt)
	if err != nil {
		return nil, err
	}
	r.in = in
	return r, nil
}

type reader struct {
	loc    connector.Location
	opt    connector.ReadOptions
	key    string
	enc    string
	in     *connector.Input // a file or standard input
	files  []string         // a folder's *.json files, sorted
	others []string         // its other files
	info   connector.SourceInfo
}

// Info describes the source; complete once Read has returned.
func (r *reader) Info() connector.SourceInfo { return r.info }

// Close closes the file (standard input stays open).
func (r *reader) Close() error {
	if r.in == nil {
		return nil
	}
	return r.in.Close()
}

// Read streams the rows to sink.
func (r *reader) Read(ctx context.Context, sink connector.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.in == nil {
		return r.readFolder(ctx, sink)
	}
	err := r.readFile(ctx, sink)
	r.info.SHA256 = r.in.SHA256()
	return err
}

// checkEvery is how many rows pass between looks at the context.
const checkEvery = 1024

// open starts reading in as a document, refusing spreadsheets and archives.
func (r *reader) open(in *connector.Input) (*doc, error) {
	head, err := in.Head()
	if err != nil {
		return nil, err
	}
	if err := connector.CheckText(head); err != nil {
		return nil, fmt.Errorf("read %s: %w", in.Name(), err)
	}
	d, err := newDoc(in.Name(), in, r.enc)
	if err != nil {
		return nil, err
	}
	r.info.Encoding = r.enc
	return d, d.start()
}

// eachRow calls fn with each row of d and its line; rows of the wrong JSON
// types go to s as problems. It returns the number of rows and the shape of
// the first.
func eachRow(ctx context.Context, d *doc, s *session, fn func(line int, r *row) error) (rows int, first shape, err error) {
	var rw row
	for {
		line, ok, typeErr, err := d.next(&rw)
		if err != nil || !ok {
			return rows, first, err
		}
		if rows++; rows%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return rows, first, err
			}
		}
		if typeErr != nil {
			s.typeProblem(d.name, line, typeErr)
			continue
		}
		if rows == 1 {
			first = rw.shape()
		}
		if err := fn(line, &rw); err != nil {
			return rows, first, err
		}
	}
}

// readFile reads one file or standard input.
func (r *reader) readFile(ctx context.Context, sink connector.Sink) error {
	name := r.in.Name()
	s := newSession(sink, r.key, r.opt.PriceTypes, false, &r.info)
	defer func() {
		r.info.Fields = s.fields.List()
		r.info.Notes = append(r.info.Notes, s.notes()...)
	}()
	d, err := r.open(r.in)
	if d != nil {
		defer func() { r.info.Notes = append(d.text.Notes(), r.info.Notes...) }()
	}
	if err != nil {
		return err
	}
	rows, first, err := eachRow(ctx, d, s, func(line int, rw *row) error {
		switch sh := rw.shape(); sh {
		case shapeEntity:
			return s.entityRow(name, line, rw)
		case shapeStore:
			return fmt.Errorf("read %s line %d: a list of MoySklad warehouses (entity/store), not stock: put it in a folder with the …/bystore/current report it names", name, line)
		default:
			return fmt.Errorf("read %s line %d: %s names items only by their MoySklad id, not by article or code: save the pages of GET /entity/assortment (or of report/stock/all) next to it in a folder and pass the folder", name, line, shapeName(sh))
		}
	})
	if err != nil {
		return err
	}
	if rows == 0 {
		r.info.Notes = append(r.info.Notes, "no rows in the export")
	}
	c := coverage{}
	if err := c.add(d, first, rows); err != nil {
		return err
	}
	c.conclude(&r.info)
	return nil
}

// shapeName names a report for messages.
func shapeName(sh shape) string {
	switch sh {
	case shapeByStore:
		return "report/stock/bystore"
	case shapeCurrent:
		return "report/stock/all/current"
	case shapeByStoreCurrent:
		return "report/stock/bystore/current"
	case shapeStore:
		return "entity/store"
	}
	return "the export"
}

// coverage decides whether what was read is a full snapshot: every page of
// each list, no filter that leaves items out, no changedSince.
type coverage struct {
	lists   map[string]*list
	order   []string
	current bool // a …/current report: no meta says how it was requested
	shown   bool // some page showed its request's parameters
	allQty  bool // and they included zero rows
	partial []string
}

// list is one list response (report or assortment) across the pages read.
type list struct {
	size    int64 // -1 when no page gave it
	rows    int64
	offsets map[int64]string
}

// add takes in one document.
func (c *coverage) add(d *doc, first shape, rows int) error {
	if d.bare {
		c.current = true
		return nil
	}
	if !d.hasMeta {
		return nil
	}
	name := listName(d.meta, first)
	if c.lists == nil {
		c.lists = map[string]*list{}
	}
	l := c.lists[name]
	if l == nil {
		l = &list{size: -1, offsets: map[int64]string{}}
		c.lists[name] = l
		c.order = append(c.order, name)
	}
	if prev, dup := l.offsets[d.meta.Offset]; dup {
		return fmt.Errorf("read %s: it holds the same page of %s (offset %d) as %s", d.name, name, d.meta.Offset, prev)
	}
	l.offsets[d.meta.Offset] = d.name
	l.rows += int64(rows)
	if d.meta.Size != nil {
		l.size = *d.meta.Size
	}
	if d.meta.NextHref != "" && len(l.offsets) == 1 && l.size < 0 {
		l.size = l.rows + 1 // at least one more row exists
	}
	q := d.meta.query()
	if len(q) > 0 {
		c.shown = true
	}
	if why := filtered(q); why != "" {
		c.partial = append(c.partial, fmt.Sprintf("%s is filtered (%s)", name, why))
	}
	if strings.Contains(q["filter"], "quantityMode=all") {
		c.allQty = true
	}
	return nil
}

// listName names a list by its href path ("report/stock/all"), else by its
// rows.
func listName(p page, first shape) string {
	h := p.Href
	if i := strings.IndexByte(h, '?'); i >= 0 {
		h = h[:i]
	}
	if i := strings.Index(h, "/1.2/"); i >= 0 {
		return h[i+len("/1.2/"):]
	}
	if p.Type != "" {
		return p.Type + " list"
	}
	return shapeName(first)
}

// filtered explains the request parameters that make a list partial.
func filtered(q map[string]string) string {
	var why []string
	if v := q["changedSince"]; v != "" {
		why = append(why, "changedSince="+v+": only the items changed since then")
	}
	for _, cond := range strings.Split(q["filter"], ";") {
		k, v, _ := strings.Cut(cond, "=")
		k = strings.TrimRight(strings.TrimSpace(k), "!<>")
		switch k {
		case "", "archived", "moment", "withSubFolders":
		case "stockMode", "quantityMode":
			if v != "all" {
				why = append(why, cond)
			}
		default:
			why = append(why, cond)
		}
	}
	return strings.Join(why, "; ")
}

// conclude sets Delta and the notes.
func (c *coverage) conclude(info *connector.SourceInfo) {
	for _, name := range c.order {
		l := c.lists[name]
		switch {
		case l.size >= 0 && l.rows < l.size:
			c.partial = append(c.partial, fmt.Sprintf("%s: %d of its %d rows are here (the other pages are missing)", name, l.rows, l.size))
		case l.offsets[0] == "":
			c.partial = append(c.partial, name+": its first page (offset 0) is missing")
		}
	}
	if len(c.partial) > 0 {
		info.Delta = true
		info.Notes = append(info.Notes, "not a full snapshot, so absent items are unknown and nothing will be zeroed from it: "+strings.Join(c.partial, "; ")+
			"; save every page of an unfiltered export into one folder and pass the folder")
		return
	}
	switch {
	case c.current:
		info.Notes = append(info.Notes, "a …/current report leaves out zero rows unless requested with include=zeroLines (and holds only changed items with changedSince): absent items are unknown, not 0")
	case len(c.order) > 0 && !c.allQty && slices.ContainsFunc(c.order, func(n string) bool { return strings.HasPrefix(n, "report/") }):
		what := "the file does not show how the report was requested"
		if c.shown {
			what = "the report was requested without filter=quantityMode=all"
		}
		info.Notes = append(info.Notes, "MoySklad stock reports leave out the items whose available quantity is 0 unless requested with filter=quantityMode=all, and "+what+": absent items are unknown, not 0")
	}
}

// listFolder lists a folder's *.json files and its other files, sorted.
func listFolder(dir string) (files, others []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if strings.EqualFold(filepath.Ext(e.Name()), ".json") {
			if err := connector.CheckFolderEntry(dir, e); err != nil {
				return nil, nil, err
			}
			files = append(files, e.Name())
		} else {
			others = append(others, e.Name())
		}
	}
	return files, others, nil
}

func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 4<<10)
	n, _ := f.Read(buf)
	return buf[:n], nil
}

// folderFile is one file of a folder and what it holds.
type folderFile struct {
	name, path string
	shape      shape
	assortment bool // entity rows of the assortment, not of a report
	digest     string
}

// readFolder reads a folder: the assortment and warehouse lists first, to
// name the rows of the reports, then the reports.
func (r *reader) readFolder(ctx context.Context, sink connector.Sink) error {
	s := newSession(sink, r.key, r.opt.PriceTypes, true, &r.info)
	defer func() {
		r.info.Fields = s.fields.List()
		r.info.Notes = append(r.info.Notes, s.notes()...)
	}()
	files := make([]*folderFile, len(r.files))
	var total int64
	for i, name := range r.files {
		f := &folderFile{name: name, path: filepath.Join(r.loc.Path, name)}
		if err := r.peek(f); err != nil {
			return err
		}
		if fi, err := os.Stat(f.path); err == nil {
			total += fi.Size()
		}
		files[i] = f
	}
	if len(r.others) > 0 {
		r.info.Notes = append(r.info.Notes, "files other than *.json were not read: "+strings.Join(r.others, ", "))
	}
	// Rows with an article and a code — the assortment, and report/stock/all
	// when per-warehouse reports need naming — are looked up, not yielded.
	byStore := slices.ContainsFunc(files, func(f *folderFile) bool { return f.shape == shapeByStore || f.shape == shapeByStoreCurrent })
	var lookups, sources []*folderFile
	var perStore, totals []string
	for _, f := range files {
		switch {
		case f.shape == shapeStore || f.shape == shapeEntity && (f.assortment || byStore):
			lookups = append(lookups, f)
			continue
		case f.shape == shapeByStore || f.shape == shapeByStoreCurrent:
			perStore = append(perStore, f.name)
		default:
			totals = append(totals, f.name)
		}
		sources = append(sources, f)
	}
	if len(perStore) > 0 && len(totals) > 0 {
		return fmt.Errorf("read %s: the folder mixes per-warehouse reports (%s) with totals (%s): keep one kind", r.loc, strings.Join(perStore, ", "), strings.Join(totals, ", "))
	}
	if len(sources) == 0 {
		// An assortment alone is the source; read once to know every
		// product, then again for the items.
		for _, f := range lookups {
			if f.shape == shapeEntity {
				sources = append(sources, f)
			}
		}
	}
	var done int64
	progress := func(base int64) func(int64, int64) {
		if r.opt.Progress == nil {
			return nil
		}
		return func(n, _ int64) { r.opt.Progress(base+n, total) }
	}
	cov := coverage{}
	read := func(f *folderFile, lookup bool) error {
		opt := r.opt
		opt.Progress = progress(done)
		loc, _ := connector.ParseLocation(f.path)
		in, err := connector.OpenInput(loc, opt)
		if err != nil {
			return err
		}
		defer in.Close()
		d, err := r.open(in)
		if err == nil {
			var rows int
			var first shape
			rows, first, err = eachRow(ctx, d, s, func(line int, rw *row) error {
				if lookup {
					if sh := rw.shape(); sh != shapeEntity && sh != shapeStore {
						return fmt.Errorf("read %s line %d: %s rows in a file of %s rows", f.path, line, shapeName(sh), shapeName(f.shape))
					}
					s.remember(rw)
					return nil
				}
				return r.sourceRow(s, f, line, rw)
			})
			if err == nil && !lookup {
				err = cov.add(d, first, rows)
			}
			r.info.Notes = append(r.info.Notes, d.text.Notes()...)
		}
		if err == nil {
			err = in.Drain()
		}
		f.digest = in.SHA256()
		done += in.Size()
		return err
	}
	for _, f := range lookups {
		if err := read(f, true); err != nil {
			return err
		}
	}
	for _, f := range sources {
		if err := read(f, false); err != nil {
			return err
		}
	}
	cov.conclude(&r.info)
	digests := make([]string, len(files))
	for i, f := range files {
		digests[i] = f.digest
	}
	r.info.SHA256 = connector.PackageDigest(digests)
	return nil
}

// sourceRow reads one row of a folder's report (or lone assortment).
func (r *reader) sourceRow(s *session, f *folderFile, line int, rw *row) error {
	switch sh := rw.shape(); sh {
	case shapeEntity:
		return s.entityRow(f.path, line, rw)
	case shapeByStore, shapeCurrent, shapeByStoreCurrent:
		if len(s.entities) == 0 {
			return fmt.Errorf("read %s: %s names items only by their MoySklad id: the folder needs the pages of GET /entity/assortment (or of report/stock/all) too", f.path, shapeName(sh))
		}
		if sh == shapeByStore {
			return s.byStoreRow(f.path, line, rw)
		}
		return s.currentRow(f.path, line, rw, sh == shapeByStoreCurrent)
	default:
		return fmt.Errorf("read %s line %d: %s rows in a file of %s rows", f.path, line, shapeName(sh), shapeName(f.shape))
	}
}

// peek reads a folder file up to its first row to learn what it holds.
func (r *reader) peek(f *folderFile) error {
	loc, _ := connector.ParseLocation(f.path)
	in, err := connector.OpenInput(loc, connector.ReadOptions{})
	if err != nil {
		return err
	}
	defer in.Close()
	d, err := r.open(in)
	if err != nil {
		return err
	}
	var rw row
	line, ok, typeErr, err := d.next(&rw)
	switch {
	case err != nil:
		return err
	case typeErr != nil:
		return fmt.Errorf("read %s line %d: the first row is not a MoySklad row (%s)", f.path, line, typeErr.Field)
	case ok:
		f.shape, f.assortment = rw.shape(), rw.isAssortment()
	default:
		switch d.meta.Type {
		case "store":
			f.shape = shapeStore
		case "assortment", "product", "variant", "bundle", "service":
			f.assortment = true
		case "stockbystore":
			f.shape = shapeByStore
		}
	}
	return nil
}

var _ connector.Format = Format{}
