package filetarget

import (
	"context"
	"errors"
	"io/fs"
	"os"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/csv"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/googlemerchant"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/jsonl"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/xlsx"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/yml"
)

// Value is a SKU's stock as a file holds it now.
type Value struct {
	// Quantity is unknown when the row's stock cell is empty (or the format,
	// like a Google feed, has no quantity).
	Quantity catalog.Num
	// Row is the row (line for text and XML) the SKU is on, 1-based with the
	// header counted.
	Row int
}

// Snapshot is what a file holds before pull-stock writes it.
type Snapshot struct {
	// Exists is false for a file not written yet: it has no values, so every
	// row of a first run is new.
	Exists bool
	// Values holds the SKUs that occur once and read without problems: a SKU
	// with a problem row is in Problems only, as the plan leaves it out.
	Values map[string]Value
	// Duplicates lists the rows of each SKU found more than once; none of them
	// is in Values.
	Duplicates map[string][]int
	// Problems are rows the reader could not use.
	Problems []catalog.Problem
	// Info describes the file as read (format, digest, encoding, notes).
	Info connector.SourceInfo
}

// Current reads dst's present values with the reader --from would use. A file
// that does not exist yet, and "-", yield an empty snapshot.
func Current(ctx context.Context, dst string, opt Options) (*Snapshot, error) {
	snap := &Snapshot{Values: map[string]Value{}, Duplicates: map[string][]int{}}
	if dst == "-" {
		return snap, nil
	}
	format, err := opt.format(dst)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dst); errors.Is(err, fs.ErrNotExist) {
		return snap, nil
	}
	loc, err := connector.ParseLocation(dst)
	if err != nil {
		return nil, err
	}
	r, err := reader(format, opt).Open(ctx, loc, readOptions(format, opt))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	s := &snapshotSink{snap: snap, rows: map[string][]int{}, bad: map[string]bool{}}
	if err := r.Read(ctx, s); err != nil {
		return nil, err
	}
	snap.Exists, snap.Info = true, r.Info()
	for sku, rows := range s.rows {
		if len(rows) > 1 {
			snap.Duplicates[sku] = rows
			delete(snap.Values, sku)
		}
	}
	for sku := range s.bad {
		delete(snap.Values, sku)
	}
	return snap, nil
}

// reader is the connector format that reads what format writes.
func reader(format string, opt Options) connector.Format {
	switch format {
	case FormatCSV:
		return csv.Format{}
	case FormatXLSX:
		return xlsx.Format{Limits: opt.XLSXLimits}
	case FormatJSONL:
		return jsonl.Format{}
	case FormatYML:
		return yml.Format{}
	}
	return googlemerchant.Format{}
}

// readOptions passes on the reading options the format takes.
func readOptions(format string, opt Options) connector.ReadOptions {
	switch format {
	case FormatCSV:
		return connector.ReadOptions{Encoding: opt.Encoding, Mapping: opt.Mapping}
	case FormatXLSX:
		return connector.ReadOptions{Sheet: opt.Sheet, Mapping: opt.Mapping}
	case FormatJSONL:
		return connector.ReadOptions{Mapping: opt.Mapping}
	}
	return connector.ReadOptions{Encoding: opt.Encoding, Key: opt.Key}
}

type snapshotSink struct {
	snap *Snapshot
	rows map[string][]int // the rows of each SKU read as an item
	bad  map[string]bool  // SKUs with a problem row
}

func (s *snapshotSink) Item(it *catalog.Item) error {
	s.rows[it.SKU] = append(s.rows[it.SKU], it.Pos.Row)
	s.snap.Values[it.SKU] = Value{Quantity: it.Quantity, Row: it.Pos.Row}
	return nil
}

func (s *snapshotSink) Problem(p catalog.Problem) {
	s.snap.Problems = append(s.snap.Problems, p)
	if p.SKU != "" {
		s.bad[p.SKU] = true
	}
}
