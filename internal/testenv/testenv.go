// Package testenv holds what tests across the module share about their environment:
// where the third-party fixtures live and when a missing dependency may skip a test.
//
// Fixtures from ../shared/fixtures are never copied into the repository (many carry
// no licence). A test that needs one, or a real MariaDB, skips on a developer's
// laptop that lacks it, and fails when KEYCRM_SYNC_NO_SKIP is set, as .ci/run does:
// a skipped test must never pass for a green CI run. `make test` runs the suite
// through testreport, which prints one line per package that skipped tests and
// why, since go test shows a passing package's skips only with -v.
package testenv

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// NoSkipEnv is the variable that turns skips into failures.
const NoSkipEnv = "KEYCRM_SYNC_NO_SKIP"

// FixturesEnv overrides where the shared fixtures are.
const FixturesEnv = "KEYCRM_SYNC_FIXTURES"

// Skip skips the test, or fails it when skipping is forbidden.
func Skip(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(NoSkipEnv) != "" {
		t.Fatalf("cannot skip ("+NoSkipEnv+" is set): "+format, args...)
	}
	t.Skipf(format, args...)
}

// ModuleRoot returns the directory holding go.mod, found upwards from the
// working directory (a test's working directory is its package).
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// FixturesDir returns the shared fixtures directory, or skips (see Skip).
func FixturesDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(FixturesEnv)
	if dir == "" {
		dir = filepath.Join(ModuleRoot(t), "..", "shared", "fixtures")
	}
	if _, err := os.Stat(dir); err != nil {
		Skip(t, "shared fixtures not found at %s (set %s)", dir, FixturesEnv)
	}
	return dir
}

// Fixture returns the path of a shared fixture file, relative to the fixtures
// directory ("xlsx/prom_export_products.xlsx"), or skips (see Skip).
func Fixture(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(FixturesDir(t), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		Skip(t, "fixture %s missing: %v", rel, err)
	}
	return p
}

// Server returns the host:port of a database server tests use — the value of
// env, else def — or skips (see Skip) when nothing listens there.
func Server(t testing.TB, env, def string) string {
	t.Helper()
	addr := os.Getenv(env)
	if addr == "" {
		addr = def
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		Skip(t, "no database server at %s (set %s): %v", addr, env, err)
		return ""
	}
	c.Close()
	return addr
}
