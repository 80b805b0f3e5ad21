// Package config loads keycrm-sync's YAML configuration. Keys are checked strictly:
// a misspelt key is an error naming it, because a silently ignored guard or mapping
// would let a sync run with settings the operator never chose.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the file's shape (cli.md section 9).
type Config struct {
	API        API                                  `yaml:"api"`
	Warehouses map[string]int64                     `yaml:"warehouses"`
	Mapping    map[string]string                    `yaml:"mapping"`
	Guards     Guards                               `yaml:"guards"`
	Profiles   map[string]map[string]map[string]any `yaml:"profiles"`
	Limits     Limits                               `yaml:"limits"`

	// Path is the file the configuration came from ("" when none was found).
	Path string `yaml:"-"`
}

// API holds the connection settings.
type API struct {
	URL     string   `yaml:"url"`
	KeyFile string   `yaml:"key_file"`
	Rate    *int     `yaml:"rate"` // nil when unset: 0 written in the file is an error, not the default
	Retries *int     `yaml:"retries"`
	Timeout Duration `yaml:"timeout"`
}

// Guards holds the default guard limits as written (50% or 0.5); the plan package
// parses them so that flags and the file follow one rule.
type Guards struct {
	MaxChanges     string `yaml:"max_changes"`
	MaxZeroed      string `yaml:"max_zeroed"`
	MinCoverage    string `yaml:"min_coverage"`
	MaxPriceChange string `yaml:"max_price_change"`
}

// Limits bound what reading an XLSX workbook may unpack and hold (package
// xlsx, Limits); zero or unset keeps the built-in default. They exist for the
// operator whose honest workbook is larger than the defaults allow.
type Limits struct {
	XLSXPartRatio          int   `yaml:"xlsx_part_ratio"`
	XLSXPartBytes          Bytes `yaml:"xlsx_part_bytes"`
	XLSXCellBytes          Bytes `yaml:"xlsx_cell_bytes"`
	XLSXSharedStringsBytes Bytes `yaml:"xlsx_shared_strings_bytes"`
	XLSXStdinBytes         Bytes `yaml:"xlsx_stdin_bytes"`
}

// Bytes is a size written as a count of bytes or with a binary unit: 65536,
// 64KiB, 256MiB, 1GiB.
type Bytes int64

var byteUnits = []struct {
	suffix string
	shift  uint
}{{"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40}}

// UnmarshalYAML parses a size; a negative one, a fraction or an unknown unit
// is an error naming the line.
func (b *Bytes) UnmarshalYAML(n *yaml.Node) error {
	text, shift := strings.TrimSpace(n.Value), uint(0)
	for _, u := range byteUnits {
		if v, ok := strings.CutSuffix(text, u.suffix); ok {
			text, shift = strings.TrimSpace(v), u.shift
			break
		}
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil || v < 0 || v > math.MaxInt64>>shift {
		return fmt.Errorf("line %d: %q is not a size like 65536, 64KiB, 256MiB or 1GiB", n.Line, n.Value)
	}
	*b = Bytes(v << shift)
	return nil
}

// Duration is a time.Duration written as "30s".
type Duration time.Duration

// UnmarshalYAML parses Go duration syntax.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 30s", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// Env is the part of the environment config lookup depends on (tests pass a map).
type Env func(string) string

// Find returns the configuration file to use: explicit (from --config, which must
// exist), else ./keycrm-sync.yaml, else $XDG_CONFIG_HOME/keycrm-sync/config.yaml
// (~/.config when XDG_CONFIG_HOME is unset). "" means no file.
func Find(explicit string, env Env) (string, error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", fmt.Errorf("config file: %w", err)
		}
		return explicit, nil
	}
	candidates := []string{"keycrm-sync.yaml"}
	if dir := configHome(env); dir != "" {
		candidates = append(candidates, filepath.Join(dir, "keycrm-sync", "config.yaml"))
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", nil
}

func configHome(env Env) string {
	if d := env("XDG_CONFIG_HOME"); d != "" {
		return d
	}
	if h := env("HOME"); h != "" {
		return filepath.Join(h, ".config")
	}
	return ""
}

// Load reads the file at path; "" gives the empty configuration.
func Load(path string) (*Config, error) {
	if path == "" {
		return &Config{}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	c.Path = path
	return c, nil
}

var unknownField = regexp.MustCompile(`line (\d+): field (\S+) not found in type`)

// Parse decodes a configuration, refusing unknown keys.
func Parse(data []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
			return nil, fmt.Errorf("line %s: unknown key %q", m[1], m[2])
		}
		return nil, errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if c.Limits.XLSXPartRatio < 0 {
		return nil, fmt.Errorf("limits: xlsx_part_ratio must not be negative, not %d", c.Limits.XLSXPartRatio)
	}
	for name, cmds := range c.Profiles {
		for cmd := range cmds {
			if !profileCommands[cmd] {
				return nil, fmt.Errorf("profile %q: unknown command %q", name, cmd)
			}
		}
	}
	return &c, nil
}

// profileCommands are the commands a profile may give defaults to.
var profileCommands = map[string]bool{
	"push-stock": true, "pull-stock": true, "diff": true, "edit-products": true, "import": true, "doctor": true,
}

// Profile returns the defaults the named profile gives command, as flag name to
// value text, or an error when the profile does not exist.
func (c *Config) Profile(name, command string) (map[string]string, error) {
	cmds, ok := c.Profiles[name]
	if !ok {
		return nil, fmt.Errorf("profile %q is not in the config file", name)
	}
	out := map[string]string{}
	for flag, v := range cmds[command] {
		switch v := v.(type) {
		case []any:
			parts := make([]string, len(v))
			for i, e := range v {
				parts[i] = fmt.Sprint(e)
			}
			out[flag] = strings.Join(parts, ",")
		default:
			out[flag] = fmt.Sprint(v)
		}
	}
	return out, nil
}

// ExpandHome turns a leading ~/ into the home directory.
func ExpandHome(path string, env Env) string {
	if strings.HasPrefix(path, "~/") {
		if h := env("HOME"); h != "" {
			return filepath.Join(h, path[2:])
		}
	}
	return path
}
