// Package registry builds the target a saved plan or a journaled run writes to, from
// the plan's target description and command: apply and revert find their target
// here and nowhere else. A new target is its package plus one line in builders.
package registry

import (
	"context"
	"fmt"
	"slices"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/filetarget"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
	"github.com/keycrm-sync/keycrm-sync/internal/target/file"
	"github.com/keycrm-sync/keycrm-sync/internal/target/keycrmproducts"
	"github.com/keycrm-sync/keycrm-sync/internal/target/keycrmstock"
	"github.com/keycrm-sync/keycrm-sync/internal/target/shop"
)

// Built is a target with the request counter of the client it sends through (for the
// result's requests); a target that sends no request counts none.
type Built struct {
	Target   target.Target
	Requests func() int64
	// closer releases what the target holds open (a database connection).
	closer func() error
}

// Close releases the target's connection, if it holds one.
func (b Built) Close() error {
	if b.closer == nil {
		return nil
	}
	return b.closer()
}

type builder struct {
	// handles says whether the plan was made for this target.
	handles func(p *plan.Plan) bool
	build   func(ctx context.Context, f *cmdutil.Factory, p *plan.Plan) (Built, error)
}

// builders are tried in order; the first that handles a plan builds its target.
var builders = []builder{
	{handles: keycrmFields, build: keycrmProducts},
	{handles: keycrmStock, build: keycrmStockTarget},
	{handles: shopTarget, build: shopTargetFor},
	{handles: fileTarget, build: fileTargetFor},
}

// For builds the target p was made for; the caller closes it.
func For(ctx context.Context, f *cmdutil.Factory, p *plan.Plan) (Built, error) {
	for _, b := range builders {
		if b.handles(p) {
			return b.build(ctx, f, p)
		}
	}
	return Built{}, fmt.Errorf("no target of this keycrm-sync writes %s plans to %s (format %q)", p.Command, p.Target.Name(), p.Target.Format)
}

// keycrmFields: offer and product fields, written by edit-products, and the revert
// plans of such runs, whose entries name fields other than the quantity.
func keycrmFields(p *plan.Plan) bool {
	if p.Target.Location != plan.KeyCRM {
		return false
	}
	return p.Command == catalogplan.CmdEdit || (p.Command == plan.CmdRevert && slices.ContainsFunc(p.Changes, func(c plan.Change) bool {
		return c.Field != catalog.FieldQuantity
	}))
}

func keycrmStock(p *plan.Plan) bool { return p.Target.Location == plan.KeyCRM }

// fileTarget: a file or feed pull-stock wrote, in the format its plan records (by
// the extension in plans that record none).
func fileTarget(p *plan.Plan) bool {
	if p.Target.APIURL != nil || p.Target.Location == plan.KeyCRM {
		return false
	}
	_, err := filetarget.FormatOf(p.Target.Location, filetarget.Options{Format: p.Target.Format})
	return err == nil
}

// shopTarget: a shop database pull-stock wrote into.
func shopTarget(p *plan.Plan) bool { return shop.Is(p.Target.Location) }

func keycrmProducts(_ context.Context, f *cmdutil.Factory, _ *plan.Plan) (Built, error) {
	c, err := f.KeyCRM()
	if err != nil {
		return Built{}, err
	}
	return Built{Target: keycrmproducts.New(c), Requests: c.Requests}, nil
}

func keycrmStockTarget(_ context.Context, f *cmdutil.Factory, _ *plan.Plan) (Built, error) {
	c, err := f.KeyCRM()
	if err != nil {
		return Built{}, err
	}
	return Built{Target: keycrmstock.New(c), Requests: c.Requests}, nil
}

// shopTargetFor connects to the shop database (its password from
// KEYCRM_SYNC_DB_PASSWORD, as plans and journals mask it). The plan's values were
// rounded by pull-stock's --round already, and a revert puts journaled values
// back exactly.
func shopTargetFor(ctx context.Context, _ *cmdutil.Factory, p *plan.Plan) (Built, error) {
	s, err := shop.Open(ctx, p.Target.Location, shopdb.WriteOptions{})
	if err != nil {
		return Built{}, err
	}
	t := s
	if p.Command == plan.CmdRevert {
		t = s.Reverting()
	}
	return Built{Target: t, Requests: func() int64 { return 0 }, closer: s.Close}, nil
}

func fileTargetFor(_ context.Context, f *cmdutil.Factory, p *plan.Plan) (Built, error) {
	return Built{Target: file.FromPlan(p, f.IO.Out, f.XLSXLimits()), Requests: func() int64 { return 0 }}, nil
}

// Current reads what t holds now for the entries: by the entries' own keys where the
// target can (ReadBacker), else its whole snapshot (a file, read in one go).
func Current(ctx context.Context, t target.Target, entries []plan.Change) (plan.Snapshot, error) {
	if rb, ok := t.(target.ReadBacker); ok {
		return rb.Current(ctx, entries)
	}
	return t.Snapshot(ctx, target.Need{})
}
