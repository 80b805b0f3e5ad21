// Package diff implements `keycrm-sync diff`: a read-only comparison of a source with
// KeyCRM, or of two sources, whose exit code answers "are we in sync?" for cron and
// CI.
package diff

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/readflow"
	"github.com/keycrm-sync/keycrm-sync/internal/render"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
	"github.com/keycrm-sync/keycrm-sync/internal/target/keycrmstock"
)

// Options are diff's inputs.
type Options struct {
	F            *cmdutil.Factory
	From         string
	Against      string
	Fields       []string
	Warehouse    int64
	WarehouseMap []string
	Stock        string
	Ignore       []string
	Read         readflow.Flags
	// AgainstRead are the reader flags of --against LOCATION, each the
	// --against-… twin of a --from flag, so both sides can be read alike.
	AgainstRead readflow.Flags
	// WithKeyCRM compares --from, --against and KeyCRM at once.
	WithKeyCRM bool
}

// readKeyCRM reads KeyCRM's whole stock, with a progress bar.
func readKeyCRM(ctx context.Context, f *cmdutil.Factory) (plan.Snapshot, plan.Target, error) {
	client, err := f.KeyCRM()
	if err != nil {
		return plan.Snapshot{}, plan.Target{}, err
	}
	stock := keycrmstock.New(client)
	bar := f.IO.Progress("reading KeyCRM", -1, false)
	snap, err := stock.Snapshot(ctx, target.Need{Full: true, Progress: func(done, total int) {
		bar.SetTotal(int64(total))
		bar.Set(done)
	}})
	bar.Finish()
	return snap, stock.Describe(), err
}

// againstSide is the --against location, read as the target side with its own
// --against-… reader flags. Two files are read alongside each other: a diff of
// two large files then takes one file's time on two cores, not both in turn.
type againstSide struct {
	o    *Options
	read func() // reads into src and err
	done chan struct{}
	src  *readflow.Source
	err  error
}

// startAgainst starts reading --against when alongside is set; otherwise result
// reads it.
func (o *Options) startAgainst(ctx context.Context, idx plan.IndexOptions, alongside bool) *againstSide {
	a := &againstSide{o: o}
	aopt, err := o.AgainstRead.OtherOptions(o.F)
	if err != nil {
		a.err = err // reported by result, after --from's errors, as ever
		return a
	}
	// Alongside --from, the bar is --from's; the lines come after its lines.
	read := func() { a.src, a.err = readflow.ReadQuiet(ctx, o.F, o.Against, aopt, idx, !alongside) }
	if !alongside {
		a.read = read
		return a
	}
	a.done = make(chan struct{})
	go func() {
		defer close(a.done)
		read()
	}()
	return a
}

// wait returns once a read started alongside has ended.
func (a *againstSide) wait() {
	if a.done != nil {
		<-a.done
	}
}

// result reads --against, or waits for it, and makes it the target side.
func (a *againstSide) result() (plan.Snapshot, plan.Target, error) {
	if a.read != nil {
		a.read()
		a.read = nil
	}
	a.wait()
	err := a.err
	if err == nil {
		a.src.Report(a.o.F)
		need := a.o.Fields
		if slices.Contains(a.src.Info.Fields, catalog.FieldQuantity) {
			// As the target, its stock tells availability when it
			// has no in-stock flag of its own.
			need = slices.DeleteFunc(slices.Clone(need), func(f string) bool { return f == catalog.FieldAvailable })
		}
		err = a.src.Require(need)
	}
	if err != nil {
		return plan.Snapshot{}, plan.Target{}, fmt.Errorf("--against: %w", err)
	}
	snap, err := a.src.Index.AsTarget()
	return snap, plan.Target{Location: a.src.Location.String()}, err
}

// bothFiles reports whether both locations are local files or folders, which
// may be read at once; stdin, databases and shops are read one after the other.
func bothFiles(a, b string) bool {
	for _, s := range []string{a, b} {
		loc, err := connector.ParseLocation(s)
		if err != nil || loc.Kind != connector.KindFile && loc.Kind != connector.KindDir {
			return false
		}
	}
	return true
}

// threeWay prints diff --with-keycrm's report: one verdict per SKU of --from,
// --against and KeyCRM, exit 1 unless every SKU is the same everywhere.
func (o *Options) threeWay(src *readflow.Source, againstName string, against, crm plan.Snapshot) error {
	from, err := src.Index.AsTarget()
	if err != nil {
		return err
	}
	available := o.Stock == string(plan.Available)
	r := compareSides([]side{
		newSide(src.Location.String(), from, 0, false),
		newSide(againstName, against, 0, false),
		newSide(plan.KeyCRM, crm, o.Warehouse, available),
	}, slices.Contains(o.Ignore, ignoreMissingInSource), slices.Contains(o.Ignore, ignoreMissingInTarget))
	if err := render.Write(o.F.IO.Out, o.F.Global.Output, r.view()); err != nil {
		return err
	}
	o.F.IO.Logf("%s", r.summary())
	if !r.InSync {
		return cmdutil.ErrDifferences
	}
	return nil
}

// comparable are the fields diff can compare with KeyCRM's stock rows.
var comparable = []string{catalog.FieldQuantity, catalog.FieldAvailable, catalog.FieldPrice, catalog.FieldPurchasedPrice}

// Ignorable classes of --ignore.
const (
	ignoreMissingInSource = "missing-in-source"
	ignoreMissingInTarget = "missing-in-target"
	ignoreDuplicates      = "duplicates"
	ignoreProblems        = "problems"
)

var ignorable = []string{ignoreMissingInSource, ignoreMissingInTarget, ignoreDuplicates, ignoreProblems}

// NewCmdDiff builds the command; runF replaces run in tests.
func NewCmdDiff(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "diff --from SRC [--against keycrm|LOCATION]",
		Short: "Compare a source with KeyCRM (or with another source); exit 1 when they differ",
		Long: `diff compares the source with KeyCRM, or with a second source given by
--against, and prints the differences in the plan format. It never writes and
takes no lock; --against LOCATION needs no API key. Exit status: 0 in sync,
1 differences found, 2 error.`,
		Example: `  keycrm-sync diff --from stock.xlsx
  keycrm-sync diff --from stock.csv --warehouse 1 --fields quantity,price -o json
  keycrm-sync diff --from shop.csv --against erp.xlsx --ignore missing-in-source`,
		Args: cobra.NoArgs,
		RunE: cmdutil.RunE(opts, opts.validate, runF, run),
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.From, "from", "", "source `LOCATION`: a file, a folder or zip package, - for stdin, or a database URL")
	fl.StringVar(&opts.Against, "against", "keycrm", "compare with KeyCRM, or with another source `LOCATION`")
	fl.BoolVar(&opts.WithKeyCRM, "with-keycrm", false, "with --against LOCATION: compare --from, --against and KeyCRM, one verdict per SKU")
	fl.StringSliceVar(&opts.Fields, "fields", []string{catalog.FieldQuantity}, "fields to compare: quantity, available, price, purchased_price")
	fl.Int64Var(&opts.Warehouse, "warehouse", 0, "compare stock in this KeyCRM warehouse `ID` (default: the total over all warehouses)")
	fl.StringArrayVar(&opts.WarehouseMap, "warehouse-map", nil, "route source warehouse `NAME=ID` to a KeyCRM warehouse; repeatable")
	fl.StringVar(&opts.Stock, "stock", string(plan.OnHand), "KeyCRM stock to compare: on-hand, or available (on hand minus reserve, at least 0)")
	fl.StringSliceVar(&opts.Ignore, "ignore", nil, "leave missing-in-source, missing-in-target, duplicates and/or problems out of the verdict (still listed)")
	readflow.AddFlags(cmd, &opts.Read)
	readflow.AddAgainstFlags(cmd, &opts.AgainstRead)
	return cmd
}

func (o *Options) validate() error {
	if o.From == "" {
		return cmdutil.UsageErrorf("diff needs --from SRC")
	}
	if o.Warehouse != 0 && len(o.WarehouseMap) > 0 {
		return cmdutil.UsageErrorf("%v", plan.ErrWarehouseOptions)
	}
	for _, field := range o.Fields {
		if !slices.Contains(comparable, field) {
			return cmdutil.UsageErrorf("--fields: cannot compare %q (fields: %s)", field, strings.Join(comparable, ", "))
		}
	}
	if o.Stock != string(plan.OnHand) && o.Stock != string(plan.Available) {
		return cmdutil.UsageErrorf("--stock is on-hand or available, not %q", o.Stock)
	}
	if o.WithKeyCRM && o.Against == "keycrm" {
		return cmdutil.UsageErrorf("--with-keycrm needs --against LOCATION, the third location to compare")
	}
	if o.WithKeyCRM && !slices.Equal(o.Fields, []string{catalog.FieldQuantity}) {
		return cmdutil.UsageErrorf("--with-keycrm compares quantity only, not --fields %s", strings.Join(o.Fields, ","))
	}
	for _, class := range o.Ignore {
		if !slices.Contains(ignorable, class) {
			return cmdutil.UsageErrorf("--ignore takes %s, not %q", strings.Join(ignorable, ", "), class)
		}
	}
	return nil
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	idx := plan.IndexOptions{Warehouse: opts.Warehouse}
	for _, field := range opts.Fields {
		if field != catalog.FieldQuantity {
			idx.Fields = append(idx.Fields, field)
		}
	}
	if len(opts.WarehouseMap) > 0 {
		m, err := readflow.WarehouseMap(f, opts.WarehouseMap)
		if err != nil {
			return err
		}
		idx.WarehouseMap = m
	}
	readOpt, err := opts.Read.Options(f)
	if err != nil {
		return err
	}
	toKeyCRM := opts.Against == "keycrm" || opts.WithKeyCRM
	if toKeyCRM {
		// Fail on a missing key before reading a large file.
		if _, err := f.KeyCRM(); err != nil {
			return err
		}
	} else if _, err := f.Rate(); err != nil {
		// Unused without KeyCRM, yet a wrong value is a mistake to name now
		// rather than on the next run against KeyCRM.
		return err
	}
	var against *againstSide
	if opts.Against != "keycrm" {
		readCtx, cancel := context.WithCancel(ctx)
		against = opts.startAgainst(readCtx, idx, !opts.WithKeyCRM && bothFiles(opts.From, opts.Against))
		defer func() {
			cancel() // on an early return (--from failed), stop reading --against
			against.wait()
		}()
	}
	src, err := readflow.Read(ctx, f, opts.From, readOpt, idx)
	if err != nil {
		return err
	}
	if err := src.Require(opts.Fields); err != nil {
		return err
	}
	popt := plan.Options{
		Command: plan.CmdDiff,
		Source:  src.PlanSource(),
		DryRun:  true,
		Delta:   src.Info.Delta,
		Fields:  opts.Fields,
		Stock:   plan.StockMode(opts.Stock),
	}
	var snap, crm plan.Snapshot
	if toKeyCRM {
		if crm, popt.Target, err = readKeyCRM(ctx, f); err != nil {
			return err
		}
		snap = crm
	}
	if opts.Against != "keycrm" {
		if snap, popt.Target, err = against.result(); err != nil {
			return err
		}
	}
	if opts.WithKeyCRM {
		return opts.threeWay(src, popt.Target.Location, snap, crm)
	}
	p, err := plan.Compute(src.Index, snap, popt)
	if err != nil {
		return cmdutil.UsageErrorf("%v", err)
	}
	if err := render.Plan(f.IO.Out, p, f.Global.Output, f.IO.TableWidth()); err != nil {
		return err
	}
	f.IO.Logf("%s", render.Summary(p))
	if line := render.MissingInSourceLine(p); line != "" {
		f.IO.Logf("%s", line)
	}
	if note := p.NearMatchNote(); note != "" {
		f.IO.Logf("diff: %s", note)
	}
	for _, w := range p.Warnings {
		f.IO.Logf("diff: warning: %s", w)
	}
	if opts.Read.Strict {
		if err := readflow.Strict(p); err != nil {
			return err
		}
	}
	if p.Differs(plan.Ignore{
		MissingInSource: slices.Contains(opts.Ignore, ignoreMissingInSource),
		MissingInTarget: slices.Contains(opts.Ignore, ignoreMissingInTarget),
		Duplicates:      slices.Contains(opts.Ignore, ignoreDuplicates),
		Problems:        slices.Contains(opts.Ignore, ignoreProblems),
	}) {
		return cmdutil.ErrDifferences
	}
	return nil
}
