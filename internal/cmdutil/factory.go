// Package cmdutil holds what every keycrm-sync command shares: the Factory of lazily
// built dependencies (configuration, the KeyCRM client, the state directory), the
// global options, and the error types the CLI maps to exit codes.
package cmdutil

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/keycrm-sync/keycrm-sync/internal/config"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/all"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/xlsx"
	"github.com/keycrm-sync/keycrm-sync/internal/iostreams"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

// DefaultAPIURL is KeyCRM's production API root.
const DefaultAPIURL = "https://openapi.keycrm.app/v1"

// Environment variables of the command-line contract.
const (
	EnvAPIURL  = "KEYCRM_API_URL"
	EnvAPIKey  = "KEYCRM_API_KEY"
	EnvProfile = "KEYCRM_SYNC_PROFILE"
)

// BuildInfo identifies the binary.
type BuildInfo struct {
	Version, Commit, Date string
}

// GlobalOptions are the root command's persistent flags.
type GlobalOptions struct {
	APIURL     string
	APIKeyFile string
	Rate       int
	Retries    int
	Timeout    time.Duration
	ConfigFile string
	Profile    string
	StateDir   string
	Output     string
	Quiet      bool
	Verbose    bool
	NoProgress bool

	// Flags is the root's persistent flag set, to tell a flag given on the command
	// line from its default (precedence: flag > environment > config > default).
	Flags *pflag.FlagSet
}

// Factory builds what commands need, once and only when asked, so that a command
// that never talks to KeyCRM never asks for a key.
type Factory struct {
	IO     *iostreams.IOStreams
	Build  BuildInfo
	Getenv func(string) string
	Now    func() time.Time
	Global *GlobalOptions
	// FreeSpace says how many bytes may still be written under a directory; -1
	// when the system does not tell. Tests replace it.
	FreeSpace func(dir string) (int64, error)

	configOnce sync.Once
	config     *config.Config
	configErr  error

	formatsOnce sync.Once
	formats     *connector.Registry

	clientOnce sync.Once
	client     *keycrm.Client
	clientErr  error
	hooks      []func(keycrm.RequestInfo)
}

// NewFactory returns a Factory reading the process environment.
func NewFactory(ios *iostreams.IOStreams, build BuildInfo) *Factory {
	return &Factory{IO: ios, Build: build, Getenv: os.Getenv, Now: time.Now, Global: &GlobalOptions{}, FreeSpace: freeSpace}
}

// Config loads the configuration file once.
func (f *Factory) Config() (*config.Config, error) {
	f.configOnce.Do(func() {
		path, err := config.Find(f.Global.ConfigFile, f.Getenv)
		if err != nil {
			f.configErr = err
			return
		}
		f.config, f.configErr = config.Load(path)
	})
	return f.config, f.configErr
}

func (f *Factory) changed(flag string) bool {
	return f.Global.Flags != nil && f.Global.Flags.Changed(flag)
}

// Formats is the registry of every format a location may be read or written as,
// built once for the process, with the config file's limits. A config that
// does not load leaves the defaults: every command that reads a source loads
// the config first and reports its error there.
func (f *Factory) Formats() *connector.Registry {
	f.formatsOnce.Do(func() { f.formats = all.WithLimits(f.XLSXLimits()) })
	return f.formats
}

// XLSXLimits are the config file's bounds on what a workbook may unpack to,
// for every XLSX file keycrm-sync reads, sources and pulled files alike; a
// config that does not load leaves the defaults (see Formats).
func (f *Factory) XLSXLimits() xlsx.Limits {
	c, err := f.Config()
	if err != nil {
		return xlsx.Limits{}
	}
	l := c.Limits
	return xlsx.Limits{PartRatio: int64(l.XLSXPartRatio), PartBytes: int64(l.XLSXPartBytes), CellBytes: int(l.XLSXCellBytes),
		SharedStringBytes: int(l.XLSXSharedStringsBytes), StdinBytes: int64(l.XLSXStdinBytes)}
}

// APIURL resolves the base URL: flag > KEYCRM_API_URL > config api.url > default.
func (f *Factory) APIURL() (string, error) {
	if f.changed("api-url") {
		return strings.TrimSuffix(f.Global.APIURL, "/"), nil
	}
	if v := f.Getenv(EnvAPIURL); v != "" {
		return strings.TrimSuffix(v, "/"), nil
	}
	c, err := f.Config()
	if err != nil {
		return "", err
	}
	if c.API.URL != "" {
		return strings.TrimSuffix(c.API.URL, "/"), nil
	}
	return DefaultAPIURL, nil
}

// ErrNoKey is returned when a command needs the API and no key is configured.
var ErrNoKey = errors.New("no KeyCRM API key: set KEYCRM_API_KEY, or pass --api-key-file FILE, or set api.key_file in the config file")

// APIKey resolves the key: --api-key-file > KEYCRM_API_KEY > config api.key_file.
// No flag takes the key itself: it would leak through ps and shell history.
func (f *Factory) APIKey() (string, error) {
	var key string
	var err error
	switch {
	case f.changed("api-key-file"):
		key, err = readKeyFile(f.Global.APIKeyFile)
	case f.Getenv(EnvAPIKey) != "":
		key = strings.TrimSpace(f.Getenv(EnvAPIKey))
	default:
		c, cerr := f.Config()
		if cerr != nil {
			return "", cerr
		}
		if c.API.KeyFile == "" {
			return "", ErrNoKey
		}
		key, err = readKeyFile(config.ExpandHome(c.API.KeyFile, f.Getenv))
	}
	if err != nil {
		return "", err
	}
	if key == "" {
		return "", ErrNoKey
	}
	f.IO.AddSecret(key)
	return key, nil
}

// readKeyFile returns the first line of the file, trimmed.
func readKeyFile(path string) (string, error) {
	file, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("API key file: %w", err)
	}
	defer file.Close()
	line, err := bufio.NewReader(file).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("API key file %s is empty", path)
	}
	return strings.TrimSpace(line), nil
}

// Rate resolves --rate > config api.rate > 60.
func (f *Factory) Rate() (int, error) {
	rate := f.Global.Rate
	if !f.changed("rate") {
		c, err := f.Config()
		if err != nil {
			return 0, err
		}
		if c.API.Rate != nil {
			if *c.API.Rate < 1 {
				return 0, UsageErrorf("config api.rate must be at least 1 request per minute, not %d", *c.API.Rate)
			}
			rate = *c.API.Rate
		}
	}
	if rate < 1 {
		return 0, UsageErrorf("--rate must be at least 1 request per minute, not %d", rate)
	}
	return rate, nil
}

// Retries resolves --retries > config api.retries > 5.
func (f *Factory) Retries() (int, error) {
	retries := f.Global.Retries
	if !f.changed("retries") {
		c, err := f.Config()
		if err != nil {
			return 0, err
		}
		if c.API.Retries != nil {
			retries = *c.API.Retries
		}
	}
	if retries < 0 {
		return 0, UsageErrorf("--retries must not be negative, not %d", retries)
	}
	return retries, nil
}

// Timeout resolves --timeout > config api.timeout > 30s.
func (f *Factory) Timeout() (time.Duration, error) {
	timeout := f.Global.Timeout
	if !f.changed("timeout") {
		c, err := f.Config()
		if err != nil {
			return 0, err
		}
		if c.API.Timeout != 0 {
			timeout = time.Duration(c.API.Timeout)
		}
	}
	if timeout <= 0 {
		return 0, UsageErrorf("--timeout must be positive, not %s", timeout)
	}
	return timeout, nil
}

// StateDir resolves --state-dir > $XDG_STATE_HOME/keycrm-sync > ~/.local/state/keycrm-sync.
func (f *Factory) StateDir() (string, error) {
	if f.Global.StateDir != "" {
		return f.Global.StateDir, nil
	}
	if d := f.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "keycrm-sync"), nil
	}
	home := f.Getenv("HOME")
	if home == "" {
		return "", errors.New("cannot find a state directory: set --state-dir, XDG_STATE_HOME or HOME")
	}
	return filepath.Join(home, ".local", "state", "keycrm-sync"), nil
}

// KeyCRM builds the process's one API client (one client means one shared request
// budget) from the resolved URL, key, rate, retries and timeout. With -v each request
// is logged: method, path, status, duration; never a header, so never the key.
func (f *Factory) KeyCRM() (*keycrm.Client, error) {
	f.clientOnce.Do(func() { f.client, f.clientErr = f.newClient() })
	return f.client, f.clientErr
}

// KeyCRMWith is KeyCRM with hook also told about every request (doctor reads the
// budget headers this way). It must be called before the client is first built.
func (f *Factory) KeyCRMWith(hook func(keycrm.RequestInfo)) (*keycrm.Client, error) {
	f.hooks = append(f.hooks, hook)
	return f.KeyCRM()
}

func (f *Factory) newClient() (*keycrm.Client, error) {
	url, err := f.APIURL()
	if err != nil {
		return nil, err
	}
	key, err := f.APIKey()
	if err != nil {
		return nil, err
	}
	rate, err := f.Rate()
	if err != nil {
		return nil, err
	}
	retries, err := f.Retries()
	if err != nil {
		return nil, err
	}
	timeout, err := f.Timeout()
	if err != nil {
		return nil, err
	}
	return keycrm.New(keycrm.Options{
		BaseURL:   url,
		APIKey:    keycrm.Secret(key),
		PerMinute: rate,
		Retries:   &retries,
		Timeout:   timeout,
		UserAgent: "keycrm-sync/" + f.Build.Version,
		OnRequest: func(ri keycrm.RequestInfo) {
			status := strconv.Itoa(ri.Status)
			if ri.Err != nil && ri.Status == 0 {
				status = "failed"
			}
			f.IO.Verbosef("%s %s %s %s", ri.Method, ri.Path, status, ri.Duration.Round(time.Millisecond))
			for _, h := range f.hooks {
				h(ri)
			}
		},
	})
}
