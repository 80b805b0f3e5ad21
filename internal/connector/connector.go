// Package connector defines how keycrm-sync reads the places named by --from and
// --against: a Location names the place, a Format knows one kind of place, and a
// Reader streams its items into a Sink. Which formats exist is decided in one list
// (package connector/all); nothing registers itself.
package connector

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
)

// A Reader streams one source. Rows that cannot be used go to Sink.Problem with
// their position and never stop the read; Read returns an error only when the
// source as a whole cannot be read (missing file, no SKU column, cut-off file,
// lost connection). A Reader is used once.
type Reader interface {
	Read(ctx context.Context, sink Sink) error
	// Info describes the source; complete once Read has returned.
	Info() SourceInfo
	Close() error
}

// Sink receives what a Reader finds, in source order.
type Sink interface {
	// Item receives one item; a non-nil error stops the read and is returned
	// by Read (the context was cancelled, a limit was reached). The item is
	// the reader's, lent for the call: readers reuse it for the next row (an
	// item is some 400 bytes, copied three times a row when passed by value),
	// so a sink that keeps it keeps a copy, and none changes it.
	Item(*catalog.Item) error
	Problem(catalog.Problem)
}

// SourceInfo describes a source after it has been read.
type SourceInfo struct {
	// Format is the format's name ("csv", "xlsx", "commerceml", ...).
	Format string
	// SHA256 is the hex digest of the bytes read; for a folder or zip package the
	// digest of the sorted per-file digests; "" for a database (null in JSON).
	SHA256 string
	// Delta is set for changes-only sources (CommerceML СодержитТолькоИзменения):
	// absence from them says nothing, so nothing may be zeroed from them.
	Delta bool
	// Fields lists the canonical fields the source carries (mapped columns),
	// in catalog.Fields order.
	Fields []string
	// Warehouses lists the warehouses the source declares, for reporting and
	// --warehouse-map.
	Warehouses []Warehouse
	// Header is the header row of a tabular source (CSV, XLSX), for messages
	// about its columns; nil for other formats.
	Header *Header
	// Encoding is the text encoding the source was read in ("utf-8",
	// "windows-1251"); "" for formats that are not plain text.
	Encoding string
	// Notes tell the operator how the source was read where that was a guess or
	// a choice: a detected encoding, the header row found below a title block,
	// columns that look like a field but were not read, rows skipped, a source
	// with no data rows. They are warnings to print, never errors.
	Notes []string
}

// Header is a tabular source's header row.
type Header struct {
	// Row is the header's (last) row, 1-based; 0 without a header row.
	Row int
	// Cells are the header's non-empty cells, as found.
	Cells []string
	// Columns maps each canonical field read to the header of its column.
	Columns map[string]string
}

// Warehouse is a warehouse declared by a source.
type Warehouse struct {
	ID   string
	Name string
}

// ReadOptions are the reader flags of the command-line contract.
type ReadOptions struct {
	// Format is --format (or --against-format); "" detects.
	Format string
	// Encoding is --encoding: "" detects between UTF-8 and Windows-1251.
	Encoding string
	// Sheet is --sheet for XLSX.
	Sheet string
	// Mapping is --map FIELD=HEADER (FIELD=COLUMN_NUMBER, 1-based, with NoHeader)
	// merged over the config file's mapping.
	Mapping map[string]string
	// MapFromConfig says that Mapping is the config file's mapping alone, no
	// --map flag: a format without columns ignores it instead of refusing it,
	// since the config describes the usual source, not every source.
	MapFromConfig bool
	// NoHeader is --no-header.
	NoHeader bool
	// Key is --key: which identifier becomes the SKU in formats carrying several.
	Key string
	// PriceTypes is --price-type FIELD=NAME (CommerceML ТипЦены per field).
	PriceTypes map[string]string
	// PerWarehouse is set when a warehouse map routes each source warehouse
	// on its own (--warehouse-map, or the config's warehouses): a format that
	// states both a total and a per-warehouse breakdown (CommerceML's
	// Количество and Склад) yields the breakdown; otherwise it yields the total.
	PerWarehouse bool
	// Query is --query: the SQL a mysql:// or postgres:// source runs.
	Query string
	// Stdin is read for the location "-".
	Stdin io.Reader
	// Progress, when set, is called as bytes are read: done so far and the total
	// (-1 when unknown).
	Progress func(done, total int64)
}

// A Format knows one kind of location: a file type, a feed, a database.
type Format interface {
	// Name is the --format value.
	Name() string
	// Detect reports whether loc is of this format; head holds the first bytes of
	// a file (nil for stdin and URLs), enough to see an XML root element.
	Detect(loc Location, head []byte) bool
	// Open prepares a Reader; it may fail fast (missing file, bad URL).
	Open(ctx context.Context, loc Location, opt ReadOptions) (Reader, error)
}

// A SchemeFormat reads URL locations and declares their schemes ("woocommerce"): the
// registry gives such a location to the format declaring its scheme, before asking
// the others' Detect.
type SchemeFormat interface {
	Format
	Schemes() []string
}

// Limits on a single record, so that a 20,000-column row or a 1 GB line is
// refused with bounded memory instead of being read.
const (
	// MaxColumns is the most cells a record may have.
	MaxColumns = 1024
	// MaxRecordBytes is the longest record (a line of text, a row of cells).
	MaxRecordBytes = 1 << 20
)

// Errors a reader wraps with the file and position; the command maps every
// read error to exit code 2.
var (
	// ErrTruncated: the source ends in the middle of a record, as a file cut off
	// by a failed copy or a full disk does.
	ErrTruncated = errors.New("the file ends in the middle of a record (cut off?)")
	// ErrTooLarge: a record exceeds MaxColumns or MaxRecordBytes.
	ErrTooLarge = errors.New("record too large")
	// ErrUnsupported: a file type keycrm-sync does not read (.xls, .ods).
	ErrUnsupported = errors.New("unsupported file type")
	// ErrUnknownFormat: no format recognises the location.
	ErrUnknownFormat = errors.New("unknown format")
	// ErrNotText: a text format was given a spreadsheet or archive.
	ErrNotText = errors.New("not a text file")
)

// CheckOptions refuses reader flags that format does not use, so that a
// misplaced --sheet or --key is reported instead of silently ignored. accepted
// names the flags the format reads ("--encoding", "--sheet", "--map",
// "--no-header", "--key", "--price-type", "--query").
func CheckOptions(format string, opt ReadOptions, accepted ...string) error {
	given := map[string]bool{
		"--encoding":   opt.Encoding != "",
		"--sheet":      opt.Sheet != "",
		"--map":        len(opt.Mapping) > 0 && !opt.MapFromConfig,
		"--no-header":  opt.NoHeader,
		"--key":        opt.Key != "",
		"--price-type": len(opt.PriceTypes) > 0,
		"--query":      opt.Query != "",
	}
	for _, a := range accepted {
		delete(given, a)
	}
	for _, flag := range []string{"--encoding", "--sheet", "--map", "--no-header", "--key", "--price-type", "--query"} {
		if given[flag] {
			hint := ""
			if flag == "--key" {
				hint = "; choose the SKU column with --map sku=HEADER"
			}
			return fmt.Errorf("%s does not apply to %s sources%s", flag, format, hint)
		}
	}
	return nil
}
