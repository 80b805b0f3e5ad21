// Package revert implements `keycrm-sync revert RUN_ID`: put back every value a run
// replaced, through the same plan, guards and confirmation as any write.
package revert

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/journal"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
	"github.com/keycrm-sync/keycrm-sync/internal/target/registry"
	"github.com/keycrm-sync/keycrm-sync/internal/target/shop"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
)

// Options are revert's inputs.
type Options struct {
	F     *cmdutil.Factory
	RunID string
	Write writeflow.Options
}

// NewCmdRevert builds the command; runF replaces run in tests.
func NewCmdRevert(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "revert RUN_ID",
		Short: "Put back the values a journaled run replaced",
		Long: `revert reads a run's journal and plans putting back, for each value the run
wrote, the value it replaced. An entry whose current value is no longer what the
run wrote was changed since by someone else: the revert is refused (exit 3) unless
--force. Then it behaves like any write command: guards, confirmation or --yes,
lock, journal. A pull-stock run is reverted by putting back the file it replaced,
from the copy its journal kept (files up to 100 MB). Runs of import cannot be
reverted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.RunID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	writeflow.AddFlags(cmd, &opts.Write)
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	if err := opts.Write.Check(f); err != nil {
		return err
	}
	stateDir, err := f.StateDir()
	if err != nil {
		return err
	}
	r, err := journal.Load(stateDir, opts.RunID)
	if err != nil {
		return err
	}
	if err := revertible(r); err != nil {
		return err
	}
	if r.RevertedBy != "" {
		return fmt.Errorf("run %s was already reverted by run %s; see keycrm-sync runs %s", r.RunID, r.RevertedBy, r.RevertedBy)
	}
	if shop.Is(r.Plan.Target.Location) {
		return revertShop(ctx, opts, stateDir, r)
	}
	built, err := registry.For(ctx, f, r.Plan)
	if err != nil {
		return fmt.Errorf("run %s: %w", r.RunID, err)
	}
	defer built.Close()
	if k, ok := built.Target.(target.Keeper); ok {
		return revertFile(ctx, opts, stateDir, r, k)
	}
	stock, ok := built.Target.(target.ReadBacker)
	if !ok {
		return fmt.Errorf("run %s wrote to %s, whose values cannot be read back to put them back", r.RunID, r.Plan.Target.Name())
	}
	if u, now := r.Plan.Target.APIURL, stock.Describe().APIURL; u == nil || now == nil || *u != *now {
		return fmt.Errorf("run %s wrote to %s, not %s", r.RunID, deref(u), deref(now))
	}
	release, err := opts.Write.Lock(f)
	if err != nil {
		return err
	}
	defer release()
	applied, unconfirmed := r.Applied(), r.Unconfirmed()
	if r.Command == catalogplan.CmdEdit {
		var skipped []plan.Change
		applied, skipped = catalogplan.Revertible(applied)
		for _, c := range skipped {
			f.IO.Logf("revert: %s of %s had no value before run %s; the API cannot empty it again, so it stays %s", c.Field, c.SKU, r.RunID, c.To)
		}
	}
	return revertOn(ctx, opts, stateDir, r, stock, built.Requests, applied, unconfirmed)
}

// revertShop puts back the stock a pull-stock run replaced in a shop's database.
// The journal shows the location with its password masked, so the password comes
// from KEYCRM_SYNC_DB_PASSWORD.
func revertShop(ctx context.Context, opts *Options, stateDir string, r *journal.Run) error {
	release, err := opts.Write.Lock(opts.F)
	if err != nil {
		return err
	}
	defer release()
	dst, err := shop.Open(ctx, r.Plan.Target.Location, shopdb.WriteOptions{})
	if err != nil {
		return err
	}
	defer dst.Close()
	rev := dst.Reverting()
	err = revertOn(ctx, opts, stateDir, r, rev, func() int64 { return 0 }, r.Applied(), r.Unconfirmed())
	if st := rev.Stale(); st != nil {
		return fmt.Errorf("nothing was reverted: %w", st)
	}
	return err
}

// revertOn plans putting back on t the values the run replaced: entries changed
// since by someone else are stale (exit 3 unless --force).
func revertOn(ctx context.Context, opts *Options, stateDir string, r *journal.Run, t target.ReadBacker, requests func() int64, applied, unconfirmed []plan.Change) error {
	f := opts.F
	if len(applied)+len(unconfirmed) == 0 {
		return fmt.Errorf("run %s applied nothing, so there is nothing to revert", r.RunID)
	}
	live, err := t.Current(ctx, slices.Concat(applied, unconfirmed))
	if err != nil {
		return err
	}
	p, stale := plan.Revert(applied, unconfirmed, live)
	desc := t.Describe()
	p.Target.Location, p.Target.APIURL, p.Target.Format = desc.Location, desc.APIURL, desc.Format
	p.Source = plan.Source{Location: "run " + r.RunID, Format: "journal", Items: p.Source.Items}
	flow := &writeflow.Flow{
		F:        f,
		Opts:     &opts.Write,
		Target:   t,
		Requests: requests,
		Stale:    stale,
		Applied: func(runID string) error {
			return journal.MarkReverted(stateDir, r.RunID, runID, f.Now)
		},
	}
	if len(stale) > 0 && !opts.Write.Force {
		return flow.RefuseStale(p, stale)
	}
	return flow.Run(ctx, p)
}

// revertible refuses runs whose effects a revert cannot undo.
func revertible(r *journal.Run) error {
	if r.Plan == nil {
		return fmt.Errorf("run %s has no plan in its journal", r.RunID)
	}
	switch r.Command {
	case plan.CmdPushStock, plan.CmdPullStock, plan.CmdRevert, catalogplan.CmdEdit:
		return nil
	case "import":
		var created []string
		for _, c := range r.Applied() {
			created = append(created, c.SKU)
		}
		return fmt.Errorf("run %s imported products, which the KeyCRM API cannot delete; created: %s", r.RunID, strings.Join(created, ", "))
	}
	return fmt.Errorf("run %s (%s) cannot be reverted", r.RunID, r.Command)
}

// revertFile puts back the file a pull-stock run replaced, from the copy its journal
// kept (or removes the file the run created), after the same confirmation as any
// write, under the lock, and journals it as a revert run.
func revertFile(ctx context.Context, opts *Options, stateDir string, r *journal.Run, dstTarget target.Keeper) error {
	f := opts.F
	dst := r.Plan.Target.Location
	k := r.Kept
	switch {
	case k == nil:
		return fmt.Errorf("run %s kept no copy of %s (it wrote nothing), so there is nothing to revert", r.RunID, dst)
	case k.Existed && !k.Copied:
		return fmt.Errorf("run %s replaced %s of %d bytes; copies are kept up to %d MB, so it cannot be reverted", r.RunID, dst, k.Size, journal.MaxKept>>20)
	}
	what := fmt.Sprintf("put back %s as it was before run %s", dst, r.RunID)
	if !k.Existed {
		what = fmt.Sprintf("remove %s, which run %s created", dst, r.RunID)
	}
	if opts.Write.DryRun {
		f.IO.Logf("revert: would %s (dry run)", what)
		return nil
	}
	if !opts.Write.Yes {
		if !f.IO.CanPrompt() {
			return writeflow.ErrNeedYes
		}
		ok, err := f.IO.ConfirmContext(ctx, "Revert: "+what+"?")
		if err != nil {
			return err
		}
		if !ok {
			return writeflow.ErrNotConfirmed
		}
	}
	release, err := opts.Write.Lock(f)
	if err != nil {
		return err
	}
	defer release()
	p := &plan.Plan{Version: plan.Version, Command: plan.CmdRevert, Source: plan.Source{Location: "run " + r.RunID, Format: "journal"},
		Target: r.Plan.Target}
	j, err := journal.Start(stateDir, f.Now, p, false)
	if err != nil {
		return err
	}
	var src io.Reader
	if k.Existed {
		kept, err := journal.OpenKept(stateDir, r.RunID)
		if err != nil {
			return fmt.Errorf("run %s: the kept copy of %s: %w", r.RunID, dst, err)
		}
		defer kept.Close()
		src = kept
	}
	if err := dstTarget.Restore(ctx, src); err != nil {
		_ = j.Finish(journal.Outcome{Status: journal.StatusFailed, Error: err.Error()})
		return fmt.Errorf("revert run %s: %w; %s is as it was", r.RunID, err, dst)
	}
	if err := j.Finish(journal.Outcome{Status: journal.StatusApplied, Applied: 1}); err != nil {
		return err
	}
	f.IO.Logf("revert: %s (run %s)", what, j.RunID)
	return journal.MarkReverted(stateDir, r.RunID, j.RunID, f.Now)
}

func deref(s *string) string {
	if s == nil {
		return "another target"
	}
	return *s
}
