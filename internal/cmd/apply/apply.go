// Package apply implements `keycrm-sync apply PLAN.json`: write a plan saved with
// --plan-out, after checking that every value it expects still holds.
package apply

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/journal"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
	"github.com/keycrm-sync/keycrm-sync/internal/target/registry"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
)

// Options are apply's inputs.
type Options struct {
	F     *cmdutil.Factory
	Path  string
	Write writeflow.Options
}

// NewCmdApply builds the command; runF replaces run in tests.
func NewCmdApply(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "apply PLAN.json",
		Short: "Apply a plan saved with --plan-out, if its target still holds what it expects",
		Long: `apply writes a plan saved by a write command's --plan-out (push-stock,
pull-stock, edit-products, revert), to the target the plan names, behaving like that
command (lock, guards, confirmation or --yes, journal, read-back). First it reads
the planned items again: an entry whose current value is no longer the plan's
"from" is stale, and a stale plan is refused (exit 3) unless --force. It refuses
(exit 2) diff plans, plans already applied, and plans made for another API URL. A
pull-stock plan rewrites the stock cells of the rows it changes, as --update does;
one that adds rows (a new file) is refused: run pull-stock again.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	writeflow.AddFlags(cmd, &opts.Write)
	return cmd
}

// commands are those whose saved plans apply writes; diff never writes, and import
// creates what no plan entry can recreate.
var commands = []string{plan.CmdPushStock, plan.CmdPullStock, catalogplan.CmdEdit, plan.CmdRevert}

// Read reads a saved plan and refuses what no target can apply.
func Read(path string) (*plan.Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	// An import plan has keys of its own; name it before the strict decoding
	// below calls it no plan at all.
	var head struct{ Command string }
	if json.Unmarshal(data, &head) == nil && head.Command == catalogplan.CmdImport {
		return nil, fmt.Errorf("plan %s was made by import, which is not applied from a file: rerun import, which plans again against KeyCRM and creates only what is still missing", path)
	}
	var p plan.Plan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("read plan %s: not a keycrm-sync plan: %w", path, err)
	}
	switch {
	case p.Version != plan.Version:
		return nil, fmt.Errorf("plan %s has version %d; this keycrm-sync reads version %d", path, p.Version, plan.Version)
	case p.Command == plan.CmdDiff:
		return nil, fmt.Errorf("plan %s was made by diff, which compares and never writes", path)
	case !slices.Contains(commands, p.Command):
		return nil, fmt.Errorf("plan %s of command %q cannot be applied by this version", path, p.Command)
	case p.Result != nil && p.Result.RunID == "":
		return nil, fmt.Errorf("plan %s was already carried out (it had nothing to change)", path)
	case p.Result != nil:
		return nil, fmt.Errorf("plan %s was already applied (run %s)", path, p.Result.RunID)
	}
	return &p, nil
}

// Load reads a saved plan and refuses what cannot be applied to t.
func Load(path string, t target.Target) (*plan.Plan, error) {
	p, err := Read(path)
	if err != nil {
		return nil, err
	}
	if err := fits(path, p, t); err != nil {
		return nil, err
	}
	return p, nil
}

// fits refuses a plan made for another API URL than t's, or whose entries t cannot
// write.
func fits(path string, p *plan.Plan, t target.Target) error {
	want := t.Describe().APIURL
	if (want == nil) != (p.Target.APIURL == nil) || (want != nil && *want != *p.Target.APIURL) {
		return fmt.Errorf("plan %s was made for %s, not %s", path, apiURL(p.Target.APIURL), apiURL(want))
	}
	if err := checkEntries(p, t.Fields(), want != nil); err != nil {
		return fmt.Errorf("plan %s: %w", path, err)
	}
	if c, ok := t.(target.PlanChecker); ok {
		if err := c.CheckPlan(p); err != nil {
			return fmt.Errorf("plan %s: %w", path, err)
		}
	}
	return nil
}

func apiURL(u *string) string {
	if u == nil {
		return "no API URL"
	}
	return *u
}

// checkEntries refuses a plan whose entries the command that made it could not have
// written (an edited or damaged file): apply writes what the plan says, so what it
// says must be a write of one of fields (the target's) into one of the plan's
// warehouses (none for a plan of totals), once per item. Entries of a KeyCRM plan
// name their offer.
func checkEntries(p *plan.Plan, fields []string, byOffer bool) error {
	seen := make(map[plan.Key]bool, len(p.Changes))
	for i, c := range p.Changes {
		where := fmt.Sprintf("entry %d (%s)", i+1, c.SKU)
		to, ok := c.To.Number()
		inWarehouse := slices.Contains(p.Target.WarehouseIDs, c.WarehouseID) || (len(p.Target.WarehouseIDs) == 0 && c.WarehouseID == 0)
		switch {
		case !slices.Contains(fields, c.Field):
			return fmt.Errorf("%s: field %q: apply writes %s only", where, c.Field, strings.Join(fields, ", "))
		case catalog.NormalizeSKU(c.SKU) == "":
			return fmt.Errorf("%s: no SKU", where)
		case byOffer && c.OfferID <= 0:
			return fmt.Errorf("%s: no offer_id", where)
		case !inWarehouse:
			return fmt.Errorf("%s: warehouse %d is not among the plan's warehouses %v", where, c.WarehouseID, p.Target.WarehouseIDs)
		case c.Field == catalog.FieldQuantity && (!ok || to.Sign() < 0):
			return fmt.Errorf("%s: \"to\" must be a quantity of 0 or more, not %s", where, c.To)
		case seen[c.Key()]:
			return fmt.Errorf("%s: %s of %s is written twice", where, c.Field, itemName(c))
		}
		seen[c.Key()] = true
	}
	return nil
}

// itemName names an entry's item in messages, by its target's key.
func itemName(c plan.Change) string {
	if c.OfferID == 0 {
		return c.SKU
	}
	if c.WarehouseID == 0 {
		return fmt.Sprintf("offer %d", c.OfferID)
	}
	return fmt.Sprintf("offer %d in warehouse %d", c.OfferID, c.WarehouseID)
}

// checkOffers refuses entries whose offer no longer carries the plan's SKU (renamed
// since, or never this SKU's: an edited plan), so nothing is written to an offer the
// plan did not mean; offers that are gone are the staleness check's to report.
func checkOffers(p *plan.Plan, live plan.Snapshot) error {
	skus := make(map[int64]string, len(live.Offers))
	for _, o := range live.Offers {
		skus[o.ID] = catalog.NormalizeSKU(o.SKU)
	}
	for _, c := range p.Changes {
		if sku, ok := skus[c.OfferID]; ok && c.OfferID != 0 && sku != catalog.NormalizeSKU(c.SKU) {
			return fmt.Errorf("the plan writes %s to offer %d, which holds SKU %q in KeyCRM; make the plan again", c.SKU, c.OfferID, sku)
		}
	}
	return nil
}

// checkRevert refuses a revert plan that does not put back what its run wrote: apply
// trusts a revert plan to skip the guards that only fit a source, so its claim is
// checked against the run's journal.
func checkRevert(stateDir, runID string, p *plan.Plan) error {
	r, err := journal.Load(stateDir, runID)
	if err != nil {
		return fmt.Errorf("the plan reverts run %s: %w", runID, err)
	}
	was := map[plan.Key]plan.Value{}
	for _, c := range slices.Concat(r.Applied(), r.Unconfirmed()) {
		was[c.Key()] = c.From
	}
	for _, c := range p.Changes {
		if from, ok := was[c.Key()]; !ok || !from.Equal(c.To) {
			return fmt.Errorf("the plan says it reverts run %s, but its entry for %s (offer %d) is not a value that run replaced", runID, c.SKU, c.OfferID)
		}
	}
	return nil
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	if err := opts.Write.Check(f); err != nil {
		return err
	}
	p, err := Read(opts.Path)
	if err != nil {
		return err
	}
	built, err := registry.For(ctx, f, p)
	if err != nil {
		return fmt.Errorf("plan %s: %w", opts.Path, err)
	}
	defer built.Close()
	if err := fits(opts.Path, p, built.Target); err != nil {
		return err
	}
	release, err := opts.Write.Lock(f)
	if err != nil {
		return err
	}
	defer release()
	live, err := registry.Current(ctx, built.Target, p.Changes)
	if err != nil {
		return err
	}
	if err := checkOffers(p, live); err != nil {
		return err
	}
	stale := plan.Stale(p, live)
	flow := &writeflow.Flow{
		F:        f,
		Opts:     &opts.Write,
		Target:   built.Target,
		Requests: built.Requests,
		Checks:   checks(p),
		Stale:    stale,
	}
	if p.Command == plan.CmdRevert {
		reverted, ok := strings.CutPrefix(p.Source.Location, "run ")
		stateDir, err := f.StateDir()
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("plan %s: a revert plan names the run it reverts as its source, not %q", opts.Path, p.Source.Location)
		}
		if err := checkRevert(stateDir, reverted, p); err != nil {
			return fmt.Errorf("plan %s: %w", opts.Path, err)
		}
		// Applied now, it marks the run it reverts, as revert itself would.
		flow.Applied = func(runID string) error {
			return journal.MarkReverted(stateDir, reverted, runID, f.Now)
		}
	}
	if len(stale) > 0 && !opts.Write.Force {
		return flow.RefuseStale(p, stale)
	}
	refresh(p, stale)
	return flow.Run(ctx, p)
}

// checks are the guards of the command that made the plan: a saved plan does not
// record push-stock's --missing zero, but only zeroing entries need min-coverage,
// and they are recognisable because their SKU is listed as missing in the source. A
// revert plan is checked as revert checks it.
func checks(p *plan.Plan) plan.Checks {
	switch p.Command {
	case plan.CmdRevert:
		return plan.Checks{}
	case plan.CmdPullStock:
		return plan.Checks{Empty: true}
	case catalogplan.CmdEdit:
		return catalogplan.EditChecks
	}
	return plan.Checks{Source: true, Coverage: p.ZeroesMissing()}
}

// refresh puts the live value into the From of stale entries written under
// --force: the journal must record what was really replaced, or a revert would put
// back a value KeyCRM never held at the time. An entry whose live value already is
// its To needs no write and leaves the plan; its item then counts as unchanged.
func refresh(p *plan.Plan, stale []plan.StaleEntry) {
	live := make(map[plan.Key]plan.Value, len(stale))
	for _, s := range stale {
		if !s.Live.IsZero() {
			live[s.Key()] = s.Live
		}
	}
	before, after := map[plan.Key]bool{}, map[plan.Key]bool{}
	kept := p.Changes[:0]
	for _, c := range p.Changes {
		before[c.Item()] = true
		if v, ok := live[c.Key()]; ok {
			if v.Equal(c.To) {
				continue
			}
			c.From = v
		}
		after[c.Item()] = true
		kept = append(kept, c)
	}
	p.Changes = kept
	done := len(before) - len(after)
	p.Summary.Changes -= done
	p.Summary.Unchanged += done
}
