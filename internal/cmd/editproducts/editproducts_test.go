package editproducts

import (
	"context"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil/cmdtest"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
)

func TestNewCmdEditProducts(t *testing.T) {
	tests := []struct {
		args  []string
		usage string
	}{
		{args: []string{"--from", "p.csv", "--fields", "price,name"}},
		{args: []string{"--fields", "price"}, usage: "needs --from"},
		{args: []string{"--from", "p.csv", "--fields", "price,quantity"}, usage: `"quantity" cannot be edited`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got *Options
			cmd := NewCmdEditProducts(cmdtest.New(t, cmdtest.Seed(nil)).F, func(_ context.Context, o *Options) error {
				got = o
				return nil
			})
			err := cmdtest.Execute(cmd, tt.args...)
			if tt.usage != "" {
				cmdtest.WantUsage(t, err, tt.usage)
				return
			}
			if err != nil || got.From != "p.csv" || strings.Join(got.Fields, ",") != "price,name" {
				t.Fatalf("%v %+v", err, got)
			}
		})
	}
}

func TestRunWritesChangedPricesOnly(t *testing.T) {
	env := cmdtest.New(t, cmdtest.Seed(map[string]int64{"A-1": 5, "B-2": 2}))
	prices := cmdtest.File(t, "prices.csv", "sku;price\nA-1;12\nB-2;\n")
	// The seed's offers have price 0: a first price is no relative change, so
	// max-price-change lets it through.
	err := run(context.Background(), &Options{F: env.F, From: prices, Write: writeflow.Options{Yes: true}})
	if err != nil {
		t.Fatal(err)
	}
	if got := env.Mock.Stats().ByRoute["PUT /offers"]; got != 1 {
		t.Errorf("%d PUT /offers, want 1", got)
	}
	st := env.Mock.State()
	for _, p := range st.Products {
		o := p.Offers[0]
		want := map[string]string{"A-1": "12", "B-2": "0"}[*o.SKU]
		if o.Price.String() != want {
			t.Errorf("%s price %s, want %s (an empty cell changes nothing)", *o.SKU, o.Price, want)
		}
	}
	if !strings.Contains(env.ErrOut.String(), "applied 1, failed 0") {
		t.Errorf("stderr %q", env.ErrOut.String())
	}
}
