package filetarget

import (
	"bufio"
	"context"
	"fmt"
	"io"
)

// checkEvery is how many rows pass between looks at the context.
const checkEvery = 1024

// eachRow calls fn for each row, stopping at its first error or when ctx is
// done.
func eachRow(ctx context.Context, rows []Row, fn func(i int, r Row) error) error {
	for i, r := range rows {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := fn(i, r); err != nil {
			return err
		}
	}
	return nil
}

// Write writes rows to dst as a whole new file (atomically, see the package
// comment), or to stdout when dst is "-". Rows with an empty SKU, or a SKU
// twice, are refused before anything is written: a feed with duplicate offer
// ids is rejected by marketplaces, and a file read back would report them.
func Write(ctx context.Context, dst string, stdout io.Writer, rows []Row, opt Options) error {
	format, err := opt.format(dst)
	if err != nil {
		return err
	}
	enc, err := newEncoder(format, dst, opt)
	if err != nil {
		return err
	}
	if err := checkRows(dst, rows); err != nil {
		return err
	}
	write := func(w io.Writer) error { return enc.encode(ctx, w, rows) }
	if dst == "-" {
		bw := bufio.NewWriterSize(stdout, 64<<10)
		if err := write(bw); err != nil {
			return fmt.Errorf("write -: %w", err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("write -: %w", err)
		}
		return nil
	}
	return replaceFile(dst, opt, write)
}

// encoder writes rows in one format.
type encoder interface {
	encode(ctx context.Context, w io.Writer, rows []Row) error
}

func newEncoder(format, dst string, opt Options) (encoder, error) {
	switch format {
	case FormatCSV:
		return newCSVEncoder(dst, opt)
	case FormatXLSX:
		if dst == "-" {
			return nil, fmt.Errorf("--to -: an XLSX workbook is not written to standard output; name a file, or pass --format csv or jsonl")
		}
		names, err := headerNames(opt.Headers)
		if err != nil {
			return nil, err
		}
		return xlsxEncoder{headers: names}, nil
	case FormatJSONL:
		return jsonlEncoder{}, nil
	case FormatYML:
		dialect, err := opt.dialect()
		if err != nil {
			return nil, err
		}
		return ymlEncoder{dialect: dialect, shop: opt.ShopName, date: opt.now()}, nil
	}
	return googleEncoder{title: opt.ShopName}, nil
}

// checkRows refuses rows no file should carry.
func checkRows(dst string, rows []Row) error {
	seen := make(map[string]int, len(rows))
	for i, r := range rows {
		if r.SKU == "" {
			return fmt.Errorf("write %s: offer %d has no SKU; nothing was written", dst, r.OfferID)
		}
		if j, dup := seen[r.SKU]; dup {
			return fmt.Errorf("write %s: SKU %q twice (offers %d and %d): a file or feed must name each once; nothing was written",
				dst, r.SKU, rows[j].OfferID, r.OfferID)
		}
		seen[r.SKU] = i
	}
	return nil
}

// columns lists the fields of a tabular file, in order: sku and quantity,
// then price, currency and name when some row has a value for them.
type columns []string

func usedColumns(rows []Row) columns {
	var price, currency, name bool
	for _, r := range rows {
		price = price || r.Price.Known
		currency = currency || r.Currency != ""
		name = name || r.Name != ""
	}
	c := columns{"sku", "quantity"}
	for _, f := range []struct {
		name string
		used bool
	}{{"price", price}, {"currency", currency}, {"name", name}} {
		if f.used {
			c = append(c, f.name)
		}
	}
	return c
}

// headerNames returns the header of each field for a language.
func headerNames(lang string) (map[string]string, error) {
	switch lang {
	case "":
		return map[string]string{"sku": "sku", "quantity": "quantity", "price": "price", "currency": "currency", "name": "name"}, nil
	case "uk":
		return map[string]string{"sku": "Артикул", "quantity": "Кількість", "price": "Ціна", "currency": "Валюта", "name": "Назва"}, nil
	}
	return nil, fmt.Errorf("headers %q: the header languages are the canonical names (\"\") and uk", lang)
}

// header is the header row.
func (c columns) header(names map[string]string) []string {
	h := make([]string, len(c))
	for i, f := range c {
		h[i] = names[f]
	}
	return h
}

// numeric reports whether column i holds numbers.
func (c columns) numeric(i int) bool { return c[i] == "quantity" || c[i] == "price" }

// cell is the text of column i of r; numbers in their plain decimal form.
func (c columns) cell(i int, r Row) string {
	switch c[i] {
	case "sku":
		return r.SKU
	case "quantity":
		return r.Quantity.String()
	case "price":
		return r.Price.String()
	case "currency":
		return r.Currency
	}
	return r.Name
}

// Restore replaces dst with the bytes of src, atomically as Write does: what
// revert of a file run needs to put back the copy its journal kept.
func Restore(ctx context.Context, dst string, src io.Reader, opt Options) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return replaceFile(dst, opt, func(w io.Writer) error {
		_, err := io.Copy(w, src)
		return err
	})
}
