package connector

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Registry is the set of formats a command can read, in detection order.
type Registry struct {
	formats []Format
}

// NewRegistry returns a registry of formats; the first whose Detect accepts a
// location reads it.
func NewRegistry(formats ...Format) *Registry {
	return &Registry{formats: append([]Format(nil), formats...)}
}

// Formats returns the formats in detection order.
func (r *Registry) Formats() []Format { return append([]Format(nil), r.formats...) }

// Names lists the --format values.
func (r *Registry) Names() []string {
	names := make([]string, len(r.formats))
	for i, f := range r.formats {
		names[i] = f.Name()
	}
	return names
}

// Lookup finds a format by its --format name.
func (r *Registry) Lookup(name string) (Format, bool) {
	for _, f := range r.formats {
		if f.Name() == name {
			return f, true
		}
	}
	return nil, false
}

// refused are file types that look readable but are not: both are binary
// formats an operator can re-save as .xlsx in seconds.
var refused = map[string]string{
	"xls": "Excel 97-2003 workbooks (.xls) are not read",
	"ods": "OpenDocument spreadsheets (.ods) are not read",
}

// Open parses location and opens it with opt.Format when set, else with the
// first format that detects it — by URL scheme, file extension, or for some
// (XML) the first bytes of the file.
func (r *Registry) Open(ctx context.Context, location string, opt ReadOptions) (Reader, error) {
	loc, err := ParseLocation(location)
	if err != nil {
		return nil, err
	}
	f, err := r.detect(loc, opt.Format)
	if err != nil {
		return nil, err
	}
	return f.Open(ctx, loc, opt)
}

func (r *Registry) detect(loc Location, name string) (Format, error) {
	known := strings.Join(r.Names(), ", ")
	if name != "" {
		if f, ok := r.Lookup(name); ok {
			return f, nil
		}
		return nil, fmt.Errorf("--format %q: %w (known formats: %s)", name, ErrUnknownFormat, known)
	}
	if why, bad := refused[loc.Ext]; bad && loc.Kind == KindFile {
		return nil, fmt.Errorf("read %s: %w: %s; save it as .xlsx", loc, ErrUnsupported, why)
	}
	var head []byte
	if loc.Kind == KindFile {
		// A missing or unreadable file is the format's to report, with its
		// own wording; detection by extension does not need the bytes.
		head, _ = readHead(loc.Path)
	}
	if loc.Kind == KindURL {
		for _, f := range r.formats {
			if sf, ok := f.(SchemeFormat); ok && slices.Contains(sf.Schemes(), loc.Scheme) {
				return f, nil
			}
		}
	}
	for _, f := range r.formats {
		if f.Detect(loc, head) {
			return f, nil
		}
	}
	if root, ok := XMLRoot(head); ok {
		return nil, fmt.Errorf("read %s: %w: no format reads an XML document whose root element is <%s> (known formats: %s; choose one with --format)",
			loc, ErrUnknownFormat, root.Name.Local, known)
	}
	var what string
	switch loc.Kind {
	case KindDir:
		what = "a directory"
	case KindURL:
		what = loc.Scheme + ":// locations"
	case KindStdin:
		what = "standard input"
	default:
		what = fmt.Sprintf("%q files", "."+loc.Ext)
		if loc.Ext == "" {
			what = "files without an extension"
		}
	}
	return nil, fmt.Errorf("read %s: %w: no format reads %s (known formats: %s; choose one with --format)", loc, ErrUnknownFormat, what, known)
}

func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, headSize)
	n, err := io.ReadFull(f, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return buf[:n], err
}
