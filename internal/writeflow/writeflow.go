// Package writeflow is the one implementation of the contract's plan, confirm, apply
// sequence (cli.md section 5) that every write command goes through, so push-stock,
// apply and revert cannot drift apart: print the plan, evaluate the guards, save it if
// asked, stop for a dry run, ask or require --yes, journal, apply in batches, read
// back, report.
package writeflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keycrm-sync/keycrm-sync/internal/apply"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/journal"
	"github.com/keycrm-sync/keycrm-sync/internal/lock"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/readflow"
	"github.com/keycrm-sync/keycrm-sync/internal/render"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
)

// Options are the flags every write command shares.
type Options struct {
	DryRun  bool
	Yes     bool
	Force   bool
	PlanOut string
	Settle  time.Duration

	maxChanges, maxZeroed, minCoverage, maxPriceChange string
	cmd                                                *cobra.Command
}

// AddFlags registers the write flags on cmd.
func AddFlags(cmd *cobra.Command, o *Options) {
	fl := cmd.Flags()
	fl.BoolVar(&o.DryRun, "dry-run", false, "print the plan and stop; write nothing")
	fl.BoolVarP(&o.Yes, "yes", "y", false, "apply without asking (required when not on a terminal)")
	fl.BoolVar(&o.Force, "force", false, "apply even if a guard trips or a saved plan is stale (journaled)")
	fl.StringVar(&o.PlanOut, "plan-out", "", "save the plan as JSON to `FILE` (apply it later with keycrm-sync apply FILE)")
	o.Settle = 5 * time.Second
	fl.Var((*settle)(&o.Settle), "settle", "wait this long before reading again values that did not read back as written")
	fl.StringVar(&o.maxChanges, "max-changes", "", "refuse when more than `LIMIT` (N% or a fraction) of matched items would change (default 50%)")
	fl.StringVar(&o.maxZeroed, "max-zeroed", "", "refuse when more than `LIMIT` of items would go from above 0 to 0 (default 10%)")
	fl.StringVar(&o.minCoverage, "min-coverage", "", "with --missing zero, refuse when the source matches less than `LIMIT` of KeyCRM's offers (default 80%)")
	fl.StringVar(&o.maxPriceChange, "max-price-change", "", "refuse when a price would change by more than `LIMIT` (default 50%)")
	o.cmd = cmd
}

// settle is --settle: a duration that cannot be negative.
type settle time.Duration

func (s *settle) String() string { return time.Duration(*s).String() }
func (s *settle) Type() string   { return "duration" }
func (s *settle) Set(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return err
	}
	if d < 0 {
		return fmt.Errorf("%s is negative", v)
	}
	*s = settle(d)
	return nil
}

// Limits resolves the guard limits: flag > config file > default.
func (o *Options) Limits(f *cmdutil.Factory) (plan.Limits, error) {
	limits := plan.DefaultLimits()
	cfg, err := f.Config()
	if err != nil {
		return limits, err
	}
	set := []struct {
		flag, value, config string
		dst                 *plan.Limit
	}{
		{"max-changes", o.maxChanges, cfg.Guards.MaxChanges, &limits.MaxChanges},
		{"max-zeroed", o.maxZeroed, cfg.Guards.MaxZeroed, &limits.MaxZeroed},
		{"min-coverage", o.minCoverage, cfg.Guards.MinCoverage, &limits.MinCoverage},
		{"max-price-change", o.maxPriceChange, cfg.Guards.MaxPriceChange, &limits.MaxPriceChange},
	}
	for _, s := range set {
		text, from := s.value, "--"+s.flag
		if text == "" {
			text, from = s.config, "config guards."+strings.ReplaceAll(s.flag, "-", "_")
		}
		if text == "" {
			continue
		}
		l, err := plan.ParseLimit(text)
		if err != nil {
			return limits, cmdutil.UsageErrorf("%s: %v", from, err)
		}
		*s.dst = l
	}
	return limits, nil
}

// Check validates every setting a write run depends on (guard limits and the API's
// rate, retries and timeout) before the command opens its source, loads a plan or
// journal, asks for the API key or reads KeyCRM: a mistyped limit is a usage error
// at once, not after a long read (cli.md section 6).
func (o *Options) Check(f *cmdutil.Factory) error {
	if _, err := o.Limits(f); err != nil {
		return err
	}
	if _, err := f.Rate(); err != nil {
		return err
	}
	if _, err := f.Retries(); err != nil {
		return err
	}
	_, err := f.Timeout()
	return err
}

// Flow carries what one write run needs.
type Flow struct {
	F      *cmdutil.Factory
	Opts   *Options
	Target target.Target
	// Requests reports the HTTP attempts made so far in the process (the
	// client's counter), for result.requests.
	Requests func() int64
	// Checks are the guards the plan is measured against besides max-zeroed.
	Checks plan.Checks
	// Strict refuses a plan with duplicates or problems (--strict), after
	// showing it.
	Strict bool
	// Stale entries of a saved plan or a revert, written anyway under --force;
	// they are journaled as such.
	Stale []plan.StaleEntry
	// Applied, when set, is told the run id after a successful apply (revert
	// marks the reverted run).
	Applied func(runID string) error
}

// Lock takes the state directory's lock for a write run, before the target is read,
// so two runs never plan against the same state. A dry run writes nothing and takes
// none. The returned release is always safe to call.
func (o *Options) Lock(f *cmdutil.Factory) (release func(), err error) {
	if o.DryRun {
		return func() {}, nil
	}
	stateDir, err := f.StateDir()
	if err != nil {
		return nil, err
	}
	l, err := lock.Acquire(stateDir)
	if err != nil {
		return nil, err
	}
	return func() { _ = l.Release() }, nil
}

// ErrNotConfirmed is returned when the operator answers no.
var ErrNotConfirmed = errors.New("not applied: the answer was not yes; nothing was written")

// ErrNeedYes is the refusal to write without a question answered or --yes.
var ErrNeedYes = errors.New("refusing to apply without --yes (stdin or stderr is not a terminal, so nobody can be asked)")

// Run takes a computed plan through the rest of the sequence. The caller holds the
// lock (unless dry run) and has read source and target.
func (fl *Flow) Run(ctx context.Context, p *plan.Plan) error {
	f, o := fl.F, fl.Opts
	ios := f.IO
	limits, err := o.Limits(f)
	if err != nil {
		return err
	}
	tripped := p.CheckGuards(limits, fl.Checks)
	p.DryRun = o.DryRun
	p.Forced = o.Force && len(tripped) > 0
	if o.PlanOut != "" {
		if err := savePlan(o.PlanOut, p); err != nil {
			return err
		}
	}
	format := f.Global.Output
	if fl.Strict {
		if err := readflow.Strict(p); err != nil {
			if rerr := render.Plan(ios.Out, p, format, ios.TableWidth()); rerr != nil {
				return rerr
			}
			ios.Logf("%s", render.Summary(p))
			return err
		}
	}
	refused := len(tripped) > 0 && !o.Force

	if o.DryRun || refused || len(p.Changes) == 0 {
		if len(p.Changes) == 0 && !o.DryRun && !refused {
			// Nothing to write: no journal, no run id, but the result still
			// tells a script how many requests the run cost.
			p.Result = &plan.Result{Requests: int(fl.Requests())}
		}
		if err := render.Plan(ios.Out, p, format, ios.TableWidth()); err != nil {
			return err
		}
		ios.Logf("%s", render.Summary(p))
		if p.Forced {
			ios.Logf("note: %s tripped; --force would apply the plan anyway", guardNames(tripped))
		}
		switch {
		case refused && !o.DryRun:
			if err := fl.journalRefusal(p, nil, ""); err != nil {
				return err
			}
			return &plan.RefusedError{Guards: tripped}
		case refused:
			return &plan.RefusedError{Guards: tripped}
		}
		return nil
	}

	if !o.Yes {
		if !ios.CanPrompt() {
			// Nothing will be written: the plan shown is a dry run's.
			p.DryRun = true
			if err := render.Plan(ios.Out, p, format, ios.TableWidth()); err != nil {
				return err
			}
			ios.Logf("%s", render.Summary(p))
			return ErrNeedYes
		}
		// The question sums the plan up; the summary line comes once, with the
		// result.
		if err := render.Plan(ios.Out, p, format, ios.TableWidth()); err != nil {
			return err
		}
		ok, err := ios.ConfirmContext(ctx, question(p))
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotConfirmed
		}
	} else if format != render.FormatJSON {
		// JSON is printed once, with its result, so a script reads one document.
		if err := render.Plan(ios.Out, p, format, ios.TableWidth()); err != nil {
			return err
		}
	}
	return fl.apply(ctx, p, len(tripped) > 0)
}

func (fl *Flow) apply(ctx context.Context, p *plan.Plan, forced bool) error {
	f := fl.F
	ios := f.IO
	stateDir, err := f.StateDir()
	if err != nil {
		return err
	}
	if err := fl.checkSpace(stateDir, p); err != nil {
		return err
	}
	j, err := journal.Start(stateDir, f.Now, p, forced || len(fl.Stale) > 0)
	if err != nil {
		return err
	}
	if len(fl.Stale) > 0 {
		if err := j.Stale(entries(fl.Stale)); err != nil {
			return err
		}
	}
	bar := ios.Progress("writing to "+p.Target.Name(), int64(len(p.Changes)), false)
	out, err := apply.Run(ctx, fl.Target, p, j, apply.Options{
		Settle:   fl.Opts.Settle,
		Progress: func(done, _ int) { bar.Set(done) },
	})
	bar.Finish()
	if err != nil {
		return err
	}
	// Why a write failed matters more than the counts: said here, and kept in
	// the journal for runs RUN_ID.
	for _, e := range out.Errors {
		ios.Errorf("write failed: %s", e)
	}
	for _, c := range out.Elsewhere {
		ios.Logf("warning: %s changed in %s meanwhile: it is no longer %s nor %s", where(c), p.Target.Name(), c.From, c.To)
	}
	applied, failed, unconfirmed := len(out.Applied)+len(out.Elsewhere), len(out.Failed), len(out.Unconfirmed)
	p.Result = &plan.Result{RunID: j.RunID, Applied: applied, Failed: failed, Unconfirmed: unconfirmed, Requests: int(fl.Requests())}
	status := journal.StatusApplied
	switch {
	case unconfirmed > 0:
		// They may all have taken: not failed until a read-back says so.
		status = journal.StatusPartial
	case (failed > 0 || out.Interrupted) && applied > 0:
		// Interrupted after a batch that fully applied, the run still did not
		// write all it planned.
		status = journal.StatusPartial
	case failed > 0:
		status = journal.StatusFailed
	}
	if err := j.Finish(journal.Outcome{Status: status, Applied: applied, Failed: failed, Unconfirmed: unconfirmed, Requests: p.Result.Requests}); err != nil {
		if out.Sent {
			return &apply.PartialError{RunID: j.RunID, Applied: applied, Failed: failed, Unconfirmed: unconfirmed, Journal: err}
		}
		return err
	}
	if f.Global.Output == render.FormatJSON && fl.Opts.Yes {
		if err := render.Plan(ios.Out, p, render.FormatJSON, 0); err != nil {
			return err
		}
	}
	ios.Logf("%s", render.Summary(p))
	if !out.Sent {
		return fmt.Errorf("interrupted before the first write; nothing was written (run %s)", j.RunID)
	}
	if _, whole := fl.Target.(target.Keeper); whole && applied == 0 && unconfirmed == 0 && len(out.Errors) > 0 {
		// A target written whole is replaced atomically: its failed write
		// changed nothing, so this is an error (exit 2), not a partial run.
		return fmt.Errorf("%s; nothing was written: %s is as it was (run %s)", strings.Join(out.Errors, "; "), p.Target.Name(), j.RunID)
	}
	if failed > 0 || unconfirmed > 0 || out.Interrupted {
		return &apply.PartialError{RunID: j.RunID, Applied: applied, Failed: failed, Unconfirmed: unconfirmed, Interrupted: out.Interrupted}
	}
	if fl.Applied != nil {
		return fl.Applied(j.RunID)
	}
	return nil
}

// checkSpace refuses to start writing when the state directory cannot hold the
// journal: a journal that fills the disk after the first write leaves a run that
// cannot be fully reverted, so that is found out before anything is sent.
func (fl *Flow) checkSpace(stateDir string, p *plan.Plan) error {
	dir := stateDir
	for {
		if _, err := os.Stat(dir); err == nil || filepath.Dir(dir) == dir {
			break
		}
		dir = filepath.Dir(dir)
	}
	free, err := fl.F.FreeSpace(dir)
	if err != nil || free < 0 {
		return nil // not measurable here; the journal's own errors still stop the run
	}
	need, err := journal.Need(p)
	if err != nil {
		return err
	}
	if free < need {
		return fmt.Errorf("state directory %s has %d bytes free, and this run's journal needs about %d; nothing was written: free some space or choose another --state-dir", stateDir, free, need)
	}
	return nil
}

func guardNames(gs []plan.Guard) string {
	names := make([]string, len(gs))
	for i, g := range gs {
		names[i] = g.Name
	}
	return strings.Join(names, ", ")
}

// RefuseStale ends a run whose saved plan or revert no longer holds (without
// --force): the refusal is journaled like a guard's, so `runs` shows what cron
// tried, unless it was a dry run. It returns the refusal (exit 3).
func (fl *Flow) RefuseStale(p *plan.Plan, stale []plan.StaleEntry) error {
	refusal := &plan.StaleError{Entries: stale, Target: p.Target.Name()}
	if fl.Opts.DryRun {
		return refusal
	}
	if err := fl.journalRefusal(p, entries(stale), refusal.Error()); err != nil {
		return err
	}
	return refusal
}

// journalRefusal records a run that was refused, so `runs` shows it: by the guards,
// or because the entries in stale had changed (with the message that said so).
func (fl *Flow) journalRefusal(p *plan.Plan, stale []plan.Change, why string) error {
	stateDir, err := fl.F.StateDir()
	if err != nil {
		return err
	}
	j, err := journal.Start(stateDir, fl.F.Now, p, false)
	if err != nil {
		return err
	}
	if len(stale) > 0 {
		if err := j.Stale(stale); err != nil {
			return err
		}
	}
	return j.Finish(journal.Outcome{Status: journal.StatusRefused, Requests: int(fl.Requests()), Error: why})
}

// where names an entry's item for messages: "A-1 in warehouse 1 (offer 17)".
func where(c plan.Change) string {
	s := c.SKU
	if c.WarehouseID != 0 {
		s += fmt.Sprintf(" in warehouse %d", c.WarehouseID)
	}
	switch {
	case c.OfferID != 0:
		s += fmt.Sprintf(" (offer %d)", c.OfferID)
	case c.Row != 0:
		s += fmt.Sprintf(" (row %d)", c.Row)
	}
	return s
}

// question is the confirmation prompt: "Apply 37 changes to KeyCRM warehouse 1?".
func question(p *plan.Plan) string {
	var whs []string
	for _, c := range p.Changes {
		if id := strconv.FormatInt(c.WarehouseID, 10); c.WarehouseID != 0 && !slices.Contains(whs, id) {
			whs = append(whs, id)
		}
	}
	where := p.Target.Name()
	switch len(whs) {
	case 0:
	case 1:
		where += " warehouse " + whs[0]
	default:
		where += " warehouses " + strings.Join(whs, ", ")
	}
	// Summary.Changes counts every matched item with an entry, zeroed ones
	// included; a file's new rows are not matched items, and are written too.
	n := p.Summary.Changes + len(p.Added())
	if n == 0 {
		n = len(p.Changes)
	}
	noun := "changes"
	if n == 1 {
		noun = "change"
	}
	return fmt.Sprintf("Apply %d %s to %s?", n, noun, where)
}

// savePlan writes the plan for `apply PLAN.json`, atomically and private: it holds
// SKUs and stock figures of the account.
func savePlan(path string, p *plan.Plan) error {
	var b bytes.Buffer
	if err := render.JSON(&b, p); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return nil
}

func entries(stale []plan.StaleEntry) []plan.Change {
	out := make([]plan.Change, len(stale))
	for i, s := range stale {
		out[i] = s.Change
	}
	return out
}
