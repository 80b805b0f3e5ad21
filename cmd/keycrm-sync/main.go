// Command keycrm-sync keeps products and stock identical across KeyCRM, online
// shops and ERPs. All logic lives in internal/cli so tests can run it in-process.
package main

import (
	"os"

	"github.com/keycrm-sync/keycrm-sync/internal/cli"
	versioncmd "github.com/keycrm-sync/keycrm-sync/internal/cmd/version"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/iostreams"
)

// Set by the release build (-ldflags -X).
var (
	version = ""
	commit  = ""
	date    = ""
)

// The soft memory limit is set from the size of the inputs as they are opened
// (cmdutil.GrowMemoryLimit), not here.
func main() {
	os.Exit(cli.Main(os.Args[1:], iostreams.System(), buildInfo()))
}

func buildInfo() cmdutil.BuildInfo {
	return versioncmd.ReadBuild(cmdutil.BuildInfo{Version: version, Commit: commit, Date: date})
}
