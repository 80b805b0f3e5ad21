package cmdutil

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/keycrm-sync/keycrm-sync/internal/iostreams"
)

// newTestFactory builds a Factory with the given environment and command line.
func newTestFactory(t *testing.T, env map[string]string, args ...string) *Factory {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := NewFactory(ios, BuildInfo{Version: "test"})
	f.Getenv = func(k string) string { return env[k] }
	g := f.Global
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.StringVar(&g.APIURL, "api-url", DefaultAPIURL, "")
	fs.StringVar(&g.APIKeyFile, "api-key-file", "", "")
	fs.IntVar(&g.Rate, "rate", 60, "")
	fs.IntVar(&g.Retries, "retries", 5, "")
	fs.DurationVar(&g.Timeout, "timeout", 30*time.Second, "")
	fs.StringVar(&g.ConfigFile, "config", "", "")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	g.Flags = fs
	return f
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrecedenceFlagEnvConfigDefault(t *testing.T) {
	t.Chdir(t.TempDir())
	cfg := writeFile(t, "c.yaml", "api: {url: https://config.example/v1, rate: 30, retries: 2, timeout: 5s}\n")

	f := newTestFactory(t, nil)
	if u, _ := f.APIURL(); u != DefaultAPIURL {
		t.Errorf("default url = %s", u)
	}
	f = newTestFactory(t, nil, "--config", cfg)
	if u, _ := f.APIURL(); u != "https://config.example/v1" {
		t.Errorf("config url = %s", u)
	}
	if r, _ := f.Rate(); r != 30 {
		t.Errorf("config rate = %d", r)
	}
	if r, _ := f.Retries(); r != 2 {
		t.Errorf("config retries = %d", r)
	}
	if d, _ := f.Timeout(); d != 5*time.Second {
		t.Errorf("config timeout = %s", d)
	}
	f = newTestFactory(t, map[string]string{EnvAPIURL: "http://env.example/v1/"}, "--config", cfg)
	if u, _ := f.APIURL(); u != "http://env.example/v1" {
		t.Errorf("env url = %s", u)
	}
	f = newTestFactory(t, map[string]string{EnvAPIURL: "http://env.example/v1"}, "--config", cfg, "--api-url", "http://flag.example/v1", "--rate", "6000", "--retries", "0")
	if u, _ := f.APIURL(); u != "http://flag.example/v1" {
		t.Errorf("flag url = %s", u)
	}
	if r, _ := f.Rate(); r != 6000 {
		t.Errorf("flag rate = %d", r)
	}
	if r, _ := f.Retries(); r != 0 {
		t.Errorf("flag retries = %d", r)
	}
}

func TestAPIKeySources(t *testing.T) {
	t.Chdir(t.TempDir())
	keyFile := writeFile(t, "key", "file-key-123\nsecond line\n")
	cfg := writeFile(t, "c.yaml", "api: {key_file: "+keyFile+"}\n")

	if _, err := newTestFactory(t, nil).APIKey(); !errors.Is(err, ErrNoKey) {
		t.Fatalf("no key: %v", err)
	}
	if k, _ := newTestFactory(t, nil, "--config", cfg).APIKey(); k != "file-key-123" {
		t.Errorf("config key_file: %q", k)
	}
	env := map[string]string{EnvAPIKey: " env-key-456 "}
	if k, _ := newTestFactory(t, env, "--config", cfg).APIKey(); k != "env-key-456" {
		t.Errorf("env beats config: %q", k)
	}
	other := writeFile(t, "other", "flag-key-789")
	if k, _ := newTestFactory(t, env, "--api-key-file", other).APIKey(); k != "flag-key-789" {
		t.Errorf("flag beats env: %q", k)
	}
	empty := writeFile(t, "empty", "")
	if _, err := newTestFactory(t, nil, "--api-key-file", empty).APIKey(); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty key file: %v", err)
	}
	if _, err := newTestFactory(t, nil, "--api-key-file", "/nonexistent/key").APIKey(); err == nil {
		t.Error("missing key file accepted")
	}
}

func TestKeyIsMaskedOnceRead(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	f := NewFactory(ios, BuildInfo{})
	f.Getenv = func(k string) string { return map[string]string{EnvAPIKey: "secret-key-42"}[k] }
	if _, err := f.APIKey(); err != nil {
		t.Fatal(err)
	}
	ios.Logf("oops secret-key-42")
	_, _ = ios.Out.Write([]byte("secret-key-42\n"))
	if strings.Contains(out.String()+errOut.String(), "secret-key-42") {
		t.Fatalf("key leaked: %q %q", out, errOut)
	}
}

func TestStateDir(t *testing.T) {
	f := newTestFactory(t, map[string]string{"XDG_STATE_HOME": "/x", "HOME": "/h"})
	if d, _ := f.StateDir(); d != "/x/keycrm-sync" {
		t.Errorf("xdg: %s", d)
	}
	f = newTestFactory(t, map[string]string{"HOME": "/h"})
	if d, _ := f.StateDir(); d != "/h/.local/state/keycrm-sync" {
		t.Errorf("home: %s", d)
	}
	f.Global.StateDir = "/s"
	if d, _ := f.StateDir(); d != "/s" {
		t.Errorf("flag: %s", d)
	}
}

// The registry is built once: every location of a run is read by the same formats.
func TestFormatsBuiltOnce(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := NewFactory(ios, BuildInfo{})
	r := f.Formats()
	if r != f.Formats() || len(r.Names()) == 0 {
		t.Fatalf("registry %p then %p, formats %v", r, f.Formats(), r.Names())
	}
}
