// Package pushstock implements `keycrm-sync push-stock`: make KeyCRM's on-hand stock
// equal to a source, writing only what changed, by offer id.
package pushstock

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/readflow"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
	"github.com/keycrm-sync/keycrm-sync/internal/target/keycrmstock"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
)

// errNeedWarehouse says where push-stock writes are missing from the command line.
var errNeedWarehouse = errors.New("push-stock needs --warehouse ID or --warehouse-map NAME=ID")

// Options are push-stock's inputs.
type Options struct {
	F            *cmdutil.Factory
	From         string
	Warehouse    int64
	WarehouseMap []string
	Missing      string
	Read         readflow.Flags
	Write        writeflow.Options
}

// NewCmdPushStock builds the command; runF replaces run in tests.
func NewCmdPushStock(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "push-stock --from SRC (--warehouse ID | --warehouse-map NAME=ID...)",
		Short: "Make KeyCRM's stock equal to a source (file, export or database)",
		Long: `push-stock reads a stock source (CSV, XLSX, JSON lines, ERP exports, ...), reads
KeyCRM's stock with as few requests as the API allows, and plans the changes that
make KeyCRM's on-hand quantity (залишок) equal to the source in the chosen
warehouse(s). It prints the plan, refuses suspicious plans (guards), asks before
writing (or needs --yes), journals every value it replaces and reads back what it
wrote. Offers the source lacks are kept unless --missing zero.`,
		Example: `  keycrm-sync push-stock --from stock.xlsx --warehouse 1 --dry-run
  keycrm-sync push-stock --from /srv/1c/exchange --warehouse-map "Склад Київ=3" --yes
  cat stock.jsonl | keycrm-sync push-stock --from - --warehouse 1 --yes -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.From == "" {
				return cmdutil.UsageErrorf("push-stock needs --from SRC")
			}
			if opts.Missing != "keep" && opts.Missing != "zero" {
				return cmdutil.UsageErrorf("--missing is keep or zero, not %q", opts.Missing)
			}
			if opts.Warehouse != 0 && len(opts.WarehouseMap) > 0 {
				return cmdutil.UsageErrorf("%v", plan.ErrWarehouseOptions)
			}
			if opts.Warehouse < 0 {
				return cmdutil.UsageErrorf("--warehouse must be a KeyCRM warehouse id, not %d", opts.Warehouse)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.From, "from", "", "source `LOCATION`: a file, a folder or zip package, - for stdin, or a database URL")
	fl.Int64Var(&opts.Warehouse, "warehouse", 0, "KeyCRM warehouse `ID` to write to (see keycrm-sync doctor)")
	fl.StringArrayVar(&opts.WarehouseMap, "warehouse-map", nil, "route source warehouse `NAME=ID` to a KeyCRM warehouse; repeatable")
	fl.StringVar(&opts.Missing, "missing", "keep", "KeyCRM offers the source lacks: keep, or zero (guarded)")
	readflow.AddFlags(cmd, &opts.Read)
	writeflow.AddFlags(cmd, &opts.Write)
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	// The write flow needs the limits only after reading; a mistyped one must
	// not cost a long read of the source and KeyCRM first.
	if err := opts.Write.Check(f); err != nil {
		return err
	}
	client, err := f.KeyCRM()
	if err != nil {
		return err
	}
	idx := plan.IndexOptions{Warehouse: opts.Warehouse}
	if opts.Warehouse == 0 {
		if idx.WarehouseMap, err = readflow.WarehouseMap(f, opts.WarehouseMap); err != nil {
			return err
		}
		if len(idx.WarehouseMap) == 0 {
			return cmdutil.UsageErrorf("%w (find the ids with keycrm-sync doctor)", errNeedWarehouse)
		}
	}
	readOpt, err := opts.Read.Options(f)
	if err != nil {
		return err
	}
	release, err := opts.Write.Lock(f)
	if err != nil {
		return err
	}
	defer release()
	src, err := readflow.Read(ctx, f, opts.From, readOpt, idx)
	if err != nil {
		return err
	}
	if err := src.Require([]string{catalog.FieldQuantity}); err != nil {
		return err
	}
	missingZero := opts.Missing == "zero"
	if missingZero && src.Info.Delta {
		return cmdutil.UsageErrorf("--missing zero refused: %v", plan.ErrMissingZeroDelta)
	}
	stock := keycrmstock.New(client)
	started := time.Now()
	bar := f.IO.Progress("reading KeyCRM", -1, false)
	snap, err := stock.Snapshot(ctx, target.Need{SKUs: src.Index.SKUs(), Full: missingZero, Progress: func(done, total int) {
		if total > 0 {
			bar.SetTotal(int64(total))
			bar.Describe(fmt.Sprintf("reading KeyCRM (%s left)", timeLeft(done, total, started, f)))
		}
		bar.Set(done)
	}})
	bar.Finish()
	if err != nil {
		return err
	}
	p, err := plan.Compute(src.Index, snap, plan.Options{
		Command:     plan.CmdPushStock,
		Source:      src.PlanSource(),
		Target:      stock.Describe(),
		DryRun:      opts.Write.DryRun,
		Delta:       src.Info.Delta,
		MissingZero: missingZero,
		Fields:      stock.Fields(),
		Stock:       plan.OnHand,
	})
	if err != nil {
		return err
	}
	if n := p.ZeroedMissing(); n > 0 {
		f.IO.Logf("push-stock: %d offer(s) missing in the source will be set to 0 (--missing zero)", n)
	}
	if note := p.NearMatchNote(); note != "" {
		f.IO.Logf("push-stock: %s", note)
	}
	for _, w := range p.Warnings {
		f.IO.Logf("push-stock: warning: %s", w)
	}
	flow := &writeflow.Flow{
		F:        f,
		Opts:     &opts.Write,
		Target:   stock,
		Requests: client.Requests,
		Checks:   plan.Checks{Source: true, Coverage: missingZero},
		Strict:   opts.Read.Strict,
	}
	return flow.Run(ctx, p)
}

// timeLeft estimates the rest of a paced read: the pacing, not the network, sets
// the speed, so it is the pages left at the configured rate.
func timeLeft(done, total int, started time.Time, f *cmdutil.Factory) string {
	rate, err := f.Rate()
	if err != nil || rate <= 0 {
		return "?"
	}
	left := time.Duration(total-done) * time.Minute / time.Duration(rate)
	if elapsed := time.Since(started); done > 0 {
		// A slow server can be slower than the pacing.
		left = max(left, elapsed/time.Duration(done)*time.Duration(total-done))
	}
	return left.Round(time.Second).String()
}
