package connector

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/redact"
)

// DBPasswordEnv holds a database password kept out of the location URL (and so
// out of shell history and ps).
const DBPasswordEnv = "KEYCRM_SYNC_DB_PASSWORD"

// Kind is what a location names.
type Kind uint8

// Location kinds.
const (
	// KindFile is a file path (it may not exist yet for --to).
	KindFile Kind = iota
	// KindDir is an existing directory, or a path ending in a separator.
	KindDir
	// KindStdin is "-": standard input for --from, standard output for --to.
	KindStdin
	// KindURL is a database URL.
	KindURL
)

// schemes are the URL schemes of cli.md section 2; postgresql is libpq's
// spelling of postgres.
var schemes = map[string]bool{
	"woocommerce": true, "opencart": true, "prestashop": true,
	"mysql": true, "postgres": true, "postgresql": true,
}

// Location is a parsed --from, --to or --against value. Its String form hides
// any password, so printing a Location (%v, %s, JSON, YAML) never leaks one; the
// password is reachable only through URL().
type Location struct {
	Kind Kind
	// Path is the file or directory as given; "" for stdin and URLs.
	Path string
	// Ext is the file extension, lower-case and without the dot ("csv").
	Ext string
	// Scheme is the URL scheme, lower-case ("woocommerce", "mysql").
	Scheme string
	u      *url.URL
}

// ParseLocation parses a location: "-", a database URL with one of the known
// schemes, or else a path (Windows drive letters included). A path is a
// directory when it exists as one or ends in a separator.
func ParseLocation(s string) (Location, error) {
	if s == "" {
		return Location{}, fmt.Errorf("empty location")
	}
	if s == "-" {
		return Location{Kind: KindStdin}, nil
	}
	if i := strings.Index(s, "://"); i > 1 && isScheme(s[:i]) {
		scheme := strings.ToLower(s[:i])
		if scheme == "file" {
			return parsePath(strings.TrimPrefix(s[i+3:], "localhost")), nil
		}
		if !schemes[scheme] {
			return Location{}, fmt.Errorf("location %q: unknown scheme %q (known: woocommerce, opencart, prestashop, mysql, postgres)", maskUserinfo(s), scheme)
		}
		u, err := url.Parse(s)
		if err != nil {
			// url.Error quotes the whole URL, password included: keep only its reason.
			if ue, ok := err.(*url.Error); ok {
				err = ue.Err
			}
			return Location{}, fmt.Errorf("location %q: %w", maskUserinfo(s), err)
		}
		if u.Host == "" {
			return Location{}, fmt.Errorf("location %q: no host", maskUserinfo(s))
		}
		return Location{Kind: KindURL, Scheme: scheme, u: u}, nil
	}
	return parsePath(s), nil
}

func isScheme(s string) bool {
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return false
		}
	}
	return true
}

func parsePath(p string) Location {
	loc := Location{Kind: KindFile, Path: p, Ext: strings.TrimPrefix(strings.ToLower(filepath.Ext(p)), ".")}
	if strings.HasSuffix(p, "/") || strings.HasSuffix(p, string(filepath.Separator)) {
		loc.Kind, loc.Ext = KindDir, ""
	} else if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		loc.Kind, loc.Ext = KindDir, ""
	}
	return loc
}

// maskUserinfo hides everything between "://" and the last "@" of a string
// that did not parse as a URL.
func maskUserinfo(s string) string {
	i := strings.Index(s, "://")
	j := strings.LastIndexByte(s, '@')
	if i < 0 || j < i {
		return s
	}
	return s[:i+3] + redact.Mask + s[j:]
}

// secretParams are query parameters that carry passwords in some DSNs.
var secretParams = []string{"password", "pass", "pwd"}

// String is the location for messages and output, with any password shown as
// "****".
func (l Location) String() string {
	switch l.Kind {
	case KindStdin:
		return "-"
	case KindURL:
		u := *l.u
		q := u.Query()
		for _, k := range secretParams {
			if q.Has(k) {
				q.Set(k, redact.Mask)
			}
		}
		if len(q) > 0 {
			u.RawQuery = strings.ReplaceAll(q.Encode(), url.QueryEscape(redact.Mask), redact.Mask)
		}
		u.User = nil
		s := u.String()
		if l.u.User == nil {
			return s
		}
		// url.UserPassword would escape the mask's asterisks.
		info := url.User(l.u.User.Username()).String()
		if _, has := l.u.User.Password(); has {
			info += ":" + redact.Mask
		}
		prefix := u.Scheme + "://"
		return prefix + info + "@" + strings.TrimPrefix(s, prefix)
	}
	return l.Path
}

// MarshalText prints the redacted form, so a Location in JSON or YAML output is
// as safe as in a message.
func (l Location) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// URL returns the database URL with its password: the one in the location, or
// else the value of KEYCRM_SYNC_DB_PASSWORD. It is nil for files and stdin.
// Database connectors use it to connect and never print it.
func (l Location) URL() *url.URL {
	if l.Kind != KindURL {
		return nil
	}
	u := *l.u
	if u.User != nil {
		if _, has := u.User.Password(); has {
			return &u
		}
	}
	if pw, ok := os.LookupEnv(DBPasswordEnv); ok {
		name := ""
		if u.User != nil {
			name = u.User.Username()
		}
		u.User = url.UserPassword(name, pw)
	}
	return &u
}
