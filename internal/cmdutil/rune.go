package cmdutil

import (
	"context"

	"github.com/spf13/cobra"
)

// RunE is the RunE of a command without arguments: validate the options (usage errors
// before anything is read), then run them, or hand them to runF when a test gave one.
func RunE[O any](opts *O, validate func() error, runF, run func(context.Context, *O) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		if err := validate(); err != nil {
			return err
		}
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return run(cmd.Context(), opts)
	}
}
