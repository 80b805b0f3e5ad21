package xlsx

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
)

// generate writes a workbook of rows five-column rows (SKU, name, quantity,
// price, an unread column) with excelize's stream writer.
func generate(tb testing.TB, dir string, rows int) string {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	if err := sw.SetRow("A1", []any{"Артикул", "Назва", "Кількість", "Ціна", "Виробник"}); err != nil {
		tb.Fatal(err)
	}
	for i := range rows {
		row := []any{fmt.Sprintf("SHOE-%d", i), fmt.Sprintf("Кросівки бігові, розмір %d", 36+i%12), i % 97, 500.5 + float64(i%3000), "Виробник"}
		if err := sw.SetRow(fmt.Sprintf("A%d", i+2), row); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(dir, fmt.Sprintf("stock-%d.xlsx", rows))
	if err := f.SaveAs(p); err != nil {
		tb.Fatal(err)
	}
	return p
}

type discard struct{ items int }

func (d *discard) Item(*catalog.Item) error { d.items++; return nil }
func (d *discard) Problem(catalog.Problem)  {}

func readAll(tb testing.TB, path string, sink connector.Sink) {
	loc, _ := connector.ParseLocation(path)
	r, err := Format{}.Open(context.Background(), loc, connector.ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	if err := r.Read(context.Background(), sink); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkRead reads a 100,000-row, 5-column sheet whose texts are shared
// strings, as Excel writes it (issue 13's workload). Measured in the same run:
// the reader (cells to items), the scanner alone (cells, from the workbook's
// bytes in memory), excelize's streaming
// iterator (what the reader used before), and the floor: archive/zip
// unpacking the sheet and the shared strings to nowhere, as `unzip -p` does.
// Compare ratios within a run: go test -bench Read -cpu 1 -count 5.
func BenchmarkRead(b *testing.B) {
	const rows = 100_000
	// bench/xlsx.sh has the workbook left where openpyxl can read the same bytes.
	dir := os.Getenv(kittest.BenchDirEnv)
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, "stock-100k.xlsx")
	if err := os.WriteFile(path, sharedWorkbook(b, rows), 0o644); err != nil {
		b.Fatal(err)
	}
	// perRow reports rows/s, and the process's CPU time per read since start,
	// which the machine's other load does not inflate.
	perRow := func(b *testing.B, start time.Duration) {
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
	}
	b.Run("reader", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			d := &discard{}
			readAll(b, path, d)
			if d.items != rows {
				b.Fatalf("%d items", d.items)
			}
		}
		perRow(b, start)
	})
	b.Run("scanner", func(b *testing.B) {
		b.ReportAllocs()
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		start := cpuTime()
		for b.Loop() {
			n := 0
			err := eachRow(data, "Залишки", func(int, [][]byte) { n++ })
			if err != nil || n != rows+1 {
				b.Fatalf("%d rows, %v", n, err)
			}
		}
		perRow(b, start)
	})
	b.Run("baseline-excelize-rows", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			f, err := excelize.OpenFile(path)
			if err != nil {
				b.Fatal(err)
			}
			it, err := f.Rows("Залишки")
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for it.Next() {
				if _, err := it.Columns(); err != nil {
					b.Fatal(err)
				}
				n++
			}
			_ = it.Close()
			_ = f.Close()
			if n != rows+1 {
				b.Fatalf("%d rows", n)
			}
		}
		perRow(b, start)
	})
	b.Run("baseline-unzip", func(b *testing.B) {
		b.ReportAllocs()
		var size int64
		start := cpuTime()
		for b.Loop() {
			size = unzipParts(b, path, "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml")
		}
		b.SetBytes(size)
		perRow(b, start)
	})
}

// unzipParts copies parts of an archive to nowhere and returns their size.
func unzipParts(tb testing.TB, path string, names ...string) int64 {
	z, err := zip.OpenReader(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer z.Close()
	var total int64
	for _, name := range names {
		f, err := z.Open(name)
		if err != nil {
			tb.Fatal(err)
		}
		n, err := io.Copy(io.Discard, f)
		f.Close()
		if err != nil {
			tb.Fatal(err)
		}
		total += n
	}
	return total
}

type heapSink struct {
	discard
	peak uint64
}

func (h *heapSink) Item(it *catalog.Item) error {
	if h.items%20_000 == 0 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		h.peak = max(h.peak, m.HeapInuse)
	}
	return h.discard.Item(it)
}

// TestMemoryFlat reads 20,000 and 200,000 generated rows: the bytes allocated
// per row must not grow with the sheet, and the live heap stays bounded by
// the scanner's buffers rather than the sheet size (the generated sheet has
// inline strings only, so no shared strings grow with it).
func TestMemoryFlat(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("writes and reads a 200,000-row workbook")
	}
	dir := t.TempDir()
	measure := func(rows int) (float64, uint64) {
		path := generate(t, dir, rows)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		h := &heapSink{}
		readAll(t, path, h)
		runtime.ReadMemStats(&after)
		if h.items != rows {
			t.Fatalf("%d items of %d", h.items, rows)
		}
		return float64(after.TotalAlloc-before.TotalAlloc) / float64(rows), h.peak
	}
	smallPerRow, smallPeak := measure(20_000)
	largePerRow, largePeak := measure(200_000)
	t.Logf("20k rows: %.0f B/row allocated, peak heap %d KiB; 200k rows: %.0f B/row, peak heap %d KiB",
		smallPerRow, smallPeak>>10, largePerRow, largePeak>>10)
	if largePerRow > smallPerRow*1.2 {
		t.Errorf("allocation per row grew from %.0f to %.0f bytes", smallPerRow, largePerRow)
	}
	if largePeak > smallPeak+4<<20 {
		t.Errorf("live heap grew from %d to %d KiB", smallPeak>>10, largePeak>>10)
	}
}
