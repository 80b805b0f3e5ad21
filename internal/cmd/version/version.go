// Package version implements `keycrm-sync version`.
package version

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
)

// NewCmdVersion prints the version, commit and build date on stdout.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of keycrm-sync",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(f.IO.Out, Line(f.Build))
			return err
		},
	}
}

// Line is the one-line version text, also used by --version.
func Line(b cmdutil.BuildInfo) string {
	s := "keycrm-sync " + b.Version
	if b.Commit != "" {
		s += " (commit " + b.Commit
		if b.Date != "" {
			s += ", built " + b.Date
		}
		s += ")"
	}
	return s
}
