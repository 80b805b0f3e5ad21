// Package runs implements `keycrm-sync runs`: list the journaled write runs, show
// one, or prune old journals.
package runs

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keycrm-sync/keycrm-sync/internal/apply"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/journal"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/render"
	"github.com/keycrm-sync/keycrm-sync/internal/target/keycrmstock"
)

// Options are runs' inputs.
type Options struct {
	F     *cmdutil.Factory
	RunID string
	Prune string
	// Check reads back the entries of RunID that were sent and never confirmed,
	// and journals what they hold.
	Check bool
}

// NewCmdRuns builds the command; runF replaces run in tests.
func NewCmdRuns(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "runs [RUN_ID]",
		Short: "List journaled write runs, newest first, or show one",
		Long: `Every write run (push-stock, apply, revert) keeps a journal in the state directory:
the plan, each batch sent, what it replaced, and the outcome. runs lists them,
newest first; runs RUN_ID shows one; --prune-older-than 90d deletes old journals.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.RunID = args[0]
			}
			if opts.Prune != "" && opts.RunID != "" {
				return cmdutil.UsageErrorf("--prune-older-than takes no RUN_ID")
			}
			if opts.Check && opts.RunID == "" {
				return cmdutil.UsageErrorf("--check needs the RUN_ID of the run to check")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			if opts.Check {
				return check(cmd.Context(), opts)
			}
			return run(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Prune, "prune-older-than", "", "delete journals of runs started longer ago than `AGE` (90d, 12h)")
	cmd.Flags().BoolVar(&opts.Check, "check", false, "read back the run's unconfirmed entries from KeyCRM and journal what took")
	return cmd
}

func run(opts *Options) error {
	f := opts.F
	stateDir, err := f.StateDir()
	if err != nil {
		return err
	}
	switch {
	case opts.Prune != "":
		age, err := parseAge(opts.Prune)
		if err != nil {
			return cmdutil.UsageErrorf("--prune-older-than: %v", err)
		}
		removed, err := journal.Prune(stateDir, f.Now().Add(-age))
		for _, id := range removed {
			fmt.Fprintln(f.IO.Out, id)
		}
		f.IO.Logf("runs: %d journal(s) pruned", len(removed))
		return err
	case opts.RunID != "":
		r, err := journal.Load(stateDir, opts.RunID)
		if err != nil {
			return err
		}
		return show(f, r)
	}
	all, err := journal.List(stateDir)
	if err != nil {
		return err
	}
	summaries := make([]journal.Summary, len(all))
	for i, r := range all {
		summaries[i] = r.Summary()
	}
	return list(f, summaries)
}

// check settles a run's unconfirmed entries: it reads them from KeyCRM, journals what
// they hold as the run's read-back, and closes the run with the counts that follow.
func check(ctx context.Context, opts *Options) error {
	f := opts.F
	stateDir, err := f.StateDir()
	if err != nil {
		return err
	}
	r, err := journal.Load(stateDir, opts.RunID)
	if err != nil {
		return err
	}
	if r.Checked() || r.Plan == nil {
		f.IO.Logf("runs: run %s has no unconfirmed entries", r.RunID)
		return show(f, r)
	}
	client, err := f.KeyCRM()
	if err != nil {
		return err
	}
	if u := r.Plan.Target.APIURL; u == nil || *u != client.BaseURL() {
		return fmt.Errorf("run %s wrote to %s, not %s", r.RunID, r.Plan.Target.Name(), client.BaseURL())
	}
	sent := slices.Concat(r.Applied(), r.Unconfirmed())
	live, err := keycrmstock.New(client).Current(ctx, sent)
	if err != nil {
		return err
	}
	applied, elsewhere, notTaken := apply.Sort(sent, live.Values(sent))
	j, err := journal.Reopen(stateDir, r.RunID, f.Now)
	if err != nil {
		return err
	}
	requests := int(client.Requests())
	if r.Outcome != nil {
		requests += r.Outcome.Requests
	}
	if err := j.ReadBack(notTaken, elsewhere); err != nil {
		return err
	}
	done := len(applied) + len(elsewhere)
	failed := len(r.Plan.Changes) - done
	if err := j.Finish(journal.Outcome{Status: journal.StatusOf(done, failed), Applied: done, Failed: failed, Requests: requests}); err != nil {
		return err
	}
	f.IO.Logf("runs: checked %d entries of run %s in KeyCRM: %d hold what it wrote, %d changed since, %d did not take",
		len(sent), r.RunID, len(applied), len(elsewhere), len(notTaken))
	if r, err = journal.Load(stateDir, opts.RunID); err != nil {
		return err
	}
	return show(f, r)
}

// parseAge reads a duration that may be written in days ("90d").
func parseAge(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not an age such as 90d or 12h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not an age such as 90d or 12h", s)
	}
	return d, nil
}

func list(f *cmdutil.Factory, runs []journal.Summary) error {
	rows := make([][]string, len(runs))
	for i, r := range runs {
		rows[i] = []string{r.RunID, r.Command, stamp(&r.StartedAt), stamp(r.FinishedAt), r.Status,
			strconv.Itoa(r.Applied), strconv.Itoa(r.Failed), strconv.Itoa(r.Unconfirmed), strconv.Itoa(r.Requests), r.Source, r.Target}
	}
	return render.Write(f.IO.Out, f.Global.Output, render.View{
		JSON:   runs,
		Header: []string{"run_id", "command", "started_at", "finished_at", "status", "applied", "failed", "unconfirmed", "requests", "source", "target"},
		Rows:   rows,
		Text: func(out io.Writer) error {
			if len(runs) == 0 {
				f.IO.Logf("no runs journaled yet")
				return nil
			}
			rows := make([][]string, len(runs))
			for i, r := range runs {
				rows[i] = []string{r.RunID, r.Command, r.Status, strconv.Itoa(r.Applied), strconv.Itoa(r.Failed), strconv.Itoa(r.Requests), r.Source}
			}
			return render.Table(out, []string{"RUN", "COMMAND", "STATUS", "APPLIED", "FAILED", "REQUESTS", "SOURCE"}, rows)
		},
	})
}

// detail is `runs RUN_ID -o json`: the summary and what the run did.
type detail struct {
	journal.Summary
	Forced   bool            `json:"forced"`
	Plan     *plan.Plan      `json:"plan"`
	Batches  []journal.Batch `json:"batches"`
	Replaced []plan.Change   `json:"replaced"`
	// Unconfirmed are entries of a batch sent by a run that died before the
	// answer: KeyCRM may hold either value.
	Unconfirmed []plan.Change `json:"unconfirmed"`
	NotTaken    []plan.Change `json:"not_taken"`
	Elsewhere   []plan.Change `json:"changed_elsewhere"`
	Stale       []plan.Change `json:"stale"`
	RevertedBy  string        `json:"reverted_by,omitempty"`
	// Error is why the run failed or was refused.
	Error string `json:"error,omitempty"`
}

func show(f *cmdutil.Factory, r *journal.Run) error {
	d := detail{Summary: r.Summary(), Forced: r.Forced, Plan: r.Plan, Batches: orEmpty(r.Batches),
		Replaced: orEmpty(r.Applied()), Unconfirmed: orEmpty(r.Unconfirmed()), NotTaken: orEmpty(r.NotTaken),
		Elsewhere: orEmpty(r.Elsewhere), Stale: orEmpty(r.Stale), RevertedBy: r.RevertedBy}
	if r.Outcome != nil {
		d.Error = r.Outcome.Error
	}
	var rows [][]string
	add := func(kind string, cs []plan.Change) {
		for _, c := range cs {
			rows = append(rows, []string{kind, c.SKU, id(c.OfferID), id(c.WarehouseID), c.Field, c.From.String(), c.To.String()})
		}
	}
	add("applied", d.Replaced)
	add("unconfirmed", d.Unconfirmed)
	add("not taken", d.NotTaken)
	add("changed elsewhere", d.Elsewhere)
	header := []string{"ENTRY", "SKU", "OFFER", "WH", "FIELD", "REPLACED", "WROTE"}
	return render.Write(f.IO.Out, f.Global.Output, render.View{
		JSON:   d,
		Header: header,
		Rows:   rows,
		Text:   func(out io.Writer) error { return showText(out, r, d, header, rows) },
	})
}

// showText is one run as `runs RUN_ID` prints it for people: the summary, then its
// entries.
func showText(out io.Writer, r *journal.Run, d detail, header []string, rows [][]string) error {
	s := d.Summary
	fmt.Fprintf(out, "run       %s\ncommand   %s\nstatus    %s\nstarted   %s\nfinished  %s\nsource    %s\ntarget    %s\n",
		s.RunID, s.Command, s.Status, stamp(&s.StartedAt), stamp(s.FinishedAt), s.Source, s.Target)
	fmt.Fprintf(out, "applied   %d, failed %d, %d request(s)\n", s.Applied, s.Failed, s.Requests)
	if s.Unconfirmed > 0 {
		fmt.Fprintf(out, "unconfirmed %d: sent but not read back; settle with keycrm-sync runs %s --check\n", s.Unconfirmed, s.RunID)
	}
	if r.Forced {
		fmt.Fprintln(out, "forced    yes (--force)")
	}
	if r.RevertedBy != "" {
		fmt.Fprintf(out, "reverted  by run %s\n", r.RevertedBy)
	}
	if d.Error != "" {
		fmt.Fprintf(out, "error     %s\n", d.Error)
	}
	for _, b := range r.Batches {
		if b.Error != "" {
			fmt.Fprintf(out, "batch %-3d %s\n", b.N, b.Error)
		}
	}
	if len(d.Replaced) == 0 && len(d.Unconfirmed) == 0 && len(d.NotTaken) == 0 {
		return nil
	}
	fmt.Fprintln(out)
	return render.Table(out, header, rows)
}

// id prints an id, or nothing where it does not apply (a target without offers or
// warehouses).
func id(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func stamp(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
