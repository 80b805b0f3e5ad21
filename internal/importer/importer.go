// Package importer applies import plans: it creates categories, products and
// variants in KeyCRM and reads the new SKUs back for their ids.
//
// POST is not safe to repeat, so the client retries it only after a 429. After any
// other failure a request may or may not have taken: the batch's SKUs are read back
// and only the missing ones are sent once more. The final read-back decides what was
// created; a planned SKU it does not find is reported as failed, so a rerun (which
// plans only what is still missing) finishes the job and creates nothing twice.
package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

// Options shape one import run.
type Options struct {
	// Parents maps a plan's product key to the product an interrupted run
	// created for it (from that run's journal): such a product has no SKU of its
	// own until its variants exist, so only the journal can find it again.
	Parents map[string]int64
	// Sending is called before each write request leaves, with what it sends:
	// a run killed while waiting for an answer has still journaled the request.
	// An error stops the run before the request is sent.
	Sending func(Event) error
	// Journal is called after each write request with what it did, before the
	// next one is sent; an error stops the run.
	Journal func(Event) error
}

// Event is one journal record of a run.
type Event struct {
	// Kind is "category", "product", "import" or "offers".
	Kind string `json:"kind"`
	// Key is the category path or the product key of the plan.
	Key        string   `json:"key,omitempty"`
	ID         int64    `json:"id,omitempty"`
	SKUs       []string `json:"skus,omitempty"`
	Error      string   `json:"error,omitempty"`
	Resent     []string `json:"resent,omitempty"`
	ReadBackOK bool     `json:"read_back,omitempty"`
}

// Result is what a run created and what it could not.
type Result struct {
	Categories []Created `json:"categories"`
	Created    []Created `json:"created"`
	Failed     []Failed  `json:"failed"`
	Requests   int64     `json:"requests"`
}

// Created is one new category or offer with its ids.
type Created struct {
	SKU       string `json:"sku,omitempty"`
	Path      string `json:"path,omitempty"`
	OfferID   int64  `json:"offer_id,omitempty"`
	ProductID int64  `json:"product_id,omitempty"`
	ID        int64  `json:"id,omitempty"`
}

// Failed is a planned SKU (or category path) that does not exist after the run.
type Failed struct {
	SKU   string `json:"sku,omitempty"`
	Path  string `json:"path,omitempty"`
	Error string `json:"error"`
}

type run struct {
	c      *keycrm.Client
	opt    Options
	res    *Result
	catIDs map[string]int64
	catErr map[string]error
	why    map[string]string // SKU → why its write failed
}

// Apply applies the plan. An error is returned only when the run could not go on
// (the journal failed, the context ended); failures of single writes are in the
// result.
func Apply(ctx context.Context, c *keycrm.Client, p *catalogplan.ImportPlan, opt Options) (*Result, error) {
	start := c.Requests()
	r := &run{c: c, opt: opt, res: &Result{Categories: []Created{}, Created: []Created{}, Failed: []Failed{}},
		catIDs: map[string]int64{}, catErr: map[string]error{}, why: map[string]string{}}
	err := r.apply(ctx, p)
	r.res.Requests = c.Requests() - start
	return r.res, err
}

func (r *run) apply(ctx context.Context, p *catalogplan.ImportPlan) error {
	for _, nc := range p.Categories {
		if err := r.category(ctx, nc); err != nil {
			return err
		}
	}
	var simple []catalogplan.NewProduct
	for _, np := range p.Create {
		if err := r.categoryOf(np); err != nil {
			r.fail(np, err.Error())
			continue
		}
		if !np.HasVariants {
			simple = append(simple, np)
			continue
		}
		if err := r.variantProduct(ctx, np); err != nil {
			return err
		}
	}
	for batch := range slices.Chunk(simple, keycrm.MaxProductImport) {
		if err := r.importBatch(ctx, batch); err != nil {
			return err
		}
	}
	return r.readBack(ctx, p)
}

func (r *run) journal(e Event) error { return record(r.opt.Journal, e) }

func (r *run) sending(e Event) error { return record(r.opt.Sending, e) }

func record(hook func(Event) error, e Event) error {
	if hook == nil {
		return nil
	}
	if err := hook(e); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

func (r *run) fail(np catalogplan.NewProduct, why string) {
	for _, v := range np.Variants {
		r.why[v.SKU] = why
	}
}

// category creates one planned category under its (existing or new) parent.
func (r *run) category(ctx context.Context, nc catalogplan.NewCategory) error {
	parent := nc.ParentID
	if nc.ParentPath != "" {
		if err := r.catErr[nc.ParentPath]; err != nil {
			r.catErr[nc.Path] = err
			return nil
		}
		parent = r.catIDs[nc.ParentPath]
	}
	body := keycrm.CategoryCreate{Name: nc.Name}
	if parent != 0 {
		body.ParentID = &parent
	}
	ev := Event{Kind: "category", Key: nc.Path}
	if err := r.sending(ev); err != nil {
		return err
	}
	cat, err := r.c.CreateCategory(ctx, body)
	if err != nil {
		ev.Error = err.Error()
		// The category may have been created before the answer was lost.
		if found, ferr := r.findCategory(ctx, nc.Name, parent); ferr == nil && found != nil {
			cat, err, ev.ReadBackOK = found, nil, true
		}
	}
	if err != nil {
		r.catErr[nc.Path] = fmt.Errorf("category %s: %w", nc.Path, err)
		r.res.Failed = append(r.res.Failed, Failed{Path: nc.Path, Error: err.Error()})
	} else {
		r.catIDs[nc.Path] = cat.ID
		ev.ID = cat.ID
		r.res.Categories = append(r.res.Categories, Created{Path: nc.Path, ID: cat.ID})
	}
	return r.journal(ev)
}

func (r *run) findCategory(ctx context.Context, name string, parent int64) (*keycrm.Category, error) {
	ex, err := ReadTarget(ctx, r.c, nil, false)
	if err != nil {
		return nil, err
	}
	return ex.Categories.Child(parent, name), nil
}

// categoryOf fills in the id of a category created by this run.
func (r *run) categoryOf(np catalogplan.NewProduct) error {
	if np.Category == "" || np.CategoryID != 0 {
		return nil
	}
	return r.catErr[np.Category]
}

func (r *run) categoryID(np catalogplan.NewProduct) *int64 {
	id := np.CategoryID
	if id == 0 {
		id = r.catIDs[np.Category]
	}
	if id == 0 {
		return nil
	}
	return &id
}

func (r *run) card(np catalogplan.NewProduct) keycrm.ProductCreate {
	pc := keycrm.ProductCreate{Name: np.Name}
	pc.Pictures = np.Pictures
	pc.CategoryID = r.categoryID(np)
	if np.Description != "" {
		pc.Description = &np.Description
	}
	if np.Currency != "" {
		pc.CurrencyCode = &np.Currency
	}
	return pc
}

func (r *run) importBatch(ctx context.Context, batch []catalogplan.NewProduct) error {
	bySKU := map[string]keycrm.ProductCreate{}
	var skus []string
	for _, np := range batch {
		pc := r.card(np)
		o := np.Variants[0]
		pc.SKU = &o.SKU
		if o.Barcode != "" {
			pc.Barcode = &o.Barcode
		}
		pc.Price, pc.PurchasedPrice = o.Price, o.PurchasedPrice
		pc.Weight, pc.Length, pc.Width, pc.Height = o.Weight, o.Length, o.Width, o.Height
		bySKU[o.SKU] = pc
		skus = append(skus, o.SKU)
	}
	ev, err := r.send(ctx, Event{Kind: "import", SKUs: skus}, func(send []string) error {
		body := make([]keycrm.ProductCreate, len(send))
		for i, s := range send {
			body[i] = bySKU[s]
		}
		return r.c.ImportProducts(ctx, body)
	})
	if err != nil {
		return err
	}
	return r.journal(ev)
}

// variantProduct creates a product card (unless it exists) and adds its variants.
func (r *run) variantProduct(ctx context.Context, np catalogplan.NewProduct) error {
	id := np.ProductID
	if id == 0 {
		var err error
		if id, err = r.journaledCard(ctx, np.Key); err != nil {
			return err
		}
	}
	if id == 0 {
		ev := Event{Kind: "product", Key: np.Key}
		if err := r.sending(ev); err != nil {
			return err
		}
		p, err := r.c.CreateProduct(ctx, r.card(np))
		if err != nil {
			// No SKU names the card until its variants exist, so it cannot be
			// read back: the variants wait for a rerun, and the operator is told
			// to look for a stray card.
			ev.Error = err.Error()
			r.fail(np, fmt.Sprintf("creating product %q failed (%v); if KeyCRM shows it without variants, rerun with that product in the journal or delete it", np.Name, err))
			return r.journal(ev)
		}
		id, ev.ID = p.ID, p.ID
		if err := r.journal(ev); err != nil {
			return err
		}
	}
	for batch := range slices.Chunk(np.Variants, keycrm.MaxOfferCreate) {
		bySKU := map[string]keycrm.OfferCreate{}
		skus := make([]string, len(batch))
		for i, v := range batch {
			skus[i] = v.SKU
			bySKU[v.SKU] = v.OfferCreate
		}
		ev, err := r.send(ctx, Event{Kind: "offers", Key: np.Key, ID: id, SKUs: skus}, func(send []string) error {
			body := make([]keycrm.OfferCreate, len(send))
			for i, s := range send {
				body[i] = bySKU[s]
			}
			return r.c.CreateOffers(ctx, id, body)
		})
		if err != nil {
			return err
		}
		if err := r.journal(ev); err != nil {
			return err
		}
	}
	return nil
}

// journaledCard returns the card an earlier run created for the product key, if
// KeyCRM still has it (an operator may have deleted a stray card since).
func (r *run) journaledCard(ctx context.Context, key string) (int64, error) {
	id := r.opt.Parents[key]
	if id == 0 {
		return 0, nil
	}
	if _, err := r.c.GetProduct(ctx, id); err != nil {
		if errors.Is(err, keycrm.ErrNotFound) {
			return 0, nil
		}
		return 0, fmt.Errorf("check product %d journaled for %s: %w", id, key, err)
	}
	return id, nil
}

// send posts a batch by SKU, journaled before it leaves. After a failure it reads
// the SKUs back and sends the missing ones once more, journaled again; what still
// fails is left to the final read-back.
func (r *run) send(ctx context.Context, ev Event, post func([]string) error) (Event, error) {
	skus := ev.SKUs
	if err := r.sending(ev); err != nil {
		return ev, err
	}
	err := post(skus)
	if err == nil {
		return ev, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ev, ctxErr
	}
	ev.Error = err.Error()
	held, rerr := r.lookup(ctx, skus)
	if rerr != nil {
		r.failSKUs(skus, fmt.Sprintf("%v; reading back failed too: %v", err, rerr))
		return ev, nil
	}
	ev.ReadBackOK = true
	for _, s := range skus {
		if _, ok := held[s]; !ok {
			ev.Resent = append(ev.Resent, s)
		}
	}
	if len(ev.Resent) == 0 {
		return ev, nil
	}
	if err := r.sending(Event{Kind: ev.Kind, Key: ev.Key, ID: ev.ID, SKUs: ev.Resent}); err != nil {
		return ev, err
	}
	if err := post(ev.Resent); err != nil {
		r.failSKUs(ev.Resent, err.Error())
	}
	return ev, nil
}

func (r *run) failSKUs(skus []string, why string) {
	for _, s := range skus {
		r.why[s] = why
	}
}

func (r *run) lookup(ctx context.Context, skus []string) (map[string]keycrm.Offer, error) {
	return Lookup(ctx, r.c, skus)
}

// Lookup reads the offers holding the SKUs (50 a request), by SKU.
func Lookup(ctx context.Context, c *keycrm.Client, skus []string) (map[string]keycrm.Offer, error) {
	held := map[string]keycrm.Offer{}
	err := c.OffersBySKU(ctx, skus, false, func(pg *keycrm.Page[keycrm.Offer]) error {
		for _, o := range pg.Data {
			held[o.SKU] = o
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read back %d SKUs: %w", len(skus), err)
	}
	return held, nil
}

// readBack resolves every planned SKU to its new ids; what is not found failed.
func (r *run) readBack(ctx context.Context, p *catalogplan.ImportPlan) error {
	var skus []string
	for _, np := range p.Create {
		for _, v := range np.Variants {
			skus = append(skus, v.SKU)
		}
	}
	if len(skus) == 0 {
		return nil
	}
	held, err := r.lookup(ctx, skus)
	if err != nil {
		return err
	}
	for _, s := range skus {
		o, ok := held[s]
		if ok {
			r.res.Created = append(r.res.Created, Created{SKU: s, OfferID: o.ID, ProductID: o.ProductID})
			continue
		}
		why := r.why[s]
		if why == "" {
			why = "not found in KeyCRM after the run"
		}
		r.res.Failed = append(r.res.Failed, Failed{SKU: s, Error: why})
	}
	return nil
}

// ErrPartial reports a run after which some planned SKUs do not exist (exit 4).
var ErrPartial = errors.New("not everything was created")

// Err returns ErrPartial when anything failed.
func (res *Result) Err() error {
	if len(res.Failed) > 0 {
		return fmt.Errorf("%w: %d failed", ErrPartial, len(res.Failed))
	}
	return nil
}
