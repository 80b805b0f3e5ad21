package filetarget

import (
	"context"
	stdcsv "encoding/csv"
	"fmt"
	"io"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// benchRows is the size of the benchmarks' stock file.
const benchRows = 100_000

func benchData() []Row {
	rows := make([]Row, benchRows)
	for i := range rows {
		rows[i] = Row{SKU: fmt.Sprintf("SKU-%07d", i), Quantity: dec(fmt.Sprint(i % 250)), Price: price(fmt.Sprintf("%d.%02d", 100+i%900, i%100)),
			Currency: "UAH", Name: fmt.Sprintf("Товар номер %d, синій", i)}
	}
	return rows
}

func reportRows(b *testing.B) {
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkWrite measures each writer on 100,000 rows into io.Discard (the
// file system's cost is the same for every format and measured apart by
// BenchmarkWriteFile).
func BenchmarkWrite(b *testing.B) {
	rows := benchData()
	for _, tc := range []struct {
		name string
		enc  encoder
	}{
		{"csv", &csvEncoder{comma: ',', headers: must(headerNames(""))}},
		{"csv-1251", mustCSV(Options{Encoding: "windows-1251", Delimiter: ';', DecimalComma: true})},
		{"xlsx", xlsxEncoder{headers: must(headerNames(""))}},
		{"yml", ymlEncoder{dialect: DialectProm, date: fixedNow()}},
		{"jsonl", jsonlEncoder{}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := tc.enc.encode(context.Background(), io.Discard, rows); err != nil {
					b.Fatal(err)
				}
			}
			reportRows(b)
		})
	}
}

// BenchmarkBaseline is what the libraries cost alone on the same rows:
// encoding/csv writing five ready strings per row, and excelize's
// StreamWriter writing the same cells.
func BenchmarkBaseline(b *testing.B) {
	rows := benchData()
	cells := make([][]string, len(rows))
	cols := usedColumns(rows)
	for i, r := range rows {
		for c := range cols {
			cells[i] = append(cells[i], cols.cell(c, r))
		}
	}
	b.Run("encoding-csv", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w := stdcsv.NewWriter(io.Discard)
			if err := w.WriteAll(cells); err != nil {
				b.Fatal(err)
			}
		}
		reportRows(b)
	})
	b.Run("excelize-stream", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f := excelize.NewFile()
			sw, err := f.NewStreamWriter("Sheet1")
			if err != nil {
				b.Fatal(err)
			}
			record := make([]any, len(cols))
			for i, r := range rows {
				record[0], record[1], record[2], record[3], record[4] = r.SKU, r.Quantity.Float64(), r.Price.V.Float64(), r.Currency, r.Name
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				if err := sw.SetRow(cell, record); err != nil {
					b.Fatal(err)
				}
			}
			if err := sw.Flush(); err != nil {
				b.Fatal(err)
			}
			if _, err := f.WriteTo(io.Discard); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
		reportRows(b)
	})
}

// BenchmarkWriteFile is Write end to end: a temporary file, fsync, rename.
func BenchmarkWriteFile(b *testing.B) {
	rows := benchData()
	path := b.TempDir() + "/stock.csv"
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(context.Background(), path, nil, rows, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	reportRows(b)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func mustCSV(opt Options) *csvEncoder { return must(newCSVEncoder("x.csv", opt)) }

// BenchmarkUpdateCSV rewrites the stock column of a 100,000-row shop export
// in place (read, split, match, write, fsync, rename).
func BenchmarkUpdateCSV(b *testing.B) {
	path := b.TempDir() + "/export.csv"
	if err := Write(context.Background(), path, nil, benchData(), Options{}); err != nil {
		b.Fatal(err)
	}
	vals := [2]map[string]decimal.Decimal{{}, {}}
	for i := range benchRows {
		sku := fmt.Sprintf("SKU-%07d", i)
		vals[0][sku], vals[1][sku] = decimal.FromInt(int64(i%250)+1), decimal.FromInt(int64(i%250))
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		res, err := Update(context.Background(), path, vals[n%2], Options{})
		if err != nil || len(res.Changed) != benchRows {
			b.Fatalf("%d changed, %v", len(res.Changed), err)
		}
		n++
	}
	reportRows(b)
}
