package filetarget

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Change is one stock cell Update rewrites.
type Change struct {
	SKU string
	// Row is the row (the line for CSV and YML) the SKU is on, 1-based.
	Row  int
	From catalog.Num
	To   decimal.Decimal
}

// UpdateResult says what Update changed, or with Options.DryRun would change.
type UpdateResult struct {
	// Column is the stock column's header (CSV, XLSX) or the stock element
	// (YML) that was rewritten.
	Column string
	// Changed lists the rewritten cells in file order.
	Changed []Change
	// Unchanged counts the matched rows that already held their value.
	Unchanged int
	// NotInValues lists, in file order, the file's SKUs that values lacks
	// (KeyCRM does not know them): their rows are left as they are.
	NotInValues []string
	// NotInFile lists, sorted, the SKUs of values the file lacks: Update never
	// adds rows.
	NotInFile []string
	// Duplicates lists the rows of each SKU found on several rows; none of
	// them is changed, as which one the shop reads is unknown.
	Duplicates map[string][]int
}

// Update rewrites the stock cell of each row of the existing file dst whose
// SKU is in values, and nothing else: a shop's import file or a marketplace
// feed keeps its other columns, elements, quoting, encoding, delimiter and line
// ends. Formats: CSV (byte for byte outside the rewritten cells), XLSX (the
// cells' values; excelize re-saves the workbook) and YML (the quantity element
// and the available attribute of each offer). The file is replaced atomically,
// as by Write. A file whose SKU or stock column cannot be found is an error
// naming the headers found.
func Update(ctx context.Context, dst string, values map[string]decimal.Decimal, opt Options) (*UpdateResult, error) {
	format, err := opt.format(dst)
	if err != nil {
		return nil, err
	}
	if dst == "-" {
		return nil, fmt.Errorf("--update needs a file to update, not standard output")
	}
	var u updater
	switch format {
	case FormatCSV:
		u, err = loadCSV(dst, opt)
	case FormatXLSX:
		u, err = loadXLSX(dst, opt)
	case FormatYML:
		u, err = loadYML(dst, opt)
	default:
		return nil, fmt.Errorf("--update %s: only CSV, XLSX and YML files are updated in place; %s files are written whole", dst, format)
	}
	if err != nil {
		return nil, err
	}
	if c, ok := u.(io.Closer); ok {
		defer c.Close()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, changes := match(u.entries(), values)
	res.Column = u.column()
	if opt.DryRun || len(changes) == 0 {
		return res, nil
	}
	if err := replaceFile(dst, opt, func(w io.Writer) error { return u.write(w, changes) }); err != nil {
		return nil, err
	}
	return res, nil
}

// entry is a data row of a file being updated.
type entry struct {
	sku  string
	row  int
	from catalog.Num
	// flag is a feed offer's available attribute, which must say whether the
	// new stock is above 0; unknown where the file has none.
	flag catalog.Flag
	// flagOnly marks a feed without quantity elements (Epicentr's): only the
	// available attribute is compared and written.
	flagOnly bool
}

// edit is a change to make: the entry's index and its new value.
type edit struct {
	index int
	to    decimal.Decimal
}

// updater is one format's file, loaded and split into entries.
type updater interface {
	entries() []entry
	column() string
	// write writes the file with the edits made, in entry order.
	write(w io.Writer, edits []edit) error
}

// match decides which entries change.
func match(entries []entry, values map[string]decimal.Decimal) (*UpdateResult, []edit) {
	res := &UpdateResult{Duplicates: map[string][]int{}}
	rows := map[string][]int{}
	for _, e := range entries {
		rows[e.sku] = append(rows[e.sku], e.row)
	}
	var edits []edit
	for i, e := range entries {
		to, ok := values[e.sku]
		switch {
		case len(rows[e.sku]) > 1:
			res.Duplicates[e.sku] = rows[e.sku]
		case !ok:
			res.NotInValues = append(res.NotInValues, e.sku)
		case e.flagOnly && e.flag == stockFlag(to),
			e.from.Known && e.from.V.Cmp(to) == 0 && (e.flag == catalog.FlagUnknown || e.flag == stockFlag(to)):
			res.Unchanged++
		default:
			res.Changed = append(res.Changed, Change{SKU: e.sku, Row: e.row, From: e.from, To: to})
			edits = append(edits, edit{index: i, to: to})
		}
	}
	for sku := range values {
		if _, ok := rows[sku]; !ok {
			res.NotInFile = append(res.NotInFile, sku)
		}
	}
	slices.Sort(res.NotInFile)
	return res, edits
}

// stockFlag is the availability a stock level means.
func stockFlag(q decimal.Decimal) catalog.Flag {
	if q.Sign() > 0 {
		return catalog.FlagYes
	}
	return catalog.FlagNo
}
