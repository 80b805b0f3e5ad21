// Command keycrm-sync keeps products and stock identical across KeyCRM, online
// shops and ERPs. All logic lives in internal/cli so tests can run it in-process.
package main

import (
	"os"
	"runtime/debug"

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

// memoryLimit is a soft heap target: a million-row source is planned in well under
// it, and without it the garbage collector lets a big run grow to twice its live
// data. GOMEMLIMIT in the environment overrides it.
const memoryLimit = 200 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	os.Exit(cli.Main(os.Args[1:], iostreams.System(), buildInfo()))
}

func buildInfo() cmdutil.BuildInfo {
	return versioncmd.ReadBuild(cmdutil.BuildInfo{Version: version, Commit: commit, Date: date})
}
