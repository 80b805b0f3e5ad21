// Package filetarget writes KeyCRM's stock into files and marketplace feeds for
// pull-stock (setup 3: KeyCRM is the master). It has three entry points:
//
//   - Write writes a whole file from rows: CSV or TSV (UTF-8, or Windows-1251
//     for 1C), XLSX (numbers as numbers, a frozen header row), JSON lines with
//     canonical field names, a YML stock feed for Prom.ua, Rozetka or Epicentr,
//     or a Google Merchant supplemental feed. "-" writes to the given stdout.
//   - Current reads a file's present stock values through the same readers
//     --from uses (package connector), for the plan's "from" values; a file that
//     does not exist yet has none.
//   - Update rewrites only the stock cell of each matched row of an existing
//     CSV, XLSX or YML file (a shop's import file, a feed carrying other data):
//     every other byte of a CSV row, its quoting, delimiter, encoding and line
//     ends stay as they were.
//
// How pull-stock uses it (the plan/guard/confirm flow stays the command's):
//
//	snap, err := filetarget.Current(ctx, dst, opt)        // the plan's "from" values; empty for a new file
//	// plan, guards, confirmation...
//	err = filetarget.Write(ctx, dst, ios.Out, rows, opt)  // whole file
//	res, err := filetarget.Update(ctx, dst, values, opt)  // --update: stock cells only
//
// Update with Options.DryRun returns the same UpdateResult (changed rows with
// their from and to, the file's SKUs KeyCRM lacks, duplicates) without
// writing, for the plan of an --update run. Errors are plain errors naming
// the file (and line, row or column), for exit code 2; nothing has been
// written when one is returned.
//
// Every file is replaced atomically: the new content goes to a temporary file
// in the destination's folder, is synced to disk, renamed over the old file,
// and the folder is synced. A failed run (a missing or read-only folder, a full
// disk, a cancelled context, bad rows) leaves the old file as it was and no
// temporary file behind.
//
// What is written reads back identically (SKU, quantity, price, currency,
// name, availability) through the matching reader of package connector; the
// tests prove it for every format. Text cells that a spreadsheet would run as a
// formula (starting with = + - @, a tab or a carriage return) are escaped: in
// CSV with a leading apostrophe, which the CSV reader removes again, in XLSX by
// the cell's quote-prefix style, which keeps the value itself unchanged.
package filetarget

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/xlsx"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Row is one offer's stock as a file carries it.
type Row struct {
	SKU string
	// Quantity is the stock to write, already rounded as the target wants
	// (--round): the writer prints it as it is.
	Quantity decimal.Decimal
	Price    catalog.Num
	Currency string
	Name     string
	// OfferID is the KeyCRM offer the row came from; files do not carry it, but
	// errors about a row name it.
	OfferID int64
}

// Formats Write knows, as --format names them.
const (
	FormatCSV            = "csv"
	FormatXLSX           = "xlsx"
	FormatJSONL          = "jsonl"
	FormatYML            = "yml"
	FormatGoogleMerchant = "google-merchant"
)

// YML dialects (--feed-dialect).
const (
	// DialectProm writes quantity_in_stock under yml_catalog/shop/offers.
	DialectProm = "prom"
	// DialectRozetka writes stock_quantity under yml_catalog/shop/offers.
	DialectRozetka = "rozetka"
	// DialectEpicentr writes offers directly under yml_catalog, without shop,
	// currencyId or a quantity element: Epicentr's feed carries availability
	// and prices only.
	DialectEpicentr = "epicentr"
)

// Options choose how a file is written, read and updated.
type Options struct {
	// Format is --format; "" decides by the file extension: .csv and .txt CSV,
	// .tsv CSV with tabs, .xlsx, .jsonl and .ndjson JSON lines, .xml and .yml
	// a YML feed. "-" is JSON lines unless Format says otherwise.
	Format string
	// Encoding is --encoding for CSV: "" or "utf-8", or "windows-1251" (1C and
	// Excel in Ukrainian or Russian Windows), which also ends lines with CRLF.
	// Update detects the file's own encoding when it is "".
	Encoding string
	// Delimiter is the CSV delimiter; 0 is ',' (tab for .tsv). 1C wants ';'.
	Delimiter rune
	// DecimalComma writes "2,5" instead of "2.5" in CSV, as 1C and Excel in
	// Ukrainian locales expect.
	DecimalComma bool
	// Headers is the CSV and XLSX header language: "" for the canonical names
	// (sku, quantity, price, currency, name), "uk" for the ones 1C and Prom
	// imports use (Артикул, Кількість, Ціна, Валюта, Назва).
	Headers string
	// Dialect is the YML feed's dialect (--feed-dialect); "" is DialectProm.
	Dialect string
	// ShopName names the feed's shop (YML shop/name, the Google channel title).
	ShopName string
	// Now stamps the YML feed's date; nil is time.Now.
	Now func() time.Time

	// Key is --key for YML feeds read by Current and Update: where an offer's
	// SKU is (id, the default; vendorCode; article; param:NAME), as Prom.ua
	// feeds carry Prom's own ids in id.
	Key string
	// Sheet is the XLSX sheet Current and Update read (--sheet); "" the first.
	Sheet string
	// Mapping is --map FIELD=HEADER for Current and Update: where the SKU and
	// the stock are when their headers are not recognised.
	Mapping map[string]string
	// DryRun makes Update compute its result without writing anything.
	DryRun bool
	// XLSXLimits bound what Current may unpack from an XLSX file: the
	// configuration's limits, as for a source (zero fields take the defaults).
	XLSXLimits xlsx.Limits

	// wrap, set by tests, wraps the temporary file's writer (a disk that fills
	// up after N bytes).
	wrap func(io.Writer) io.Writer
}

// WritableFormats are the formats Write writes, as --format names them.
func WritableFormats() []string {
	return []string{FormatCSV, FormatXLSX, FormatJSONL, FormatYML, FormatGoogleMerchant}
}

// FormatOf is the format dst is written in: opt.Format, else by its extension.
func FormatOf(dst string, opt Options) (string, error) { return opt.format(dst) }

// format resolves the format of dst and checks the options that depend on it.
func (o Options) format(dst string) (string, error) {
	loc, err := connector.ParseLocation(dst)
	if err != nil {
		return "", err
	}
	if o.Format != "" {
		if slices.Contains(WritableFormats(), o.Format) {
			return o.Format, nil
		}
		return "", fmt.Errorf("--format %q: files are written as csv, xlsx, jsonl, yml or google-merchant", o.Format)
	}
	switch loc.Kind {
	case connector.KindStdin:
		return FormatJSONL, nil
	case connector.KindFile:
	default:
		return "", fmt.Errorf("--to %s: not a file; name a file such as stock.csv, or - for standard output", loc)
	}
	switch loc.Ext {
	case "csv", "tsv", "txt":
		return FormatCSV, nil
	case "xlsx":
		return FormatXLSX, nil
	case "jsonl", "ndjson":
		return FormatJSONL, nil
	case "xml", "yml":
		return FormatYML, nil
	case "xls", "ods":
		return "", fmt.Errorf("--to %s: .%s files are not written; name it .xlsx", loc, loc.Ext)
	}
	return "", fmt.Errorf("--to %s: cannot tell the format from the extension %q; pass --format csv, xlsx, jsonl, yml or google-merchant", loc, loc.Ext)
}

// dialect returns the YML dialect, checked.
func (o Options) dialect() (string, error) {
	switch o.Dialect {
	case "":
		return DialectProm, nil
	case DialectProm, DialectRozetka, DialectEpicentr:
		return o.Dialect, nil
	}
	return "", fmt.Errorf("--feed-dialect %q: the dialects are prom, rozetka and epicentr", o.Dialect)
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}
