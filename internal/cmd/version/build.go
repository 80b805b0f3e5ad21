package version

import (
	"runtime/debug"

	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
)

// FromBuild settles what `version` prints. A release build (goreleaser) sets
// version, commit and date with -ldflags -X, and those win. `go install
// module@version` sets none of them but records the module version in the build
// info; a `go build` in a checkout also records the commit and its time (the
// vcs.* settings). info may be nil when the binary has no build info.
func FromBuild(ld cmdutil.BuildInfo, info *debug.BuildInfo) cmdutil.BuildInfo {
	b := ld
	// goreleaser's {{.Version}} drops the tag's "v"; print it as go install does.
	if b.Version != "" && b.Version[0] >= '0' && b.Version[0] <= '9' {
		b.Version = "v" + b.Version
	}
	if info == nil {
		if b.Version == "" {
			b.Version = "dev"
		}
		return b
	}
	if b.Version == "" {
		b.Version = "dev"
		if v := info.Main.Version; v != "" && v != "(devel)" {
			b.Version = v
		}
	}
	if b.Commit == "" {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value[:min(len(s.Value), 7)]
			case "vcs.time":
				if b.Date == "" {
					b.Date = s.Value
				}
			}
		}
		if b.Commit == "" {
			b.Date = "" // a date without a commit says nothing about the source
		}
	}
	return b
}

// ReadBuild is FromBuild with the running binary's build info.
func ReadBuild(ld cmdutil.BuildInfo) cmdutil.BuildInfo {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return FromBuild(ld, info)
}
