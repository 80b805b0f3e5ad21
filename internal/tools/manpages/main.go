// Command manpages writes keycrm-sync's man pages, one per command, for release
// archives and packages:
//
//	go run ./internal/tools/manpages [-version v1.2.3] DIR
//
// It is a program of its own, not a hidden subcommand, so that the Markdown
// renderer behind cobra's man page generator is not linked into keycrm-sync and
// initialised at every start of it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/spf13/cobra/doc"

	"github.com/keycrm-sync/keycrm-sync/internal/cli"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/iostreams"
)

func main() {
	version := flag.String("version", "", "version named in the pages' footer")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: manpages [-version VERSION] DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := write(flag.Arg(0), *version); err != nil {
		fmt.Fprintln(os.Stderr, "manpages:", err)
		os.Exit(1)
	}
}

// write generates the pages of the whole command tree into dir.
func write(dir, version string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root := cli.NewCmdRoot(cmdutil.NewFactory(iostreams.System(), cmdutil.BuildInfo{Version: version}))
	root.DisableAutoGenTag = true
	source := "keycrm-sync"
	if version != "" {
		source += " " + version
	}
	header := &doc.GenManHeader{Title: "KEYCRM-SYNC", Section: "1", Source: source}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return fmt.Errorf("write man pages into %s: %w", dir, err)
	}
	return nil
}
