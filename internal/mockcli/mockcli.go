// Package mockcli is the keycrm-mock command: it parses the flags, loads the
// seed, serves a keycrmmock.Server on a listener and stops on SIGINT or SIGTERM.
// Main returns the exit code instead of exiting, so scripts and tests can run it
// like the binary.
package mockcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/keycrm-sync/keycrm-sync/pkg/keycrmmock"
)

// Exit codes: 2 is a usage problem (flags, seed), 1 a runtime failure such as a
// port already in use.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// shutdownGrace bounds how long a stop waits for requests in flight.
const shutdownGrace = 5 * time.Second

// Main runs keycrm-mock with args (without the program name) until a signal.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, stdout, stderr)
}

type options struct {
	listen    string
	seed      string
	apiKey    string
	rateLimit int
	faults    keycrmmock.Faults
	faultSeed int64
	latency   time.Duration
}

// run serves until ctx ends; Main cancels ctx on a signal, tests directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "keycrm-mock: %v (see --help)\n", err)
		return exitUsage
	}
	state := keycrmmock.State{}
	if opts.seed != "" {
		if state, err = keycrmmock.LoadSeed(opts.seed); err != nil {
			fmt.Fprintf(stderr, "keycrm-mock: %v\n", err)
			return exitUsage
		}
	}
	ln, err := net.Listen("tcp", opts.listen)
	if err != nil {
		fmt.Fprintf(stderr, "keycrm-mock: %v\n", err)
		return exitFailure
	}

	logger := log.New(stderr, "keycrm-mock: ", log.LstdFlags|log.Lmicroseconds)
	mock := keycrmmock.New(state, keycrmmock.Options{
		APIKey:    opts.apiKey,
		RateLimit: opts.rateLimit,
		Faults:    opts.faults,
		FaultSeed: opts.faultSeed,
		Latency:   opts.latency,
		Logf:      logger.Printf,
	})
	srv := &http.Server{
		Handler:           mock,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          logger,
		// Requests inherit ctx, so a request held by the timeout fault is
		// released when the emulator stops instead of holding up the shutdown.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	fmt.Fprintf(stdout, "keycrm-mock listening on http://%s/v1\n", ln.Addr())
	logStart(logger, opts, mock.State())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		fmt.Fprintf(stderr, "keycrm-mock: serve: %v\n", err)
		return exitFailure
	case <-ctx.Done():
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(stopCtx); err != nil {
		logger.Printf("requests still running after %s, closing them: %v", shutdownGrace, err)
		_ = srv.Close() // the answer to a forced stop is the stop itself
	}
	logger.Printf("stopped")
	return exitOK
}

func logStart(logger *log.Logger, opts options, st keycrmmock.State) {
	offers := 0
	for _, p := range st.Products {
		offers += len(p.Offers)
	}
	seed := opts.seed
	if seed == "" {
		seed = "none (empty catalogue)"
	}
	logger.Printf("seed %s: %d warehouses, %d categories, %d products, %d offers",
		seed, len(st.Warehouses), len(st.Categories), len(st.Products), offers)
	limit := "off"
	if opts.rateLimit > 0 {
		limit = fmt.Sprintf("%d requests per minute", opts.rateLimit)
	}
	logger.Printf("rate limit %s, latency %s", limit, opts.latency)
	if spec := opts.faults.String(); spec != "" {
		logger.Printf("faults %s with --fault-seed %d", spec, opts.faultSeed)
	}
}

func parseFlags(args []string, stdout io.Writer) (options, error) {
	opts := options{}
	fs := flag.NewFlagSet("keycrm-mock", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line by run
	fs.StringVar(&opts.listen, "listen", "127.0.0.1:8080", "`ADDRESS` to listen on; port 0 picks a free one (see the first stdout line)")
	fs.StringVar(&opts.seed, "seed", "", "`FILE` with the initial catalogue: .json in the state shape or .csv with sku,name,price,quantity[,warehouse_id,reserve,parent_sku]")
	fs.StringVar(&opts.apiKey, "api-key", keycrmmock.DefaultAPIKey, "the only accepted Bearer `KEY`")
	fs.IntVar(&opts.rateLimit, "rate-limit", 60, "requests accepted per rolling minute, `N`; 0 turns the limit off")
	fs.Func("faults", "fault probabilities, `SPEC` such as \"500=0.05,429=0.05,timeout=0.01,reset=0.01,ack-lost=0.01,echo=0.01\"", func(s string) error {
		f, err := keycrmmock.ParseFaults(s)
		opts.faults = f
		return err
	})
	fs.Int64Var(&opts.faultSeed, "fault-seed", 0, "`N` seeding the fault sequence so a run replays (default: random, logged at start)")
	fs.DurationVar(&opts.latency, "latency", 0, "`DURATION` added before every /v1 answer, such as 200ms")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout, fs)
		}
		return options{}, err
	}
	seedSet := false
	fs.Visit(func(f *flag.Flag) { seedSet = seedSet || f.Name == "fault-seed" })
	switch {
	case fs.NArg() > 0:
		return options{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case opts.rateLimit < 0:
		return options{}, fmt.Errorf("--rate-limit %d: must be 0 (off) or more", opts.rateLimit)
	case opts.latency < 0:
		return options{}, fmt.Errorf("--latency %s: must not be negative", opts.latency)
	case !seedSet:
		opts.faultSeed = rand.Int64()
	}
	return opts, nil
}

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `keycrm-mock: a local KeyCRM API (the catalogue and stock subset) for rehearsing a sync.

Usage: keycrm-mock [--listen 127.0.0.1:8080] [--seed FILE] [--api-key KEY] [--rate-limit 60]
                   [--faults SPEC] [--fault-seed N] [--latency 0s]

The first stdout line is "keycrm-mock listening on http://HOST:PORT/v1"; the request log goes
to stderr. Admin endpoints without a key: GET/PUT /__mock/state, GET /__mock/stats,
POST /__mock/reset. SIGINT or SIGTERM stops it.

Flags:
`)
	fs.VisitAll(func(f *flag.Flag) {
		arg, text := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s %s\n      %s", f.Name, arg, text)
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "0s" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
	fmt.Fprint(w, "\nExit status: 0 after a signal, 1 if it cannot listen or serve, 2 for bad flags or a bad seed.\n")
}
