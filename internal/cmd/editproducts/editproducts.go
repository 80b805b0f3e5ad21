// Package editproducts implements `keycrm-sync edit-products`: make existing KeyCRM
// offers and product cards equal to a source (prices, dimensions, picture, name,
// description, category, barcode). It never creates anything.
package editproducts

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/internal/cmd/catalogcmd"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/readflow"
	"github.com/keycrm-sync/keycrm-sync/internal/target/keycrmproducts"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
)

// Options are edit-products' inputs.
type Options struct {
	F      *cmdutil.Factory
	From   string
	Fields []string
	Read   readflow.Flags
	Write  writeflow.Options
}

// NewCmdEditProducts builds the command; runF replaces run in tests.
func NewCmdEditProducts(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "edit-products --from SRC [--fields price,purchased_price,name,...]",
		Short: "Make existing KeyCRM products' prices, names and data equal to a source",
		Long: `edit-products reads a source, reads the offers holding its SKUs (with their
product cards), and plans the changes that make KeyCRM equal to the source: offer
fields (price, purchased_price, weight, length, width, height, image_url) in one
PUT /offers per 10,000 offers, product fields (name, description, category, barcode)
in one PUT /products/{id} per product. The plan says how many product requests that
is and how long they take at --rate. An empty cell never overwrites a value; a
currency differing from KeyCRM's is refused, never converted; max-price-change
(default 50%) refuses a shifted column. Every replaced value is journaled, so
revert puts it back. Nothing is created: new products come with import.`,
		Example: `  keycrm-sync edit-products --from prices.xlsx --fields price --dry-run
  keycrm-sync edit-products --from /srv/1c/exchange --price-type price=Роздрібна --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.From == "" {
				return cmdutil.UsageErrorf("edit-products needs --from SRC")
			}
			if err := catalogplan.CheckFields(opts.Fields); err != nil {
				return cmdutil.UsageErrorf("%v", err)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.From, "from", "", "source `LOCATION`: a file, a folder or zip package, - for stdin, or a database URL")
	fl.StringSliceVar(&opts.Fields, "fields", nil, "compare and write only these `FIELDS` ("+strings.Join(catalogplan.EditFields(), ",")+"; default: those the source has)")
	readflow.AddFlags(cmd, &opts.Read)
	writeflow.AddFlags(cmd, &opts.Write)
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	fields := opts.Fields
	sess, err := catalogcmd.Open(ctx, f, opts.From, &opts.Read, &opts.Write, len(fields) == 0 || catalogplan.NeedsProducts(fields))
	if err != nil {
		return err
	}
	defer sess.Release()
	client := sess.Client
	ep := catalogplan.PlanEdit(sess.Rows, sess.Existing.Offers, sess.Existing.Categories, catalogplan.EditOptions{Source: sess.Source, APIURL: client.BaseURL(), Fields: fields})
	ep.DryRun = opts.Write.DryRun
	if n := ep.ProductRequests(); n > 0 {
		rate, err := f.Rate()
		if err != nil {
			return err
		}
		// A rename of thousands of products is hours of requests: say so before
		// the question, with the way out.
		f.IO.Logf("edit-products: %d product card(s) change, one PUT /products/{id} each: about %s at %d requests a minute (leave product fields out with --fields)",
			n, ep.Duration(rate).Round(time.Second), rate)
	}
	tg := keycrmproducts.New(client)
	tg.Learn(ep.ProductIDs)
	flow := &writeflow.Flow{
		F:        f,
		Opts:     &opts.Write,
		Target:   tg,
		Requests: client.Requests,
		Checks:   catalogplan.EditChecks,
		Strict:   opts.Read.Strict,
	}
	return flow.Run(ctx, ep.Plan)
}
