// Package connector defines how keycrm-sync reads the places named by --from and
// --against: a Location names the place, a Format knows one kind of place, and a
// Reader streams its items into a Sink. Which formats exist is decided in one list
// (package connector/all); nothing registers itself.
package connector

import (
	"context"
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
	// by Read (the context was cancelled, a limit was reached).
	Item(catalog.Item) error
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
	// NoHeader is --no-header.
	NoHeader bool
	// Key is --key: which identifier becomes the SKU in formats carrying several.
	Key string
	// PriceTypes is --price-type FIELD=NAME (CommerceML ТипЦены per field).
	PriceTypes map[string]string
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
