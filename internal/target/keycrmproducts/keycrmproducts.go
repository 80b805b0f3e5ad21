// Package keycrmproducts is KeyCRM's catalogue as a write target, for edit-products
// and its reverts: offer fields with PUT /offers (10,000 offers a request, by offer
// id), product fields with PUT /products/{id} (one request a product). Both carry
// absolute values, so the client retries them after 429, 5xx and network errors;
// what took is decided by reading the offers back (50 a request), not by the answers.
package keycrmproducts

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

// Products writes KeyCRM's offers and product cards.
type Products struct {
	c *keycrm.Client
	// products maps offer ids to their products, learnt from every read; a
	// product write whose offer is not in it reads the offer first.
	products map[int64]int64
}

var _ target.ReadBacker = (*Products)(nil)

// New returns the catalogue target on c.
func New(c *keycrm.Client) *Products { return &Products{c: c, products: map[int64]int64{}} }

// Learn records which product each offer belongs to (from the plan's read).
func (t *Products) Learn(productIDs map[int64]int64) {
	for o, p := range productIDs {
		t.products[o] = p
	}
}

// Describe names KeyCRM and its API URL.
func (t *Products) Describe() plan.Target {
	u := t.c.BaseURL()
	return plan.Target{Location: plan.KeyCRM, APIURL: &u, WarehouseIDs: []int64{}}
}

// Fields are the fields edit-products writes.
func (t *Products) Fields() []string { return catalogplan.EditFields() }

// BatchSize is KeyCRM's limit of PUT /offers.
func (t *Products) BatchSize() int { return keycrm.MaxOfferUpdates }

// Snapshot reads the source's SKUs with their cards (50 a request).
func (t *Products) Snapshot(ctx context.Context, need target.Need) (plan.Snapshot, error) {
	var offers []keycrm.Offer
	err := t.c.OffersBySKU(ctx, need.SKUs, true, func(pg *keycrm.Page[keycrm.Offer]) error {
		offers = append(offers, pg.Data...)
		return nil
	})
	if err != nil {
		return plan.Snapshot{}, fmt.Errorf("read KeyCRM offers by SKU: %w", err)
	}
	return t.snapshot(offers), nil
}

// Current reads the entries' offers with their cards, 50 a request.
func (t *Products) Current(ctx context.Context, entries []plan.Change) (plan.Snapshot, error) {
	offers, err := t.read(ctx, offerIDs(entries))
	if err != nil {
		return plan.Snapshot{}, err
	}
	return t.snapshot(offers), nil
}

func (t *Products) read(ctx context.Context, ids []int64) ([]keycrm.Offer, error) {
	var offers []keycrm.Offer
	err := t.c.OffersByID(ctx, ids, true, func(pg *keycrm.Page[keycrm.Offer]) error {
		offers = append(offers, pg.Data...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %d KeyCRM offers: %w", len(ids), err)
	}
	return offers, nil
}

// snapshot turns offers into the plan's snapshot: every edit field's value, so a
// read-back and a staleness check compare what edit-products compares.
func (t *Products) snapshot(offers []keycrm.Offer) plan.Snapshot {
	snap := plan.Snapshot{Offers: make([]plan.Offer, 0, len(offers))}
	for i := range offers {
		o := &offers[i]
		t.products[o.ID] = o.ProductID
		po := plan.Offer{ID: o.ID, SKU: o.SKU, Fields: map[string]plan.Value{}}
		for _, f := range catalogplan.EditFields() {
			if v, ok := catalogplan.TargetValue(f, o); ok {
				po.Fields[f] = v
			}
		}
		if v, ok := po.Fields[catalog.FieldPrice].Number(); ok {
			po.Price = catalog.Known(v)
		}
		if v, ok := po.Fields[catalog.FieldPurchasedPrice].Number(); ok {
			po.PurchasedPrice = catalog.Known(v)
		}
		po.Name, _ = po.Fields[catalog.FieldName].Text()
		snap.Offers = append(snap.Offers, po)
	}
	return snap
}

// Write sends a batch: its offer fields in one PUT /offers, then one
// PUT /products/{id} per product with changed card fields.
func (t *Products) Write(ctx context.Context, b target.Batch) error {
	var offerChanges, productChanges []plan.Change
	for _, ch := range b.Entries {
		if catalogplan.IsProductField(ch.Field) {
			productChanges = append(productChanges, ch)
		} else {
			offerChanges = append(offerChanges, ch)
		}
	}
	if err := t.putOffers(ctx, offerChanges); err != nil {
		return err
	}
	return t.putProducts(ctx, productChanges)
}

// Refused never clears a write as certainly not applied: one batch is several
// requests (offers, then each product), so a failure of one says nothing of the
// others, and the read-back decides every entry.
func (t *Products) Refused(error, target.Batch) ([]int, bool) { return nil, false }

func (t *Products) putOffers(ctx context.Context, changes []plan.Change) error {
	if len(changes) == 0 {
		return nil
	}
	byOffer := map[int64]*keycrm.OfferUpdate{}
	var ids []int64
	for _, ch := range changes {
		u := byOffer[ch.OfferID]
		if u == nil {
			u = &keycrm.OfferUpdate{ID: ch.OfferID}
			byOffer[ch.OfferID] = u
			ids = append(ids, ch.OfferID)
		}
		if err := setOfferField(u, ch); err != nil {
			return err
		}
	}
	slices.Sort(ids)
	body := make([]keycrm.OfferUpdate, len(ids))
	for i, id := range ids {
		body[i] = *byOffer[id]
	}
	return t.c.PutOffers(ctx, body)
}

func setOfferField(u *keycrm.OfferUpdate, ch plan.Change) error {
	if ch.Field == catalog.FieldImageURL {
		s, _ := ch.To.Text()
		u.ImageURL = &s
		return nil
	}
	d, ok := ch.To.Number()
	if !ok {
		return fmt.Errorf("%s of %s: want a number, the plan holds %q", ch.Field, ch.SKU, ch.To.String())
	}
	dst := map[string]**decimal.Decimal{
		catalog.FieldPrice: &u.Price, catalog.FieldPurchasedPrice: &u.PurchasedPrice,
		catalog.FieldWeight: &u.Weight, catalog.FieldLength: &u.Length, catalog.FieldWidth: &u.Width, catalog.FieldHeight: &u.Height,
	}[ch.Field]
	if dst == nil {
		return fmt.Errorf("%s of %s cannot be written with PUT /offers", ch.Field, ch.SKU)
	}
	*dst = &d
	return nil
}

func (t *Products) putProducts(ctx context.Context, changes []plan.Change) error {
	if len(changes) == 0 {
		return nil
	}
	if err := t.learnProducts(ctx, changes); err != nil {
		return err
	}
	byProduct := map[int64]*keycrm.ProductUpdate{}
	var ids []int64
	for _, ch := range changes {
		id := t.products[ch.OfferID]
		u := byProduct[id]
		if u == nil {
			u = &keycrm.ProductUpdate{}
			byProduct[id] = u
			ids = append(ids, id)
		}
		if err := setProductField(u, ch); err != nil {
			return err
		}
	}
	slices.Sort(ids)
	var failed error
	for _, id := range ids {
		// One product's failure does not stop the others: each is its own
		// request, and the read-back sorts out which took.
		if _, err := t.c.UpdateProduct(ctx, id, *byProduct[id]); err != nil {
			if ctx.Err() != nil {
				return err
			}
			failed = fmt.Errorf("product %d: %w", id, err)
		}
	}
	return failed
}

// learnProducts reads the offers whose product is not known yet (a saved plan, a
// revert from the journal).
func (t *Products) learnProducts(ctx context.Context, changes []plan.Change) error {
	var unknown []int64
	for _, id := range offerIDs(changes) {
		if _, ok := t.products[id]; !ok {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	offers, err := t.read(ctx, unknown)
	if err != nil {
		return err
	}
	t.snapshot(offers)
	for _, id := range unknown {
		if _, ok := t.products[id]; !ok {
			return fmt.Errorf("offer %d is not in KeyCRM", id)
		}
	}
	return nil
}

func setProductField(u *keycrm.ProductUpdate, ch plan.Change) error {
	if ch.Field == catalog.FieldCategory {
		d, ok := ch.To.Number()
		if !ok || !d.IsInteger() {
			return fmt.Errorf("category of %s: want a category id, the plan holds %q", ch.SKU, ch.To.String())
		}
		id := d.Int64()
		u.CategoryID = &id
		return nil
	}
	s, _ := ch.To.Text()
	dst := map[string]**string{
		catalog.FieldName: &u.Name, catalog.FieldDescription: &u.Description, catalog.FieldBarcode: &u.Barcode,
	}[ch.Field]
	if dst == nil {
		return fmt.Errorf("%s of %s cannot be written with PUT /products/{id}", ch.Field, ch.SKU)
	}
	*dst = &s
	return nil
}

// offerIDs lists the offers changes name, in id order.
func offerIDs(changes []plan.Change) []int64 {
	set := make(map[int64]bool, len(changes))
	for _, c := range changes {
		if c.OfferID != 0 {
			set[c.OfferID] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}
