// Package importcmd implements `keycrm-sync import`: create the products whose SKUs
// KeyCRM lacks, with their variants and categories, and report their new ids.
package importcmd

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	applypkg "github.com/keycrm-sync/keycrm-sync/internal/apply"
	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/internal/cmd/catalogcmd"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/importer"
	"github.com/keycrm-sync/keycrm-sync/internal/journal"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/readflow"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Options are import's inputs.
type Options struct {
	F                *cmdutil.Factory
	From             string
	CreateCategories bool
	Read             readflow.Flags
	Write            writeflow.Options
}

// NewCmdImport builds the command; runF replaces run in tests.
func NewCmdImport(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "import --from SRC [--create-categories]",
		Short: "Create in KeyCRM the products whose SKUs it lacks",
		Long: `import reads a source, looks its SKUs up in KeyCRM and plans the products to
create: rows sharing a parent_sku become one product with variants, the others
products without variants; categories are matched by name or path (Взуття/Кросівки)
and created only with --create-categories. Products without variants go in batches
of 100 (POST /products/import); a product with variants is one POST /products and
its variants in batches of 100. Creation is never blindly repeated: after a failure
the SKUs are read back and only what is missing is sent again. SKUs KeyCRM already
holds are skipped, so a rerun creates nothing twice. The new SKUs are read back and
their ids reported and journaled.`,
		Example: `  keycrm-sync import --from wc-product-export.csv --create-categories --dry-run
  keycrm-sync import --from /srv/1c/exchange --yes -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.From == "" {
				return cmdutil.UsageErrorf("import needs --from SRC")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.From, "from", "", "source `LOCATION`: a file, a folder or zip package, - for stdin, or a database URL")
	fl.BoolVar(&opts.CreateCategories, "create-categories", false, "create the categories KeyCRM lacks (else their products are reported)")
	readflow.AddFlags(cmd, &opts.Read)
	writeflow.AddFlags(cmd, &opts.Write)
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	ios := f.IO
	sess, err := catalogcmd.Open(ctx, f, opts.From, &opts.Read, &opts.Write, false)
	if err != nil {
		return err
	}
	defer sess.Release()
	if !opts.Write.DryRun {
		if err := settleKilled(ctx, f); err != nil {
			return err
		}
	}
	p := catalogplan.PlanImport(sess.Rows, sess.Existing, catalogplan.ImportOptions{Source: sess.Source, APIURL: sess.Client.BaseURL(), CreateCategories: opts.CreateCategories})
	p.DryRun = opts.Write.DryRun
	tripped := p.CheckGuards()
	if opts.Write.PlanOut != "" {
		if err := savePlan(opts.Write.PlanOut, p); err != nil {
			return err
		}
	}
	if opts.Read.Strict && len(p.Problems)+len(p.Duplicates) > 0 {
		if err := show(ios.Out, p, nil, f.Global.Output); err != nil {
			return err
		}
		return cmdutil.UsageErrorf("--strict: %d problem(s) and %d duplicate(s) in the source and KeyCRM", len(p.Problems), len(p.Duplicates))
	}
	refused := len(tripped) > 0 && !opts.Write.Force
	if opts.Write.DryRun || refused || len(p.Create) == 0 {
		if err := show(ios.Out, p, nil, f.Global.Output); err != nil {
			return err
		}
		status := "dry run"
		if refused {
			status = "refused by " + plan.GuardEmptySource
		} else if !opts.Write.DryRun {
			status = "nothing to create"
		}
		ios.Logf("%s", summary(p, status))
		if refused {
			return &plan.RefusedError{Guards: tripped}
		}
		return nil
	}
	if !opts.Write.Yes {
		if !ios.CanPrompt() {
			p.DryRun = true
			if err := show(ios.Out, p, nil, f.Global.Output); err != nil {
				return err
			}
			ios.Logf("%s", summary(p, "dry run"))
			return writeflow.ErrNeedYes
		}
		if err := show(ios.Out, p, nil, f.Global.Output); err != nil {
			return err
		}
		q := fmt.Sprintf("Create %d products (%d offers) and %d categories in KeyCRM?", p.Summary.Products, p.Summary.Variants, p.Summary.Categories)
		ok, err := ios.ConfirmContext(ctx, q)
		if err != nil {
			return err
		}
		if !ok {
			return writeflow.ErrNotConfirmed
		}
	}
	return apply(ctx, opts, p)
}

func apply(ctx context.Context, opts *Options, p *catalogplan.ImportPlan) error {
	f := opts.F
	ios := f.IO
	client, err := f.KeyCRM()
	if err != nil {
		return err
	}
	stateDir, err := f.StateDir()
	if err != nil {
		return err
	}
	// The journal's plan is the run's header; what was created is journaled as
	// applied entries (one per new SKU, with its offer id), so `runs` shows it
	// and `revert` can list it when it refuses.
	header := &plan.Plan{Version: plan.Version, Command: catalogplan.CmdImport, Source: p.Source, Target: p.Target,
		Summary: plan.Summary{Changes: p.Summary.Variants}}
	j, err := journal.Start(stateDir, f.Now, header, opts.Write.Force)
	if err != nil {
		return err
	}
	cards, err := journaledCards(stateDir)
	if err != nil {
		return err
	}
	// Each request is journaled before it leaves, so a run killed while waiting
	// for an answer is settled by the next one (settleKilled). A category or card
	// is settled by its answer; offers only by the read-back, which settles each
	// with the id found, so `runs` and `revert` list exactly what exists.
	var sent []journal.Batch
	res, runErr := importer.Apply(ctx, client, p, importer.Options{Parents: cards,
		Sending: func(e importer.Event) error {
			b := journal.Batch{N: len(sent) + 1, Entries: entries(e), Status: journal.BatchSent}
			sent = append(sent, b)
			return j.Sending(b)
		},
		Journal: func(e importer.Event) error {
			if e.Kind != "category" && e.Kind != "product" {
				return nil
			}
			b := sent[len(sent)-1]
			b.Entries, b.Status, b.Error = entries(e), journal.BatchApplied, e.Error
			if e.ID == 0 {
				b.Status, b.Failed = journal.BatchFailed, b.Entries
			}
			sent[len(sent)-1] = b
			return j.Batch(b)
		}})
	if res != nil {
		if err := settle(j, sent, res); err != nil {
			return errors.Join(runErr, err)
		}
	}
	out := journal.Outcome{Status: journal.StatusFailed, Requests: int(client.Requests())}
	if res != nil {
		out.Applied, out.Failed = len(res.Created), len(res.Failed)
		out.Status = journal.StatusOf(out.Applied, out.Failed)
	}
	if runErr != nil {
		out.Error = runErr.Error()
	}
	if err := j.Finish(out); err != nil {
		return errors.Join(runErr, err)
	}
	if res != nil {
		for _, fl := range res.Failed {
			ios.Errorf("import: %s%s not created: %s", fl.SKU, fl.Path, fl.Error)
		}
		p.DryRun = false
		p.Result = result(j.RunID, out, res)
		if err := show(ios.Out, p, res, f.Global.Output); err != nil {
			return err
		}
		ios.Logf("%s", summary(p, fmt.Sprintf("created %d, failed %d, run %s", len(res.Created), len(res.Failed), j.RunID)))
	}
	if runErr != nil {
		return runErr
	}
	if len(res.Failed) > 0 {
		return &applypkg.PartialError{RunID: j.RunID, Applied: len(res.Created), Failed: len(res.Failed)}
	}
	return nil
}

// result is the plan's result: the run's counts and what it created, by id.
func result(runID string, out journal.Outcome, res *importer.Result) *catalogplan.ImportResult {
	r := &catalogplan.ImportResult{Result: plan.Result{RunID: runID, Applied: out.Applied, Failed: out.Failed, Requests: out.Requests},
		Categories: []catalogplan.CreatedCategory{}, Created: []catalogplan.CreatedOffer{}}
	for _, c := range res.Categories {
		r.Categories = append(r.Categories, catalogplan.CreatedCategory{Path: c.Path, ID: c.ID})
	}
	for _, c := range res.Created {
		r.Created = append(r.Created, catalogplan.CreatedOffer{SKU: c.SKU, OfferID: c.OfferID, ProductID: c.ProductID})
	}
	return r
}

// entries are the journal entries of one request: a SKU per offer sent, or the
// category path or product key, with the id it got once answered (before, the
// key itself).
func entries(e importer.Event) []plan.Change {
	var out []plan.Change
	for _, sku := range e.SKUs {
		out = append(out, plan.Change{SKU: sku, Field: fieldSKU, To: plan.TextValue(sku)})
	}
	if e.Kind == "category" || e.Kind == "product" {
		to := plan.TextValue(e.Key)
		if e.ID != 0 {
			to = plan.NumberValue(decimal.FromInt(e.ID))
		}
		out = append(out, plan.Change{SKU: e.Key, Field: e.Kind, To: to})
	}
	return out
}

// fieldSKU marks a journal entry that is one new offer, named by its SKU.
const fieldSKU = "sku"

// settleKilled settles earlier import runs that were killed after journaling a
// request and before learning its answer: their offers are read back by SKU, and
// each such journal gets the read-back and an outcome, so `runs` and `revert` tell
// what exists. A card or category whose answer was lost cannot be read back by
// SKU: the operator is told to look for it.
func settleKilled(ctx context.Context, f *cmdutil.Factory) error {
	stateDir, err := f.StateDir()
	if err != nil {
		return err
	}
	runs, err := journal.List(stateDir)
	if err != nil {
		return err
	}
	client, err := f.KeyCRM()
	if err != nil {
		return err
	}
	for _, r := range runs {
		if r.Command != catalogplan.CmdImport || r.Outcome != nil || r.Checked() || r.Plan == nil {
			continue
		}
		// A run against another KeyCRM account cannot be read back here.
		if u := r.Plan.Target.APIURL; u == nil || *u != client.BaseURL() {
			continue
		}
		var skus []string
		var notTaken []plan.Change
		for _, c := range r.Unconfirmed() {
			if c.Field == fieldSKU {
				skus = append(skus, c.SKU)
			} else if _, ok := c.To.Number(); !ok {
				notTaken = append(notTaken, c)
				f.IO.Errorf("import: run %s was killed while creating %s %s; if KeyCRM shows it twice, delete the copy without offers", r.RunID, c.Field, c.SKU)
			}
		}
		held, err := importer.Lookup(ctx, client, skus)
		if err != nil {
			return fmt.Errorf("settle killed run %s: %w", r.RunID, err)
		}
		for _, c := range r.Unconfirmed() {
			if _, ok := held[c.SKU]; c.Field == fieldSKU && !ok {
				notTaken = append(notTaken, c)
			}
		}
		if err := closeKilled(f, stateDir, r.RunID, len(held), len(skus)-len(held), notTaken); err != nil {
			return err
		}
		f.IO.Logf("import: settled run %s, killed while writing: %d of its %d unanswered offers exist in KeyCRM", r.RunID, len(held), len(skus))
	}
	return nil
}

// closeKilled appends the read-back and an outcome to a killed run's journal.
func closeKilled(f *cmdutil.Factory, stateDir, runID string, applied, failed int, notTaken []plan.Change) error {
	j, err := journal.Reopen(stateDir, runID, f.Now)
	if err != nil {
		return err
	}
	if err := j.ReadBack(notTaken, nil); err != nil {
		return err
	}
	return j.Finish(journal.Outcome{Status: journal.StatusOf(applied, failed), Applied: applied, Failed: failed})
}

// journaledCards collects the product cards earlier import runs created, by product
// key: a card has no SKU until its variants exist, so a run killed between the card
// and its variants is found again only through its journal.
func journaledCards(stateDir string) (map[string]int64, error) {
	runs, err := journal.List(stateDir)
	if err != nil {
		return nil, err
	}
	cards := map[string]int64{}
	for i := len(runs) - 1; i >= 0; i-- { // oldest first, so the newest card wins
		if runs[i].Command != catalogplan.CmdImport {
			continue
		}
		for _, b := range runs[i].Batches {
			for _, c := range b.Entries {
				if id, ok := c.To.Number(); ok && c.Field == "product" {
					cards[c.SKU] = id.Int64()
				}
			}
		}
	}
	return cards, nil
}

// settle records each sent request's outcome from the read-back: entries of SKUs
// that do not exist failed, the others carry their new offer ids.
func settle(j *journal.Journal, sent []journal.Batch, res *importer.Result) error {
	ids := map[string]int64{}
	for _, c := range res.Created {
		ids[c.SKU] = c.OfferID
	}
	var notTaken []plan.Change
	for _, b := range sent {
		if b.Status != journal.BatchSent {
			continue // a category or card, settled by its answer
		}
		b.Status = journal.BatchApplied
		for i, c := range b.Entries {
			if c.Field != fieldSKU {
				continue
			}
			if id, ok := ids[c.SKU]; ok {
				b.Entries[i].OfferID = id
				continue
			}
			b.Failed = append(b.Failed, c)
			notTaken = append(notTaken, c)
		}
		switch {
		case len(b.Failed) == len(b.Entries):
			b.Status = journal.BatchFailed
		case len(b.Failed) > 0:
			b.Status = journal.BatchPartial
		}
		if err := j.Batch(b); err != nil {
			return err
		}
	}
	return j.ReadBack(notTaken, nil)
}

func savePlan(path string, p *catalogplan.ImportPlan) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("--plan-out: %w", err)
	}
	return nil
}

// summary is the one-line summary on stderr.
func summary(p *catalogplan.ImportPlan, status string) string {
	s := p.Summary
	return fmt.Sprintf("import: %d products (%d offers) to create, %d categories to create, %d in KeyCRM already, %d duplicates, %d problems (%s)",
		s.Products, s.Variants, s.Categories, s.Matched, s.Duplicates, s.Problems, status)
}

// show prints the plan (and, after a run, what was created) in the -o format.
func show(w io.Writer, p *catalogplan.ImportPlan, res *importer.Result, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(p)
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"kind", "sku", "offer_id", "warehouse_id", "field", "from", "to", "row", "column", "error"})
		for _, r := range rowsOf(p, res) {
			_ = cw.Write([]string{r.kind, r.sku, r.id, "", r.field, "", r.to, r.row, r.column, r.err})
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tSKU\tOFFER\tFIELD\tVALUE\tROW\tERROR")
	for _, r := range rowsOf(p, res) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.kind, r.sku, r.id, r.field, r.to, r.row, r.err)
	}
	return tw.Flush()
}

type row struct{ kind, sku, id, field, to, row, column, err string }

func rowsOf(p *catalogplan.ImportPlan, res *importer.Result) []row {
	created := map[string]string{}
	if res != nil {
		for _, c := range res.Created {
			created[c.SKU] = strconv.FormatInt(c.OfferID, 10)
		}
	}
	var out []row
	for _, c := range p.Categories {
		out = append(out, row{kind: "create", sku: "", field: "category", to: c.Path})
	}
	for _, np := range p.Create {
		for _, v := range np.Variants {
			to := np.Name
			if np.Category != "" {
				to += " (" + np.Category + ")"
			}
			out = append(out, row{kind: "create", sku: v.SKU, id: created[v.SKU], field: "product", to: to, row: strconv.Itoa(v.Row)})
		}
	}
	for _, e := range p.Existing {
		out = append(out, row{kind: "existing", sku: e.SKU, id: strconv.FormatInt(e.OfferID, 10)})
	}
	for _, d := range p.Duplicates {
		out = append(out, row{kind: "duplicate", sku: d.SKU, err: fmt.Sprintf("held by %d KeyCRM offers", len(d.OfferIDs))})
	}
	for _, pr := range p.Problems {
		out = append(out, row{kind: "problem", sku: pr.SKU, field: pr.Field, to: pr.Value, row: strconv.Itoa(pr.Row), column: pr.Column, err: pr.Error})
	}
	return out
}
