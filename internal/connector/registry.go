package connector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	f, err := r.named(loc, opt.Format)
	if err != nil {
		return nil, err
	}
	size, err := statLocation(loc)
	if err != nil {
		return nil, err
	}
	if f == nil {
		f, err = r.detect(loc)
	}
	if size == 0 {
		return openEmpty(loc, f, err)
	}
	if err != nil {
		return nil, err
	}
	return f.Open(ctx, loc, opt)
}

// statLocation checks that a file or folder location exists before any format
// looks at it, so that a missing path gets one message whatever its extension
// (a missing .zip or folder would otherwise be "no format reads it"). It
// returns the size of a regular file, and -1 for anything else.
func statLocation(loc Location) (int64, error) {
	if loc.Kind != KindFile && loc.Kind != KindDir {
		return -1, nil
	}
	fi, err := os.Stat(loc.Path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in the message
		}
		return -1, fmt.Errorf("read %s: %w", loc, err)
	}
	if !fi.Mode().IsRegular() {
		return -1, nil
	}
	return fi.Size(), nil
}

// openEmpty reads an empty file as a source without items, so that the
// empty-source guard refuses it (exit 3) exactly as it refuses empty standard
// input, instead of each format failing on it in its own words. An XML format
// is chosen by the root element, which an empty .xml file lacks.
func openEmpty(loc Location, f Format, detectErr error) (Reader, error) {
	name := ""
	switch {
	case detectErr == nil:
		name = f.Name()
	case loc.Ext == "xml":
		name = "xml"
	default:
		return nil, detectErr
	}
	return &emptyReader{info: SourceInfo{Format: name, SHA256: emptySHA256, Notes: []string{"the file is empty"}}}, nil
}

// emptySHA256 is the digest of no bytes.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

type emptyReader struct{ info SourceInfo }

func (r *emptyReader) Read(ctx context.Context, _ Sink) error { return ctx.Err() }
func (r *emptyReader) Info() SourceInfo                       { return r.info }
func (r *emptyReader) Close() error                           { return nil }

// named settles what needs no look at the location: the format --format
// names, or a refused file type; it returns a nil Format when detection must
// decide.
func (r *Registry) named(loc Location, name string) (Format, error) {
	if name != "" {
		if f, ok := r.Lookup(name); ok {
			return f, nil
		}
		return nil, fmt.Errorf("--format %q: %w (known formats: %s)", name, ErrUnknownFormat, strings.Join(r.Names(), ", "))
	}
	if why, bad := refused[loc.Ext]; bad && loc.Kind == KindFile {
		return nil, fmt.Errorf("read %s: %w: %s; save it as .xlsx", loc, ErrUnsupported, why)
	}
	return nil, nil
}

func (r *Registry) detect(loc Location) (Format, error) {
	known := strings.Join(r.Names(), ", ")
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
