// Package pullstock implements `keycrm-sync pull-stock`: write KeyCRM's stock into a
// file or marketplace feed (setup 3, KeyCRM is the master).
package pullstock

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/filetarget"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
	"github.com/keycrm-sync/keycrm-sync/internal/target/file"
	"github.com/keycrm-sync/keycrm-sync/internal/target/keycrmstock"
	"github.com/keycrm-sync/keycrm-sync/internal/target/shop"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Rounding of --round.
const (
	roundDown    = "down"
	roundNearest = "nearest"
	roundNone    = "none"
)

// Options are pull-stock's inputs.
type Options struct {
	F           *cmdutil.Factory
	To          string
	Warehouses  []int64
	Stock       string
	Round       string
	Format      string
	Encoding    string
	Delimiter   string
	FeedDialect string
	// DecimalComma, Headers, Sheet, Key and Maps shape the file as
	// filetarget.Options says.
	DecimalComma bool
	Headers      string
	Sheet        string
	Key          string
	Maps         []string
	Update       bool
	Write        writeflow.Options
}

// NewCmdPullStock builds the command; runF replaces run in tests.
func NewCmdPullStock(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "pull-stock --to DST [--warehouse ID[,ID...]] [--stock available|on-hand] [--round down|nearest|none]",
		Short: "Write KeyCRM's stock into a file, marketplace feed or shop database",
		Long: `pull-stock reads KeyCRM's stock (залишки) with the fewest requests (full pages of 50
offers with their per-warehouse breakdown; with --update, the file's SKUs 50 a request
when that is cheaper), says the cost first, and writes it into a file: CSV, XLSX,
JSON lines, a YML feed for Prom.ua or Rozetka, or a Google Merchant feed. The
stock is available (quantity minus reserve, at least 0) unless --stock on-hand,
summed over the --warehouse ids (default all), rounded per --round. The file is
planned against its current values, guarded, confirmed (or --yes), journaled and
written whole and atomically: a failed run leaves the old file. With --to - the
rows go to stdout and no plan is printed. Offers without a SKU, and SKUs held by
two offers, are reported and never written.

With --to woocommerce://, opencart:// or prestashop:// the stock goes into the
shop's own database: planned against the rows the shop holds for KeyCRM's SKUs,
only their stock columns updated, in one transaction (never an INSERT or DELETE);
a row changed since the plan refuses the whole write (exit 3). The password may
be kept in KEYCRM_SYNC_DB_PASSWORD and is shown as **** everywhere.`,
		Example: `  keycrm-sync pull-stock --to stock.csv --dry-run
  keycrm-sync pull-stock --to /var/www/feed/prom.xml --feed-dialect prom --yes
  keycrm-sync pull-stock --to - --warehouse 1,3 --stock on-hand
  keycrm-sync pull-stock --to 'woocommerce://keycrm@127.0.0.1/wordpress' --dry-run`,
		Args: cobra.NoArgs,
		RunE: cmdutil.RunE(opts, opts.validate, runF, run),
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.To, "to", "", "destination `DST`: a file (.csv, .tsv, .xlsx, .jsonl, .xml feed), - for stdout, or a woocommerce://, opencart:// or prestashop:// database")
	fl.Int64SliceVar(&opts.Warehouses, "warehouse", nil, "sum the stock of these KeyCRM warehouse `ID`s (default: all)")
	fl.StringVar(&opts.Stock, "stock", string(plan.Available), "stock to write: available (quantity minus reserve, at least 0) or on-hand")
	fl.StringVar(&opts.Round, "round", roundDown, "round quantities: down, nearest or none")
	fl.StringVar(&opts.Format, "format", "", "write as `FORMAT` (csv, xlsx, jsonl, yml, google-merchant) instead of by the extension")
	fl.StringVar(&opts.Encoding, "encoding", "", "CSV text `ENCODING`: utf-8 (default) or windows-1251 (1C)")
	fl.StringVar(&opts.Delimiter, "delimiter", "", "CSV `DELIMITER`: , (default), ; or tab")
	fl.StringVar(&opts.FeedDialect, "feed-dialect", "", "YML feed `DIALECT`: prom (default), rozetka or epicentr")
	fl.BoolVar(&opts.DecimalComma, "decimal-comma", false, "write decimals as 2,5 in CSV (1C, Excel in Ukrainian locales)")
	fl.StringVar(&opts.Headers, "headers", "", "CSV and XLSX header `LANGUAGE`: canonical names (default) or uk (Артикул, Кількість, ...)")
	fl.StringVar(&opts.Sheet, "sheet", "", "XLSX sheet `NAME` to read and --update (default: the first)")
	fl.StringVar(&opts.Key, "key", "", "where a YML feed's SKU is, for its current values and --update: id (default), vendorCode, article, param:NAME")
	fl.StringArrayVar(&opts.Maps, "map", nil, "find the file's `FIELD=HEADER` (sku, quantity) by that header; repeatable")
	fl.BoolVar(&opts.Update, "update", false, "rewrite only the stock cells of an existing CSV, XLSX or YML file, keeping everything else")
	writeflow.AddFlags(cmd, &opts.Write)
	return cmd
}

func (o *Options) validate() error {
	if o.To == "" {
		return cmdutil.UsageErrorf("pull-stock needs --to DST")
	}
	if o.Update && o.To == "-" {
		return cmdutil.UsageErrorf("--update needs a file to update, not standard output")
	}
	if shop.Is(o.To) && (o.Update || o.Format != "" || o.Encoding != "" || o.Delimiter != "" || o.FeedDialect != "" || o.Headers != "" || o.Sheet != "" || o.Key != "" || len(o.Maps) > 0 || o.DecimalComma) {
		return cmdutil.UsageErrorf("--to %s is a shop database: its stock rows are updated in place, and the file flags (--update, --format, --encoding, --delimiter, --feed-dialect, --headers, --sheet, --key, --map, --decimal-comma) do not apply", redactedTo(o.To))
	}
	if o.Stock != string(plan.Available) && o.Stock != string(plan.OnHand) {
		return cmdutil.UsageErrorf("--stock is available or on-hand, not %q", o.Stock)
	}
	if !slices.Contains([]string{roundDown, roundNearest, roundNone}, o.Round) {
		return cmdutil.UsageErrorf("--round is down, nearest or none, not %q", o.Round)
	}
	for _, id := range o.Warehouses {
		if id <= 0 {
			return cmdutil.UsageErrorf("--warehouse must be KeyCRM warehouse ids, not %d", id)
		}
	}
	if _, err := o.delimiter(); err != nil {
		return err
	}
	if o.Headers != "" && o.Headers != "uk" {
		return cmdutil.UsageErrorf("--headers is uk, or not given for canonical names, not %q", o.Headers)
	}
	if _, err := o.mapping(); err != nil {
		return err
	}
	return nil
}

// redactedTo is --to for a message, its password masked.
func redactedTo(to string) string {
	if loc, err := connector.ParseLocation(to); err == nil {
		return loc.String()
	}
	return "DST"
}

// mapping reads --map FIELD=HEADER.
func (o *Options) mapping() (map[string]string, error) {
	if len(o.Maps) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(o.Maps))
	for _, s := range o.Maps {
		field, header, ok := strings.Cut(s, "=")
		if !ok || (field != catalog.FieldSKU && field != catalog.FieldQuantity) || strings.TrimSpace(header) == "" {
			return nil, cmdutil.UsageErrorf("--map %q: want sku=HEADER or quantity=HEADER", s)
		}
		m[field] = header
	}
	return m, nil
}

func (o *Options) delimiter() (rune, error) {
	switch o.Delimiter {
	case "":
		return 0, nil
	case ",", ";", "|":
		return rune(o.Delimiter[0]), nil
	case "tab", `\t`, "\t":
		return '\t', nil
	}
	return 0, cmdutil.UsageErrorf("--delimiter is , ; | or tab, not %q", o.Delimiter)
}

func (o *Options) fileOptions() filetarget.Options {
	d, _ := o.delimiter() // validated
	m, _ := o.mapping()   // validated
	return filetarget.Options{Format: o.Format, Encoding: o.Encoding, Delimiter: d, Dialect: o.FeedDialect, DecimalComma: o.DecimalComma,
		Headers: o.Headers, Sheet: o.Sheet, Key: o.Key, Mapping: m, XLSXLimits: o.F.XLSXLimits()}
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	client, err := f.KeyCRM()
	if err != nil {
		return err
	}
	release, err := opts.Write.Lock(f)
	if err != nil {
		return err
	}
	defer release()
	dst := file.New(opts.To, opts.Format, opts.fileOptions(), f.IO.Out, nil)
	if opts.Update {
		dst = dst.Updating()
	}
	// Only --update limits the rows to the file's SKUs, so only then can a read
	// by SKU replace the full pages; the file is read first to know them.
	var current plan.Snapshot
	need := target.Need{Full: true}
	if opts.Update {
		if current, err = dst.Snapshot(ctx, target.Need{}); err != nil {
			return err
		}
		if len(current.Offers) == 0 && len(current.Duplicates) == 0 {
			return fmt.Errorf("--update %s: the file holds no SKU to update (a missing file is written without --update)", opts.To)
		}
		need = target.Need{SKUs: fileSKUs(current)}
	}
	snap, err := opts.readKeyCRM(ctx, f, keycrmstock.New(client), need)
	if err != nil {
		return err
	}
	src, rows, err := opts.source(snap)
	if err != nil {
		return err
	}
	if opts.To == "-" {
		return filetarget.Write(ctx, "-", f.IO.Out, rows, opts.fileOptions())
	}
	if shop.Is(opts.To) {
		return opts.toShop(ctx, src, rows, client.Requests)
	}
	dst = dst.WithRows(rows)
	if !opts.Update {
		if current, err = dst.Snapshot(ctx, target.Need{}); err != nil {
			return err
		}
	}
	p, err := plan.Compute(src, current, plan.Options{
		Command:    plan.CmdPullStock,
		Source:     plan.Source{Location: plan.KeyCRM, Format: "keycrm"},
		Target:     dst.Describe(),
		DryRun:     opts.Write.DryRun,
		AddMissing: !opts.Update,
		Fields:     dst.Fields(),
	})
	if err != nil {
		return err
	}
	if n := len(p.Added()); n > 0 {
		what := fmt.Sprintf("%d new row(s) for %s", n, opts.To)
		if len(current.Offers) == 0 && len(current.Duplicates) == 0 {
			what = fmt.Sprintf("new file %s: %d row(s)", opts.To, n)
		}
		f.IO.Logf("pull-stock: %s", what)
	}
	if n := p.Summary.MissingInSource; n != nil && *n > 0 && !opts.Update {
		f.IO.Logf("pull-stock: %d row(s) of %s whose SKU KeyCRM lacks will be dropped: the file is written whole (--update keeps them)", *n, opts.To)
	}
	flow := &writeflow.Flow{F: f, Opts: &opts.Write, Target: dst, Requests: client.Requests, Checks: plan.Checks{Empty: true, Dropped: !opts.Update}}
	return flow.Run(ctx, p)
}

// readKeyCRM reads KeyCRM's stock as need says, saying first what the read costs,
// and which read it is when the SKU-filtered one is cheaper than full pages.
func (o *Options) readKeyCRM(ctx context.Context, f *cmdutil.Factory, stock *keycrmstock.Stock, need target.Need) (plan.Snapshot, error) {
	bar := f.IO.Progress("reading KeyCRM", -1, false)
	announced := 0
	need.Progress = func(done, total int) {
		switch {
		case total <= 0:
		case announced == 0:
			f.IO.Logf("pull-stock: reading KeyCRM's stock costs %d request(s) (full pages of 50 offers) ≈ %s", total, cost(f, total))
		case total != announced:
			f.IO.Logf("pull-stock: reading KeyCRM by the file's %d SKU(s) instead: %d request(s) in all ≈ %s", len(need.SKUs), total, cost(f, total))
		}
		if total > 0 {
			announced = total
			bar.SetTotal(int64(total))
		}
		bar.Set(done)
	}
	snap, err := stock.Snapshot(ctx, need)
	bar.Finish()
	return snap, err
}

// fileSKUs are the SKUs a file holds, for a read of KeyCRM by SKU.
func fileSKUs(s plan.Snapshot) []string {
	skus := make([]string, 0, len(s.Offers)+len(s.Duplicates))
	for _, o := range s.Offers {
		skus = append(skus, o.SKU)
	}
	for _, d := range s.Duplicates {
		skus = append(skus, d.SKU)
	}
	return skus
}

// toShop plans and writes the stock into a shop's database: only rows the shop
// holds are written (never inserted), and only rows of KeyCRM's SKUs are read, in one transaction that a row changed since
// the plan refuses whole (exit 3).
func (o *Options) toShop(ctx context.Context, src *plan.Index, rows []filetarget.Row, requests func() int64) error {
	round, err := shopdb.ParseRound(o.Round)
	if err != nil {
		return cmdutil.UsageErrorf("%s", err)
	}
	dst, err := shop.Open(ctx, o.To, shopdb.WriteOptions{Round: round})
	if err != nil {
		return err
	}
	defer dst.Close()
	skus := make([]string, len(rows))
	for i, r := range rows {
		skus[i] = r.SKU
	}
	current, err := dst.Snapshot(ctx, target.Need{SKUs: skus})
	if err != nil {
		return err
	}
	p, err := plan.Compute(src, current, plan.Options{
		Command: plan.CmdPullStock,
		Source:  plan.Source{Location: plan.KeyCRM, Format: "keycrm"},
		Target:  dst.Describe(),
		DryRun:  o.Write.DryRun,
		Fields:  dst.Fields(),
	})
	if err != nil {
		return err
	}
	flow := &writeflow.Flow{F: o.F, Opts: &o.Write, Target: dst, Requests: requests, Checks: plan.Checks{Empty: true}}
	err = flow.Run(ctx, p)
	if st := dst.Stale(); st != nil {
		return fmt.Errorf("nothing was written to %s: %w", dst.Describe().Location, st)
	}
	return err
}

// source turns KeyCRM's offers into the plan's source and the file's rows. Offers
// without a SKU are problems; a SKU held by two offers is a duplicate the plan leaves
// out, and no row of it is written.
func (o *Options) source(snap plan.Snapshot) (*plan.Index, []filetarget.Row, error) {
	idx, err := plan.NewIndex(plan.IndexOptions{})
	if err != nil {
		return nil, nil, err
	}
	count := map[string]int{}
	for _, of := range snap.Offers {
		count[of.SKU]++
	}
	var rows []filetarget.Row
	for _, of := range snap.Offers {
		pos := catalog.Position{File: plan.KeyCRM, Row: int(min(of.ID, math.MaxInt32)), Column: fmt.Sprintf("offer %d", of.ID)}
		if strings.TrimSpace(of.SKU) == "" {
			idx.Problem(catalog.Problem{File: plan.KeyCRM, Row: pos.Row, Column: pos.Column, Field: catalog.FieldSKU,
				Error: fmt.Sprintf("KeyCRM offer %d has no SKU: not written", of.ID)})
			continue
		}
		q, err := o.quantity(of)
		if err != nil {
			return nil, nil, fmt.Errorf("KeyCRM offer %d (%s): %w", of.ID, of.SKU, err)
		}
		if err := idx.Item(&catalog.Item{SKU: of.SKU, Quantity: catalog.Known(q), Price: of.Price, Pos: pos}); err != nil {
			return nil, nil, err
		}
		if count[of.SKU] == 1 {
			rows = append(rows, filetarget.Row{SKU: of.SKU, Quantity: q, Price: of.Price, OfferID: of.ID})
		}
	}
	if err := idx.Finish(); err != nil {
		return nil, nil, err
	}
	slices.SortFunc(rows, func(a, b filetarget.Row) int { return strings.Compare(a.SKU, b.SKU) })
	return idx, rows, nil
}

// quantity is an offer's stock as the file gets it: on-hand, or available (quantity
// minus reserve, at least 0), summed over the selected warehouses, then rounded.
func (o *Options) quantity(of plan.Offer) (decimal.Decimal, error) {
	st := of.Total
	if len(o.Warehouses) > 0 {
		st = plan.Stock{}
		for _, wh := range o.Warehouses {
			w := of.Stock[wh]
			var err error
			if st.Quantity, err = st.Quantity.Add(w.Quantity); err != nil {
				return decimal.Zero, err
			}
			if st.Reserve, err = st.Reserve.Add(w.Reserve); err != nil {
				return decimal.Zero, err
			}
		}
	}
	q := st.Quantity
	if o.Stock == string(plan.Available) {
		var err error
		if q, err = st.Quantity.Sub(st.Reserve); err != nil {
			return decimal.Zero, err
		}
		if q.Sign() < 0 {
			q = decimal.Zero // KeyCRM can reserve more than it holds
		}
	}
	switch o.Round {
	case roundDown:
		q = q.Floor()
	case roundNearest:
		q = q.Round()
	}
	return q, nil
}

// cost says how long a read of n requests takes at the configured rate: whole
// minutes, rounded up, once it is a minute or more ("34 min at 60/min").
func cost(f *cmdutil.Factory, n int) string {
	rate, err := f.Rate()
	if err != nil || rate <= 0 {
		return "? at --rate"
	}
	return fmt.Sprintf("%s at %d/min", duration(n, rate), rate)
}

// duration is n requests at rate a minute, rounded up: to whole seconds under a
// minute, else to whole minutes.
func duration(n, rate int) string {
	d := time.Duration(n) * time.Minute / time.Duration(rate)
	if d < time.Minute {
		return (d + time.Second - 1).Truncate(time.Second).String()
	}
	return fmt.Sprintf("%d min", int((d+time.Minute-1)/time.Minute))
}
