package registry

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil/cmdtest"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

func change(field string, to plan.Value) plan.Change {
	return plan.Change{SKU: "A-1", OfferID: 1, Field: field, To: to}
}

// Each kind of saved plan gets the target its command wrote to, and a plan no
// target handles is an error naming it.
func TestFor(t *testing.T) {
	env := cmdtest.New(t, cmdtest.Seed(map[string]int64{"A-1": 5}))
	u := "http://keycrm.test/v1"
	keycrm := plan.Target{Location: plan.KeyCRM, APIURL: &u}
	price := plan.NumberValue(decimal.FromInt(10))
	qty := plan.NumberValue(decimal.FromInt(3))
	for _, tt := range []struct {
		name string
		p    plan.Plan
		want string
	}{
		{"push-stock", plan.Plan{Command: plan.CmdPushStock, Target: keycrm}, "*keycrmstock.Stock"},
		{"revert of stock", plan.Plan{Command: plan.CmdRevert, Target: keycrm, Changes: []plan.Change{change(catalog.FieldQuantity, qty)}}, "*keycrmstock.Stock"},
		{"edit-products", plan.Plan{Command: catalogplan.CmdEdit, Target: keycrm}, "*keycrmproducts.Products"},
		{"revert of an edit", plan.Plan{Command: plan.CmdRevert, Target: keycrm, Changes: []plan.Change{change(catalog.FieldPrice, price)}}, "*keycrmproducts.Products"},
		{"pull-stock by extension", plan.Plan{Command: plan.CmdPullStock, Target: plan.Target{Location: "feed.xml"}}, "*file.File"},
		{"pull-stock with a format", plan.Plan{Command: plan.CmdPullStock, Target: plan.Target{Location: "feed.dat", Format: "yml"}}, "*file.File"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := For(context.Background(), env.F, &tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%T", b.Target); got != tt.want {
				t.Errorf("built %s, want %s", got, tt.want)
			}
			if b.Requests == nil {
				t.Error("no request counter")
			}
		})
	}
	_, err := For(context.Background(), env.F, &plan.Plan{Command: plan.CmdPullStock, Target: plan.Target{Location: "mystery.bin"}})
	if err == nil || !strings.Contains(err.Error(), "mystery.bin") {
		t.Fatalf("unknown target: %v", err)
	}
	// A shop database plan connects to the shop (testdata/script/shop_*.txtar
	// apply such plans); one that cannot be reached says where.
	_, err = For(context.Background(), env.F, &plan.Plan{Command: plan.CmdPullStock, Target: plan.Target{Location: "woocommerce://shop:****@127.0.0.1:1/wp"}})
	if err == nil || !strings.Contains(err.Error(), "woocommerce://shop@127.0.0.1:1/wp") {
		t.Fatalf("an unreachable shop: %v", err)
	}
}

// A file has no read by key: its current values are its whole snapshot, by SKU.
func TestCurrentOfAFile(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "stock.csv")
	if err := os.WriteFile(dst, []byte("sku,quantity\nA-1,4\nB-2,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &plan.Plan{Command: plan.CmdPullStock, Target: plan.Target{Location: dst}}
	env := cmdtest.New(t, cmdtest.Seed(map[string]int64{"A-1": 5}))
	b, err := For(context.Background(), env.F, p)
	if err != nil {
		t.Fatal(err)
	}
	live, err := Current(context.Background(), b.Target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Offers) != 2 || live.Offers[0].SKU != "A-1" || live.Offers[0].Total.Quantity.String() != "4" {
		t.Fatalf("live = %+v", live.Offers)
	}
}
