package catalogplan_test

import (
	"testing"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

func TestRenamesCostARequestEach(t *testing.T) {
	ep := &catalogplan.EditPlan{Plan: &plan.Plan{}, ProductIDs: map[int64]int64{}}
	for i := range int64(5000) {
		ep.Changes = append(ep.Changes,
			plan.Change{OfferID: i + 1, Field: "name", From: plan.TextValue("old"), To: plan.TextValue("new")},
			plan.Change{OfferID: i + 1, Field: "price", From: plan.NumberValue(decimal.FromInt(5)), To: plan.NumberValue(decimal.FromInt(6))})
		ep.ProductIDs[i+1] = i + 1
	}
	if ep.ProductRequests() != 5000 || ep.OfferRequests() != 1 {
		t.Errorf("%d product and %d offer requests, want 5000 and 1", ep.ProductRequests(), ep.OfferRequests())
	}
	if got := ep.Duration(60); got.Round(time.Minute) != 83*time.Minute {
		t.Errorf("5001 requests at 60 a minute take %v, want about 83 minutes", got)
	}
}

func TestRevertSkipsValuesKeyCRMNeverHeld(t *testing.T) {
	applied := []plan.Change{
		{SKU: "A", OfferID: 1, Field: "purchased_price", To: plan.NumberValue(decimal.FromInt(40))},
		{SKU: "A", OfferID: 1, Field: "price", From: plan.NumberValue(decimal.FromInt(90)), To: plan.NumberValue(decimal.FromInt(100))},
	}
	keep, skipped := catalogplan.Revertible(applied)
	if len(skipped) != 1 || skipped[0].Field != "purchased_price" || len(keep) != 1 || keep[0].Field != "price" {
		t.Errorf("keep %+v, skipped %+v", keep, skipped)
	}
}
