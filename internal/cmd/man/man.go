// Package man implements the hidden `keycrm-sync man DIR`, which writes the man
// pages that release archives and packages ship.
package man

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
)

// NewCmdMan generates one man page per command into DIR.
func NewCmdMan(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "Write man pages into DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			root := cmd.Root()
			root.DisableAutoGenTag = true
			header := &doc.GenManHeader{Title: "KEYCRM-SYNC", Section: "1", Source: "keycrm-sync " + f.Build.Version}
			if err := doc.GenManTree(root, header, dir); err != nil {
				return fmt.Errorf("write man pages: %w", err)
			}
			f.IO.Logf("man pages written to %s", dir)
			return nil
		},
	}
}
