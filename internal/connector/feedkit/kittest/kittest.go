// Package kittest holds what the tests of the yml, googlemerchant and
// moysklad readers share: sinks that keep, check or count what a reader
// yields, reading a location with a format, and the flat-memory check of a
// streaming reader. It is imported by tests only.
package kittest

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Collect keeps what a reader yields.
type Collect struct {
	Items    []catalog.Item
	Problems []catalog.Problem
}

// Item keeps an item.
func (c *Collect) Item(it *catalog.Item) error { c.Items = append(c.Items, *it); return nil }

// Problem keeps a problem.
func (c *Collect) Problem(p catalog.Problem) { c.Problems = append(c.Problems, p) }

// SKU returns the first item with the SKU, or nil.
func (c *Collect) SKU(sku string) *catalog.Item {
	for i := range c.Items {
		if c.Items[i].SKU == sku {
			return &c.Items[i]
		}
	}
	return nil
}

// ProblemLines renders the problems as "row|column|field|sku|value|error"
// lines, for comparing with a want list.
func (c *Collect) ProblemLines() []string {
	lines := make([]string, len(c.Problems))
	for i, p := range c.Problems {
		lines[i] = strings.Join([]string{strconv.Itoa(p.Row), p.Column, p.Field, p.SKU, p.Value, p.Error}, "|")
	}
	return lines
}

// Read opens location with f and reads it whole.
func Read(t testing.TB, f connector.Format, location string, opt connector.ReadOptions) (*Collect, connector.SourceInfo, error) {
	t.Helper()
	loc, err := connector.ParseLocation(location)
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.Open(context.Background(), loc, opt)
	if err != nil {
		return nil, connector.SourceInfo{}, err
	}
	defer r.Close()
	c := &Collect{}
	err = r.Read(context.Background(), c)
	return c, r.Info(), err
}

// ReadBytes writes data to a file named name and reads it with f, so that
// positions name the file.
func ReadBytes(t testing.TB, f connector.Format, name string, data []byte, opt connector.ReadOptions) (*Collect, connector.SourceInfo, error) {
	t.Helper()
	return Read(t, f, Write(t, t.TempDir(), name, data), opt)
}

// Write writes a file and returns its path.
func Write(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Num is a known number.
func Num(s string) catalog.Num { return catalog.Known(decimal.MustParse(s)) }

// Check is the fuzzing sink: it fails on anything a reader must never yield,
// whatever its input.
type Check struct{ T *testing.T }

// Item checks an item: a trimmed SKU, a position, no negative quantity, no
// more images than KeyCRM keeps.
func (c Check) Item(it *catalog.Item) error {
	if it.SKU == "" || it.SKU != catalog.NormalizeSKU(it.SKU) || it.Pos.Row < 1 || it.Pos.File == "" ||
		it.Quantity.Known && it.Quantity.V.Sign() < 0 || len(it.ImageURLs) > catalog.MaxImages {
		c.T.Fatalf("bad item %+v", it)
	}
	return nil
}

// Problem checks that a problem has a position, a field and a text.
func (c Check) Problem(p catalog.Problem) {
	if p.Row < 1 || p.File == "" || p.Field == "" || p.Column == "" || p.Error == "" {
		c.T.Fatalf("problem without a position: %+v", p)
	}
}

// Discard counts and drops what a reader yields (benchmarks).
type Discard struct{ Items, Problems int }

// Item counts an item.
func (d *Discard) Item(*catalog.Item) error { d.Items++; return nil }

// Problem counts a problem.
func (d *Discard) Problem(catalog.Problem) { d.Problems++ }

// heapSink samples the live heap every so many items.
type heapSink struct {
	Discard
	every int
	peak  uint64
}

func (h *heapSink) Item(it *catalog.Item) error {
	if h.Items%h.every == 0 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		h.peak = max(h.peak, m.HeapInuse)
	}
	return h.Discard.Item(it)
}

// MemoryFlat reads gen(n) items' worth of generated input with f from
// standard input, for a small and a ten times larger n: the bytes allocated
// per item and the live heap must not grow with the input.
func MemoryFlat(t *testing.T, f connector.Format, opt connector.ReadOptions, small int, gen func(n int) io.Reader) {
	t.Helper()
	type result struct {
		perItem float64
		peak    uint64
	}
	measure := func(n int) result {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		h := &heapSink{every: max(1, n/20)}
		loc, _ := connector.ParseLocation("-")
		o := opt
		o.Stdin = gen(n)
		r, err := f.Open(context.Background(), loc, o)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Read(context.Background(), h); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if h.Items != n {
			t.Fatalf("%d items of %d", h.Items, n)
		}
		return result{perItem: float64(after.TotalAlloc-before.TotalAlloc) / float64(n), peak: h.peak}
	}
	s, l := measure(small), measure(10*small)
	t.Logf("%d items: %.0f B/item allocated, peak heap %d KiB; %d items: %.0f B/item, peak heap %d KiB",
		small, s.perItem, s.peak>>10, 10*small, l.perItem, l.peak>>10)
	if l.perItem > s.perItem*1.1 {
		t.Errorf("allocation per item grew from %.0f to %.0f bytes", s.perItem, l.perItem)
	}
	if l.peak > s.peak+4<<20 {
		t.Errorf("live heap grew from %d to %d KiB", s.peak>>10, l.peak>>10)
	}
}

// Generator streams a header, n records made by record, and a footer,
// without holding them, so that a test can read millions of records with
// nothing but the reader in memory.
type Generator struct {
	n, i         int
	record       func(b []byte, i int) []byte
	footer       []byte
	buf          []byte
	off          int
	footerQueued bool
}

// NewGenerator returns a Generator.
func NewGenerator(header, footer string, n int, record func(b []byte, i int) []byte) *Generator {
	return &Generator{n: n, record: record, footer: []byte(footer), buf: []byte(header)}
}

func (g *Generator) Read(p []byte) (int, error) {
	for g.off == len(g.buf) {
		if g.i == g.n {
			if g.footerQueued {
				return 0, io.EOF
			}
			g.footerQueued = true
			g.buf, g.off = append(g.buf[:0], g.footer...), 0
			continue
		}
		g.buf, g.off = g.buf[:0], 0
		for k := 0; k < 256 && g.i < g.n; k++ {
			g.buf = g.record(g.buf, g.i)
			g.i++
		}
	}
	n := copy(p, g.buf[g.off:])
	g.off += n
	return n, nil
}

// Bytes returns everything a Generator yields.
func Bytes(header, footer string, n int, record func(b []byte, i int) []byte) []byte {
	b, _ := io.ReadAll(NewGenerator(header, footer, n, record))
	return b
}

// Bench runs a reader benchmark over data holding items records: it reports
// MB/s (b.SetBytes), MB/s of CPU time (CPUMeter), allocations, items per
// second and allocations per item.
func Bench(b *testing.B, f connector.Format, opt connector.ReadOptions, data []byte, items int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu := StartCPU()
	for b.Loop() {
		d := &Discard{}
		loc, _ := connector.ParseLocation("-")
		o := opt
		o.Stdin = bytes.NewReader(data)
		r, err := f.Open(context.Background(), loc, o)
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Read(context.Background(), d); err != nil {
			b.Fatal(err)
		}
		if d.Items != items {
			b.Fatalf("%d items, want %d (%d problems)", d.Items, items, d.Problems)
		}
	}
	cpu.Report(b, int64(len(data)))
	runtime.ReadMemStats(&after)
	n := float64(items) * float64(b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "items/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/item")
}
