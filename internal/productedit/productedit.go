// Package productedit applies edit-products plans (and their reverts) to KeyCRM:
// offer fields with PUT /offers, 10,000 offers a request, and product fields with
// PUT /products/{id}, one request a product. Both carry absolute values, so the
// client retries them after 429, 5xx and network errors. What counts as applied is
// decided by reading the offers back afterwards, not by the answers.
package productedit

import (
	"context"
	"fmt"
	"slices"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

// Batch is one write request as the journal records it, before it is sent.
type Batch struct {
	// Method and Path name the request ("PUT /offers", "PUT /products/17").
	Method, Path string
	// Changes are the plan entries the request writes; their from values are
	// what revert puts back.
	Changes []plan.Change
	// Error is set on the record written after a request failed.
	Error string
}

// Options shape one run.
type Options struct {
	// Journal is called with each batch before it is sent and again, with Error
	// set, when it failed; an error from it stops the run before the next write.
	Journal func(Batch) error
}

// Outcome is a change after the read-back.
type Outcome struct {
	plan.Change
	// Now is what KeyCRM holds after the run.
	Now plan.Value `json:"now"`
	// Error says why the change did not take; "" when it did.
	Error string `json:"error,omitempty"`
}

// Result is what the run did, per change.
type Result struct {
	Applied  int       `json:"applied"`
	Failed   int       `json:"failed"`
	Requests int64     `json:"requests"`
	Outcomes []Outcome `json:"outcomes"`
}

// Apply writes the plan's changes and reads them back.
func Apply(ctx context.Context, c *keycrm.Client, ep *catalogplan.EditPlan, opt Options) (*Result, error) {
	start := c.Requests()
	res := &Result{}
	sendErr := map[int64]string{} // by offer id
	var offerChanges, productChanges []plan.Change
	for _, ch := range ep.Changes {
		if ep.IsProductWrite(ch) {
			productChanges = append(productChanges, ch)
		} else {
			offerChanges = append(offerChanges, ch)
		}
	}
	if err := putOffers(ctx, c, offerChanges, opt, sendErr); err != nil {
		res.Requests = c.Requests() - start
		return res, err
	}
	if err := putProducts(ctx, c, ep, productChanges, opt, sendErr); err != nil {
		res.Requests = c.Requests() - start
		return res, err
	}
	err := readBack(ctx, c, ep, sendErr, res)
	res.Requests = c.Requests() - start
	return res, err
}

func journal(opt Options, b Batch) error {
	if opt.Journal == nil {
		return nil
	}
	if err := opt.Journal(b); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

// send journals a batch, sends it and journals a failure; a failed request is left
// to the read-back, which may find it took after all.
func send(opt Options, b Batch, sendErr map[int64]string, do func() error) error {
	if err := journal(opt, b); err != nil {
		return err
	}
	err := do()
	if err == nil {
		return nil
	}
	for _, ch := range b.Changes {
		sendErr[ch.OfferID] = err.Error()
	}
	b.Error = err.Error()
	return journal(opt, b)
}

func putOffers(ctx context.Context, c *keycrm.Client, changes []plan.Change, opt Options, sendErr map[int64]string) error {
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
	for chunk := range slices.Chunk(ids, keycrm.MaxOfferUpdates) {
		in := map[int64]bool{}
		body := make([]keycrm.OfferUpdate, len(chunk))
		for i, id := range chunk {
			body[i] = *byOffer[id]
			in[id] = true
		}
		b := Batch{Method: "PUT", Path: "/offers"}
		for _, ch := range changes {
			if in[ch.OfferID] {
				b.Changes = append(b.Changes, ch)
			}
		}
		if err := send(opt, b, sendErr, func() error { return c.PutOffers(ctx, body) }); err != nil {
			return err
		}
	}
	return nil
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
	switch ch.Field {
	case catalog.FieldPrice:
		u.Price = &d
	case catalog.FieldPurchasedPrice:
		u.PurchasedPrice = &d
	case catalog.FieldWeight:
		u.Weight = &d
	case catalog.FieldLength:
		u.Length = &d
	case catalog.FieldWidth:
		u.Width = &d
	case catalog.FieldHeight:
		u.Height = &d
	default:
		return fmt.Errorf("%s of %s cannot be written with PUT /offers", ch.Field, ch.SKU)
	}
	return nil
}

func putProducts(ctx context.Context, c *keycrm.Client, ep *catalogplan.EditPlan, changes []plan.Change, opt Options, sendErr map[int64]string) error {
	byProduct := map[int64][]plan.Change{}
	var ids []int64
	for _, ch := range changes {
		id := ep.ProductIDs[ch.OfferID]
		if byProduct[id] == nil {
			ids = append(ids, id)
		}
		byProduct[id] = append(byProduct[id], ch)
	}
	slices.Sort(ids)
	for _, id := range ids {
		var u keycrm.ProductUpdate
		for _, ch := range byProduct[id] {
			if err := setProductField(&u, ch); err != nil {
				return err
			}
		}
		b := Batch{Method: "PUT", Path: fmt.Sprintf("/products/%d", id), Changes: byProduct[id]}
		err := send(opt, b, sendErr, func() error {
			_, err := c.UpdateProduct(ctx, id, u)
			return err
		})
		if err != nil {
			return err
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
	switch ch.Field {
	case catalog.FieldName:
		u.Name = &s
	case catalog.FieldDescription:
		u.Description = &s
	case catalog.FieldBarcode:
		u.Barcode = &s
	default:
		return fmt.Errorf("%s of %s cannot be written with PUT /products/{id}", ch.Field, ch.SKU)
	}
	return nil
}

// readBack reads every written offer (50 a request, with its card when a product
// field was written) and decides each change.
func readBack(ctx context.Context, c *keycrm.Client, ep *catalogplan.EditPlan, sendErr map[int64]string, res *Result) error {
	var ids []int64
	withProduct := false
	seen := map[int64]bool{}
	for _, ch := range ep.Changes {
		withProduct = withProduct || ep.IsProductWrite(ch) || ch.Field == catalog.FieldBarcode
		if !seen[ch.OfferID] {
			seen[ch.OfferID] = true
			ids = append(ids, ch.OfferID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	now := map[int64]keycrm.Offer{}
	err := c.OffersByID(ctx, ids, withProduct, func(pg *keycrm.Page[keycrm.Offer]) error {
		for _, o := range pg.Data {
			now[o.ID] = o
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read back %d offers: %w", len(ids), err)
	}
	for _, ch := range ep.Changes {
		out := Outcome{Change: ch}
		o, ok := now[ch.OfferID]
		switch {
		case !ok:
			out.Error = "the offer is gone from KeyCRM"
		default:
			out.Now, _ = catalogplan.TargetValue(ch.Field, &o)
			if !out.Now.Equal(ch.To) {
				out.Error = "KeyCRM still holds " + nullable(out.Now)
				if e := sendErr[ch.OfferID]; e != "" {
					out.Error = e
				} else if !out.Now.Equal(ch.From) {
					out.Error = "changed by someone else: KeyCRM now holds " + nullable(out.Now)
				}
			}
		}
		if out.Error == "" {
			res.Applied++
		} else {
			res.Failed++
		}
		res.Outcomes = append(res.Outcomes, out)
	}
	return nil
}

func nullable(v plan.Value) string {
	if v.IsZero() {
		return "no value"
	}
	return v.String()
}
