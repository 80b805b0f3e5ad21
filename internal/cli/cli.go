// Package cli assembles the keycrm-sync command tree, applies the configuration
// file and profiles, and maps every outcome to the exit codes of the contract.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/keycrm-sync/keycrm-sync/internal/apply"
	applycmd "github.com/keycrm-sync/keycrm-sync/internal/cmd/apply"
	"github.com/keycrm-sync/keycrm-sync/internal/cmd/diff"
	"github.com/keycrm-sync/keycrm-sync/internal/cmd/doctor"
	"github.com/keycrm-sync/keycrm-sync/internal/cmd/editproducts"
	"github.com/keycrm-sync/keycrm-sync/internal/cmd/importcmd"
	"github.com/keycrm-sync/keycrm-sync/internal/cmd/pullstock"
	"github.com/keycrm-sync/keycrm-sync/internal/cmd/pushstock"
	"github.com/keycrm-sync/keycrm-sync/internal/cmd/revert"
	"github.com/keycrm-sync/keycrm-sync/internal/cmd/runs"
	"github.com/keycrm-sync/keycrm-sync/internal/cmd/version"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/iostreams"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/render"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
)

// Main runs keycrm-sync with args and returns the process exit code. It never calls
// os.Exit, so tests run it in-process.
func Main(args []string, ios *iostreams.IOStreams, build cmdutil.BuildInfo) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	f := cmdutil.NewFactory(ios, build)
	root := NewCmdRoot(f)
	root.SetArgs(args)
	return exitCode(ios, root.ExecuteContext(ctx))
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	g := f.Global
	root := &cobra.Command{
		Use:   "keycrm-sync",
		Short: "Keep products and stock identical across KeyCRM, shops and ERPs",
		Long: `keycrm-sync keeps products and stock levels (залишки) identical between KeyCRM,
online shops (WooCommerce, OpenCart, PrestaShop) and ERPs (1C, BAS, MoySklad).
Products are matched by SKU (артикул). Every write command shows its plan first,
refuses suspicious plans, journals what it replaced and can revert it.`,
		Version:       version.Line(f.Build),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return prepare(f, cmd)
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &cmdutil.UsageError{Err: err}
	})

	pf := root.PersistentFlags()
	pf.StringVar(&g.APIURL, "api-url", cmdutil.DefaultAPIURL, "KeyCRM API `URL` (env "+cmdutil.EnvAPIURL+")")
	pf.StringVar(&g.APIKeyFile, "api-key-file", "", "read the API key from the first line of `FILE` (or env "+cmdutil.EnvAPIKey+")")
	pf.IntVar(&g.Rate, "rate", 60, "at most `N` requests per minute, shared by the whole process")
	pf.IntVar(&g.Retries, "retries", 5, "retry a failed request up to `N` times")
	pf.DurationVar(&g.Timeout, "timeout", 30*time.Second, "timeout of one request")
	pf.StringVar(&g.ConfigFile, "config", "", "configuration `FILE` (default ./keycrm-sync.yaml, then $XDG_CONFIG_HOME/keycrm-sync/config.yaml)")
	pf.StringVar(&g.Profile, "profile", "", "apply the command defaults of profile `NAME` from the config file (env "+cmdutil.EnvProfile+")")
	pf.StringVar(&g.StateDir, "state-dir", "", "`DIR` for journals and the lock (default $XDG_STATE_HOME/keycrm-sync)")
	pf.StringVarP(&g.Output, "output", "o", render.FormatTable, "output `FORMAT`: "+strings.Join(render.Formats, ", "))
	pf.BoolVarP(&g.Quiet, "quiet", "q", false, "print nothing on stderr but errors")
	pf.BoolVarP(&g.Verbose, "verbose", "v", false, "log each API request (method, path, status, duration)")
	pf.BoolVar(&g.NoProgress, "no-progress", false, "never draw progress bars")
	g.Flags = pf

	root.AddCommand(
		pushstock.NewCmdPushStock(f, nil),
		pullstock.NewCmdPullStock(f, nil),
		editproducts.NewCmdEditProducts(f, nil),
		importcmd.NewCmdImport(f, nil),
		diff.NewCmdDiff(f, nil),
		applycmd.NewCmdApply(f, nil),
		runs.NewCmdRuns(f, nil),
		revert.NewCmdRevert(f, nil),
		doctor.NewCmdDoctor(f, nil),
		version.NewCmdVersion(f),
	)
	// cobra's completion command, not being runnable, prints its help and exits
	// 0 for a shell it does not know (tcsh). Runnable, it has cobra refuse the
	// shell as an unknown command (exit 2): a script installing completions
	// must see that fail.
	root.InitDefaultCompletionCmd()
	if c, _, err := root.Find([]string{"completion"}); err == nil && c != root {
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	}
	return root
}

// prepare applies the global switches and the profile before any command runs.
func prepare(f *cmdutil.Factory, cmd *cobra.Command) error {
	g := f.Global
	f.IO.Quiet = g.Quiet
	f.IO.Verbose = g.Verbose
	f.IO.NoProgress = g.NoProgress
	if render.CheckFormat(g.Output) != nil {
		return cmdutil.UsageErrorf("--output must be table, json or csv (or markdown for a CI job summary), not %q", g.Output)
	}
	profile := g.Profile
	if profile == "" {
		profile = f.Getenv(cmdutil.EnvProfile)
	}
	if profile == "" {
		return nil
	}
	c, err := f.Config()
	if err != nil {
		return err
	}
	defaults, err := c.Profile(profile, cmd.Name())
	if err != nil {
		return err
	}
	return applyDefaults(cmd.Flags(), defaults, profile)
}

// alternatives are flags that exclude each other: the command line giving one
// overrides a profile's default for the other, rather than clashing with it.
var alternatives = map[string]string{"warehouse": "warehouse-map", "warehouse-map": "warehouse"}

// applyDefaults sets each flag the profile names, unless the command line gave it
// or its alternative: a flag always beats a profile.
func applyDefaults(flags *pflag.FlagSet, defaults map[string]string, profile string) error {
	for name, value := range defaults {
		fl := flags.Lookup(name)
		if fl == nil {
			return fmt.Errorf("profile %q: the command has no flag --%s", profile, name)
		}
		if alt := flags.Lookup(alternatives[name]); fl.Changed || (alt != nil && alt.Changed) {
			continue
		}
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			if err := sv.Replace(strings.Split(value, ",")); err != nil {
				return fmt.Errorf("profile %q: --%s: %w", profile, name, err)
			}
			continue
		}
		if err := fl.Value.Set(value); err != nil {
			return fmt.Errorf("profile %q: --%s: %w", profile, name, err)
		}
	}
	return nil
}

// exitCode is the only place that knows the numbers of the contract's exit-code
// table; it also prints the error, once.
func exitCode(ios *iostreams.IOStreams, err error) int {
	var usage *cmdutil.UsageError
	var silent *cmdutil.SilentError
	var refused *plan.RefusedError
	var stale *plan.StaleError
	var shopStale *shopdb.StaleError
	var partial *apply.PartialError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, cmdutil.ErrDifferences):
		return 1
	case errors.As(err, &refused), errors.As(err, &stale), errors.As(err, &shopStale):
		// A guard or a stale saved plan refused the run: nothing was written.
		ios.Errorf("%s", err)
		return 3
	case errors.As(err, &partial):
		// Something was written and not everything took; the journal says what.
		ios.Errorf("%s", err)
		return 4
	case errors.As(err, &silent):
		return 2
	case errors.As(err, &usage):
		ios.Errorf("%s", usage.Err)
		ios.Logf("Run 'keycrm-sync --help' for usage.")
		return 2
	case errors.Is(err, context.Canceled):
		// Ctrl-C or SIGTERM before anything was written (after a write, the
		// run ends as partial above).
		ios.Errorf("interrupted; nothing was written")
		return 2
	default:
		if strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "unknown flag") {
			ios.Errorf("%s", err)
			ios.Logf("Run 'keycrm-sync --help' for usage.")
			return 2
		}
		ios.Errorf("%s", err)
		return 2
	}
}
