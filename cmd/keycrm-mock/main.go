// Command keycrm-mock serves a local stand-in for the KeyCRM API; see
// internal/mockcli for its flags and pkg/keycrmmock for its behaviour.
package main

import (
	"os"

	"github.com/keycrm-sync/keycrm-sync/internal/mockcli"
)

func main() {
	os.Exit(mockcli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
