package csv

import (
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

const benchHeader = "Артикул;Назва;Кількість;Ціна;Виробник\r\n"

// appendRow writes the i-th generated five-column row: a SKU, a Cyrillic
// name, a quantity, a price with a decimal comma and an unread column.
func appendRow(b []byte, i int) []byte {
	b = append(b, "SHOE-"...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, ";Кросівки бігові легкі, розмір "...)
	b = strconv.AppendInt(b, int64(36+i%12), 10)
	b = append(b, ';')
	b = strconv.AppendInt(b, int64(i%97), 10)
	b = append(b, ';')
	b = strconv.AppendInt(b, int64(500+i%3000), 10)
	b = append(b, ",50;Виробник\r\n"...)
	return b
}

func generate(rows int, cp1251 bool) []byte {
	b := []byte(benchHeader)
	for i := range rows {
		b = appendRow(b, i)
	}
	if cp1251 {
		out, err := charmap.Windows1251.NewEncoder().Bytes(b)
		if err != nil {
			panic(err)
		}
		return out
	}
	return b
}

// discard is the no-op sink of the benchmarks.
type discard struct{ items, problems int }

func (d *discard) Item(*catalog.Item) error { d.items++; return nil }
func (d *discard) Problem(catalog.Problem)  { d.problems++ }

func readAll(tb testing.TB, src io.Reader, sink connector.Sink) {
	loc, _ := connector.ParseLocation("-")
	r, err := Format{}.Open(context.Background(), loc, connector.ReadOptions{Stdin: src})
	if err != nil {
		tb.Fatal(err)
	}
	if err := r.Read(context.Background(), sink); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkRead measures the whole reader — decoding, splitting, numbers,
// items to a sink that drops them — on 100,000 generated rows. The contract's
// floor is 1,000,000 rows/s on one core for UTF-8 (go test -bench Read -cpu 1)
// and no worse than 1.5× slower for Windows-1251.
func BenchmarkRead(b *testing.B) {
	const rows = 100_000
	for _, enc := range []string{"utf-8", "windows-1251"} {
		data := generate(rows, enc == "windows-1251")
		b.Run(enc, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				d := &discard{}
				readAll(b, bytes.NewReader(data), d)
				if d.items != rows {
					b.Fatalf("%d items", d.items)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	// The baseline of the same run: the standard library's encoding/csv only
	// splitting the UTF-8 data into fields (no decoding, numbers or items), so
	// docs/performance.md can quote the reader as a ratio to it.
	data := generate(rows, false)
	b.Run("baseline-encoding-csv", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			r := stdcsv.NewReader(bytes.NewReader(data))
			r.Comma, r.ReuseRecord, r.FieldsPerRecord = ';', true, -1
			n := 0
			for {
				if _, err := r.Read(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != rows+1 {
				b.Fatalf("%d records", n)
			}
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// generator streams n generated rows without holding them, so that a test
// can read a million rows with nothing but the reader in memory.
type generator struct {
	n, i int
	buf  []byte
	off  int
}

func newGenerator(n int) *generator { return &generator{n: n, buf: []byte(benchHeader)} }

func (g *generator) Read(p []byte) (int, error) {
	for g.off == len(g.buf) {
		if g.i == g.n {
			return 0, io.EOF
		}
		g.buf, g.off = g.buf[:0], 0
		for k := 0; k < 512 && g.i < g.n; k++ {
			g.buf = appendRow(g.buf, g.i)
			g.i++
		}
	}
	n := copy(p, g.buf[g.off:])
	g.off += n
	return n, nil
}

// heapSink samples the live heap while rows stream through.
type heapSink struct {
	discard
	peak uint64
}

func (h *heapSink) Item(it *catalog.Item) error {
	if h.items%50_000 == 0 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		h.peak = max(h.peak, m.HeapInuse)
	}
	return h.discard.Item(it)
}

// TestMemoryFlat reads 100,000 and 1,000,000 generated rows: the bytes
// allocated per row and the live heap must not grow with the file.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("reads a million rows")
	}
	type result struct {
		perRow float64
		peak   uint64
	}
	measure := func(rows int) result {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		h := &heapSink{}
		readAll(t, newGenerator(rows), h)
		runtime.ReadMemStats(&after)
		if h.items != rows {
			t.Fatalf("%d items of %d", h.items, rows)
		}
		return result{perRow: float64(after.TotalAlloc-before.TotalAlloc) / float64(rows), peak: h.peak}
	}
	small, large := measure(100_000), measure(1_000_000)
	t.Logf("100k rows: %.1f B/row allocated, peak heap %d KiB; 1M rows: %.1f B/row, peak heap %d KiB",
		small.perRow, small.peak>>10, large.perRow, large.peak>>10)
	if large.perRow > small.perRow*1.1 {
		t.Errorf("allocation per row grew from %.1f to %.1f bytes", small.perRow, large.perRow)
	}
	if large.peak > small.peak+4<<20 {
		t.Errorf("live heap grew from %d to %d KiB", small.peak>>10, large.peak>>10)
	}
}

func ExampleFormat() {
	loc, _ := connector.ParseLocation("-")
	r, _ := Format{}.Open(context.Background(), loc, connector.ReadOptions{
		Stdin: bytes.NewReader([]byte("Код товару;Залишок;Ціна, грн\nSHOE-42;7;1 299,50\n")),
	})
	d := &printSink{}
	_ = r.Read(context.Background(), d)
	// Output: SHOE-42 row 2: quantity 7, price 1299.5
}

type printSink struct{}

func (printSink) Item(it *catalog.Item) error {
	fmt.Printf("%s row %d: quantity %s, price %s\n", it.SKU, it.Pos.Row, it.Quantity, it.Price)
	return nil
}
func (printSink) Problem(catalog.Problem) {}

// stockFile is the diff benchmark's file (bench/diff_gen.sh): a sku,quantity
// header and rows SKU-%08d,N in a scattered order.
func stockFile(rows int) []byte {
	b := []byte("sku,quantity\n")
	for i := range rows {
		b = fmt.Appendf(b, "SKU-%08d,%d\n", (i*7919)%rows, i%97)
	}
	return b
}

// BenchmarkReadStock1M reads the diff benchmark's million-row two-column file
// into a sink that drops the items, with the same run's baseline: encoding/csv
// only splitting it into fields.
func BenchmarkReadStock1M(b *testing.B) {
	const rows = 1_000_000
	data := stockFile(rows)
	b.Run("reader", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			d := &discard{}
			readAll(b, bytes.NewReader(data), d)
			if d.items != rows {
				b.Fatalf("%d items", d.items)
			}
		}
	})
	b.Run("baseline-encoding-csv", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			r := stdcsv.NewReader(bytes.NewReader(data))
			r.ReuseRecord = true
			n := 0
			for {
				if _, err := r.Read(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != rows+1 {
				b.Fatalf("%d records", n)
			}
		}
	})
}
