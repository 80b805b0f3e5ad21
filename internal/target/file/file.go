// Package file is a file or marketplace feed as a write target (pull-stock --to FILE):
// the plan compares KeyCRM's stock with the file's current values, and a write
// replaces the whole file atomically with every row, so a failed write leaves the old
// file as it was.
package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/xlsx"
	"github.com/keycrm-sync/keycrm-sync/internal/filetarget"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// File writes rows to one file.
type File struct {
	dst    string
	format string
	opt    filetarget.Options
	stdout io.Writer
	rows   []filetarget.Row
	// update rewrites only the stock cells of the file's matched rows
	// (--update), keeping every other byte.
	update bool
}

var _ target.Keeper = (*File)(nil)

// New returns the target writing rows to dst in format (as --format names it; ""
// means by the extension). The rows are the file's whole content: a write puts every
// one of them, whichever entries changed.
func New(dst, format string, opt filetarget.Options, stdout io.Writer, rows []filetarget.Row) *File {
	opt.Format = format
	return &File{dst: dst, format: format, opt: opt, stdout: stdout, rows: rows}
}

// WithRows returns a copy of f that writes rows.
func (f *File) WithRows(rows []filetarget.Row) *File {
	w := *f
	w.rows = rows
	return &w
}

// Updating returns a copy of f that rewrites only the stock cells of the rows the
// existing file holds (--update): its other columns, order, encoding and delimiter
// stay, SKUs it lacks are not added and SKUs KeyCRM lacks are left as they are.
func (f *File) Updating() *File {
	u := *f
	u.update = true
	return &u
}

// FromPlan is the target a saved pull-stock plan (apply) or a journaled pull (revert)
// writes to. A plan keeps only its entries, not the file's other columns or the
// options that shaped it, so the file is updated as --update does: the stock cells
// of the rows the plan changes, every other byte kept. Restore puts a kept copy back
// whatever the format.
func FromPlan(p *plan.Plan, stdout io.Writer, lim xlsx.Limits) *File {
	rows := make([]filetarget.Row, 0, len(p.Changes))
	for _, c := range p.Changes {
		if q, ok := c.To.Number(); ok && c.Field == catalog.FieldQuantity {
			rows = append(rows, filetarget.Row{SKU: c.SKU, Quantity: q})
		}
	}
	return New(p.Target.Location, p.Target.Format, filetarget.Options{XLSXLimits: lim}, stdout, rows).Updating()
}

var _ target.PlanChecker = (*File)(nil)

// CheckPlan refuses, before anything is written, a saved plan that adds rows: a
// whole new file, or SKUs the file lacks. Their prices and names are not in the
// plan, so only pull-stock, which reads them from KeyCRM, can write them.
func (f *File) CheckPlan(p *plan.Plan) error {
	if added := len(p.Added()); added > 0 {
		return fmt.Errorf("the plan adds %d row(s) to %s, which apply cannot write (a plan keeps the stock, not the rows' prices and names); run pull-stock --to %s again", added, f.dst, f.dst)
	}
	return nil
}

// Describe names the file and its format: the --format given, else the one its
// extension says, so that apply and revert write it the same way.
func (f *File) Describe() plan.Target {
	format := f.format
	if resolved, err := filetarget.FormatOf(f.dst, f.opt); err == nil && f.dst != "-" {
		format = resolved
	}
	return plan.Target{Location: f.dst, Format: format, WarehouseIDs: []int64{}}
}

// Snapshot reads the file's current values; a file not written yet has none.
func (f *File) Snapshot(ctx context.Context, _ target.Need) (plan.Snapshot, error) {
	cur, err := filetarget.Current(ctx, f.dst, f.opt)
	if err != nil {
		return plan.Snapshot{}, err
	}
	snap := plan.Snapshot{Complete: true, Problems: cur.Problems}
	for _, sku := range slices.Sorted(maps.Keys(cur.Values)) {
		v := cur.Values[sku]
		snap.Offers = append(snap.Offers, plan.Offer{SKU: sku,
			Total: plan.Stock{Quantity: v.Quantity.V, Unknown: !v.Quantity.Known}})
	}
	for _, sku := range slices.Sorted(maps.Keys(cur.Duplicates)) {
		snap.Duplicates = append(snap.Duplicates, plan.Duplicate{SKU: sku, Rows: cur.Duplicates[sku], Side: plan.SideTarget})
		if snap.Excluded == nil {
			snap.Excluded = map[string]bool{}
		}
		snap.Excluded[sku] = true
	}
	return snap, nil
}

// Fields is the one field a file carries from KeyCRM's stock.
func (f *File) Fields() []string { return []string{catalog.FieldQuantity} }

// BatchSize is 0: the file is written whole, in one write.
func (f *File) BatchSize() int { return 0 }

// Write replaces the file with every row, or with --update its stock cells.
func (f *File) Write(ctx context.Context, _ target.Batch) error {
	if !f.update {
		return filetarget.Write(ctx, f.dst, f.stdout, f.rows, f.opt)
	}
	values := make(map[string]decimal.Decimal, len(f.rows))
	for _, r := range f.rows {
		values[r.SKU] = r.Quantity
	}
	_, err := filetarget.Update(ctx, f.dst, values, f.opt)
	return err
}

// Refused says a failed write applied nothing: the file is replaced atomically, so
// the old one stays until the new one is complete.
func (f *File) Refused(error, target.Batch) ([]int, bool) { return nil, true }

// Size is the file's size; a file not written yet does not exist.
func (f *File) Size() (int64, bool, error) {
	fi, err := os.Stat(f.dst)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return fi.Size(), true, nil
}

// Keep copies the file's bytes as they are.
func (f *File) Keep(w io.Writer) error {
	in, err := os.Open(f.dst)
	if err != nil {
		return err
	}
	defer in.Close()
	_, err = io.Copy(w, in)
	return err
}

// Restore puts back the kept bytes atomically, or removes a file the run created.
func (f *File) Restore(ctx context.Context, r io.Reader) error {
	if r == nil {
		if err := os.Remove(f.dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	return filetarget.Restore(ctx, f.dst, r, f.opt)
}
