package version

import (
	"runtime/debug"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
)

func TestFromBuild(t *testing.T) {
	installed := &debug.BuildInfo{Main: debug.Module{Path: "github.com/keycrm-sync/keycrm-sync", Version: "v1.4.0"}}
	checkout := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
	}}
	tests := []struct {
		name string
		ld   cmdutil.BuildInfo
		info *debug.BuildInfo
		want string
	}{
		{"go install module@version", cmdutil.BuildInfo{}, installed, "keycrm-sync v1.4.0"},
		{"goreleaser ldflags", cmdutil.BuildInfo{Version: "1.4.0", Commit: "abc1234", Date: "2026-12-01T10:00:00Z"}, installed,
			"keycrm-sync v1.4.0 (commit abc1234, built 2026-12-01T10:00:00Z)"},
		{"go build in a checkout", cmdutil.BuildInfo{}, checkout, "keycrm-sync dev (commit 0123456, built 2026-12-01T10:00:00Z)"},
		{"no build info", cmdutil.BuildInfo{}, nil, "keycrm-sync dev"},
		{"snapshot", cmdutil.BuildInfo{Version: "1.4.1-SNAPSHOT-abc1234", Commit: "abc1234"}, nil, "keycrm-sync v1.4.1-SNAPSHOT-abc1234 (commit abc1234)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Line(FromBuild(tt.ld, tt.info)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
