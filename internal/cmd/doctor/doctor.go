// Package doctor implements `keycrm-sync doctor`: a few requests that tell an
// operator, in plain words, whether the URL, the key and the request budget are
// right, and which warehouses the API reveals.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/render"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

// keycrmLimit is KeyCRM's documented budget per key.
const keycrmLimit = 60

// Options are doctor's inputs.
type Options struct {
	F     *cmdutil.Factory
	Pages int
}

// NewCmdDoctor builds the command; runF replaces run in tests.
func NewCmdDoctor(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the API URL, the key and the request budget, and list the warehouses KeyCRM reveals",
		Long: `doctor sends one request (more with --pages) to KeyCRM and says in plain words
whether the URL answers, whether the API key is accepted, whether the configured
--rate fits KeyCRM's budget, and which warehouses appear in the stock rows read.
KeyCRM has no warehouse list, so warehouses without any stock record stay hidden.
Exit status 0 means all is well, 2 that something needs attention.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Pages < 1 {
				return cmdutil.UsageErrorf("--pages must be at least 1, not %d", opts.Pages)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.Pages, "pages", 1, "read `N` pages of stock rows (50 offers each) to find warehouses")
	return cmd
}

// Report is what doctor found; -o json prints it as is.
type Report struct {
	APIURL     string      `json:"api_url"`
	KeyOK      bool        `json:"key_ok"`
	Rate       int         `json:"rate"`
	RateLimit  *RateLimit  `json:"rate_limit_headers"`
	Offers     *int        `json:"offers"`
	Pages      int         `json:"pages_read"`
	Warehouses []Warehouse `json:"warehouses"`
	Requests   int64       `json:"requests"`
	Problems   []string    `json:"problems"`
	Notes      []string    `json:"notes"`
	headers    keycrm.RateLimitHeaders
	mu         sync.Mutex
}

// RateLimit is the budget KeyCRM announced, when it did.
type RateLimit struct {
	Limit     string `json:"limit"`
	Remaining string `json:"remaining"`
}

// Warehouse is one warehouse seen in stock rows.
type Warehouse struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	rep := &Report{Warehouses: []Warehouse{}, Problems: []string{}, Notes: []string{}}
	err := check(ctx, opts, rep)
	if err != nil {
		rep.Problems = append(rep.Problems, err.Error())
	}
	// What a script wants from doctor as rows: the warehouse ids.
	rows := make([][]string, len(rep.Warehouses))
	for i, wh := range rep.Warehouses {
		rows[i] = []string{strconv.FormatInt(wh.ID, 10), wh.Name}
	}
	if err := render.Write(f.IO.Out, f.Global.Output, render.View{
		JSON:   rep,
		Header: []string{"warehouse_id", "name"},
		Rows:   rows,
		Text:   func(w io.Writer) error { printReport(w, rep); return nil },
	}); err != nil {
		return err
	}
	switch n := len(rep.Problems); {
	case n == 0:
		return nil
	case f.Global.Output == render.FormatTable:
		return fmt.Errorf("doctor found %d problem(s); see FAIL above", n)
	default:
		return fmt.Errorf("doctor found %d problem(s): %s", n, strings.Join(rep.Problems, "; "))
	}
}

// check fills rep; a returned error is a problem that stopped the checks.
func check(ctx context.Context, opts *Options, rep *Report) error {
	f := opts.F
	apiURL, err := f.APIURL()
	if err != nil {
		return err
	}
	// Credentials in the URL are never printed: left out here as the client's
	// BaseURL leaves them out.
	rep.APIURL = apiURL
	if u, err := url.Parse(apiURL); err == nil {
		u.User = nil
		rep.APIURL = u.String()
	}
	if rep.Rate, err = f.Rate(); err != nil {
		return err
	}
	client, err := newClient(f, rep)
	if err != nil {
		return err
	}
	rep.APIURL = client.BaseURL()
	defer func() { rep.Requests = client.Requests() }()

	first, err := client.StocksPage(ctx, keycrm.StockQuery{Details: true}, 1)
	if err != nil {
		if errors.Is(err, keycrm.ErrUnauthorized) {
			return fmt.Errorf("KeyCRM rejected the API key; create one in KeyCRM (Settings → API) and set KEYCRM_API_KEY or --api-key-file")
		}
		if keycrm.IsUnreachable(err) {
			return fmt.Errorf("%v; check --api-url (or KEYCRM_API_URL)", err)
		}
		return err
	}
	rep.KeyOK = true
	total := first.Total
	rep.Offers = &total
	rep.Pages = 1
	seen := map[int64]string{}
	addWarehouses(seen, first.Data)
	if opts.Pages > 1 && first.HasNext() {
		pages := 1
		errStop := errors.New("enough pages")
		err := client.EachStockPage(ctx, keycrm.StockQuery{Details: true}, 2, func(p *keycrm.Page[keycrm.OfferStock]) error {
			addWarehouses(seen, p.Data)
			pages++
			if pages >= opts.Pages {
				return errStop
			}
			return nil
		})
		rep.Pages = pages
		if err != nil && !errors.Is(err, errStop) {
			return err
		}
	}
	for id, name := range seen {
		rep.Warehouses = append(rep.Warehouses, Warehouse{ID: id, Name: name})
	}
	slices.SortFunc(rep.Warehouses, func(a, b Warehouse) int { return int(a.ID - b.ID) })
	if len(rep.Warehouses) == 0 {
		rep.Notes = append(rep.Notes, "no warehouse appeared in the stock rows read; find the ids in KeyCRM under Settings → Warehouses")
	}
	if rep.Pages*keycrm.PageSize < total {
		rep.Notes = append(rep.Notes, fmt.Sprintf("only %d of %d offers were read; --pages N reads more (one request per 50 offers)", min(rep.Pages*keycrm.PageSize, total), total))
	}
	checkRate(rep, apiURL)
	return nil
}

// newClient builds the client with a hook that keeps the last budget headers; it is
// the Factory's client in every other respect.
func newClient(f *cmdutil.Factory, rep *Report) (*keycrm.Client, error) {
	client, err := f.KeyCRMWith(func(ri keycrm.RequestInfo) {
		rep.mu.Lock()
		defer rep.mu.Unlock()
		if ri.Status != 0 {
			rep.headers = ri.RateLimit
		}
	})
	if err != nil {
		return nil, err
	}
	return client, nil
}

func addWarehouses(seen map[int64]string, rows []keycrm.OfferStock) {
	for _, r := range rows {
		for _, w := range r.Warehouse {
			seen[w.ID] = w.Name
		}
	}
}

// checkRate compares --rate with what the server announces, or with KeyCRM's
// documented 60 a minute when talking to KeyCRM itself.
func checkRate(rep *Report, apiURL string) {
	h := rep.headers
	if h.Limit != "" {
		rep.RateLimit = &RateLimit{Limit: h.Limit, Remaining: h.Remaining}
		if limit, err := strconv.Atoi(h.Limit); err == nil && rep.Rate > limit {
			rep.Problems = append(rep.Problems, fmt.Sprintf("--rate %d is above the %d requests a minute the server allows; requests would be refused (use --rate %d or less)", rep.Rate, limit, limit))
		}
		return
	}
	u, err := url.Parse(apiURL)
	if err == nil && u.Hostname() == "openapi.keycrm.app" && rep.Rate > keycrmLimit {
		rep.Problems = append(rep.Problems, fmt.Sprintf("--rate %d is above KeyCRM's limit of %d requests a minute per key", rep.Rate, keycrmLimit))
	}
}

func printReport(w io.Writer, rep *Report) {
	ok := func(format string, args ...any) { fmt.Fprintf(w, "ok    "+format+"\n", args...) }
	if rep.KeyOK {
		ok("%s answers", rep.APIURL)
		ok("the API key is accepted; the catalogue has %d offers", *rep.Offers)
	}
	if rep.Rate != 0 {
		line := fmt.Sprintf("requests are paced at %d a minute (--rate)", rep.Rate)
		if rep.RateLimit != nil {
			line += fmt.Sprintf("; the server allows %s a minute, %s left now", rep.RateLimit.Limit, rep.RateLimit.Remaining)
		} else if rep.KeyOK {
			line += "; the answers carry no rate-limit headers, so the pacing is all that keeps within the budget"
		}
		if rep.KeyOK {
			ok("%s", line)
		}
	}
	if rep.KeyOK {
		if len(rep.Warehouses) > 0 {
			fmt.Fprintf(w, "ok    warehouses seen in %d page(s) of stock rows (the API has no warehouse list, so this may be incomplete):\n", rep.Pages)
			for _, wh := range rep.Warehouses {
				fmt.Fprintf(w, "        %d  %s\n", wh.ID, wh.Name)
			}
		}
		fmt.Fprintf(w, "      %d request(s) sent\n", rep.Requests)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "note  %s\n", n)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "FAIL  %s\n", p)
	}
}
