package commerceml

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/feedkit/kittest"
)

// benchWarehouses are the generated documents' warehouses.
var benchWarehouses = []string{"6abdb0b5-18fd-11e7-80c2-0cc47ab29cd1", "d2a52d49-19c9-11e7-80c2-0cc47ab29cd1", "dd306af1-19c9-11e7-80c2-0cc47ab29cd1"}

// offerStream generates an offers document of n offers as it is read, so
// that a test can read half a gigabyte of XML without writing it anywhere.
// Offers are formatted as УТ 11 writes them: indented, a GUID#GUID Ид, an
// Артикул, a unit with its recalculation, one price with its Представление,
// Количество and three Склад entries — about 1.5 KB an offer. compact writes
// one offer a line without what a reader skips anyway (about 800 bytes).
type offerStream struct {
	n, i    int
	compact bool
	state   int // 0 header, 1 offers, 2 done
	buf     []byte
	off     int
}

func (g *offerStream) Read(p []byte) (int, error) {
	for g.off == len(g.buf) {
		g.buf, g.off = g.buf[:0], 0
		switch {
		case g.state == 0:
			g.header()
			g.state = 1
		case g.i < g.n:
			g.offer(g.i)
			g.i++
		case g.state == 1:
			g.buf = append(g.buf, "\t\t</Предложения>\n\t</ПакетПредложений>\n"+rootEnd...)
			g.state = 2
		default:
			return 0, io.EOF
		}
	}
	n := copy(p, g.buf[g.off:])
	g.off += n
	return n, nil
}

func (g *offerStream) header() {
	g.buf = append(g.buf, "\ufeff"+xmlDecl+rootNS+"\n\t<ПакетПредложений СодержитТолькоИзменения=\"false\">\n\t\t<ТипыЦен>\n\t\t\t<ТипЦены>\n\t\t\t\t<Ид>279b6812-740b-11e8-80c8-0cc47ab29cd1</Ид>\n\t\t\t\t<Наименование>Роздрібна</Наименование>\n\t\t\t\t<Валюта>UAH</Валюта>\n\t\t\t</ТипЦены>\n\t\t</ТипыЦен>\n\t\t<Склады>\n"...)
	for i, id := range benchWarehouses {
		g.buf = fmt.Appendf(g.buf, "\t\t\t<Склад>\n\t\t\t\t<Ид>%s</Ид>\n\t\t\t\t<Наименование>Склад %d</Наименование>\n\t\t\t</Склад>\n", id, i+1)
	}
	g.buf = append(g.buf, "\t\t</Склады>\n\t\t<Предложения>\n"...)
}

func (g *offerStream) offer(i int) {
	nl, in, in2 := "\n\t\t\t\t", "\n\t\t\t\t\t", "\n\t\t\t\t\t\t"
	if g.compact {
		nl, in, in2 = "", "", ""
	}
	b := append(g.buf, "\t\t\t<Предложение>"+nl+"<Ид>"...)
	b = fmt.Appendf(b, "%08x-18f9-11e7-80c2-0cc47ab29cd1#%08x-19c0-11e7-80c2-0cc47ab29cd1", i, i*7)
	b = append(b, "</Ид>"+nl+"<Артикул>PM-"...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, "-WP</Артикул>"+nl+"<Наименование>Килимок 140x200 см, конячки "...)
	b = strconv.AppendInt(b, int64(i%500), 10)
	b = append(b, "</Наименование>"+nl...)
	if !g.compact {
		b = append(b, "<БазоваяЕдиница Код=\"796 \" НаименованиеПолное=\"Штука\" МеждународноеСокращение=\"PCE\">"+in+"<Пересчет>"+in2+"<Единица>796</Единица>"+in2+"<Коэффициент>1</Коэффициент>"+in+"</Пересчет>"+nl+"</БазоваяЕдиница>"+nl...)
	}
	b = append(b, "<Цены>"+in+"<Цена>"+in2...)
	if !g.compact {
		b = append(b, "<Представление> 1 299,50 грн за шт</Представление>"+in2...)
	}
	b = append(b, "<ИдТипаЦены>279b6812-740b-11e8-80c8-0cc47ab29cd1</ИдТипаЦены>"+in2+"<ЦенаЗаЕдиницу>"...)
	b = strconv.AppendInt(b, int64(100+i%3000), 10)
	b = append(b, ".50</ЦенаЗаЕдиницу>"+in2...)
	if !g.compact {
		b = append(b, "<Валюта>UAH</Валюта>"+in2+"<Единица>PCE</Единица>"+in2+"<Коэффициент>1</Коэффициент>"+in...)
	}
	b = append(b, "</Цена>"+nl+"</Цены>"+nl+"<Количество>"...)
	b = strconv.AppendInt(b, int64(i%7+i%5+i%3), 10)
	b = append(b, "</Количество>"+nl...)
	for k, id := range benchWarehouses {
		b = fmt.Appendf(b, "<Склад ИдСклада=\"%s\" КоличествоНаСкладе=\"%d\"/>%s", id, i%(7-2*k), nl)
	}
	g.buf = append(b, "\t\t\t</Предложение>\n"...)
}

type discard struct{ items, problems int }

func (d *discard) Item(*catalog.Item) error { d.items++; return nil }
func (d *discard) Problem(catalog.Problem)  { d.problems++ }

func readInto(tb testing.TB, path string, opt connector.ReadOptions, sink connector.Sink) {
	loc, _ := connector.ParseLocation(path)
	r, err := Format{}.Open(context.Background(), loc, opt)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	if err := r.Read(context.Background(), sink); err != nil {
		tb.Fatal(err)
	}
}

// benchOffers is the size of the generated offers.xml the benchmarks read:
// 100,000 offers × 3 warehouses, about 150 MB, as the 1C export the targets
// in docs/performance.md are quoted for.
const benchOffers = 100_000

// benchData is the generated document, made once for all benchmarks.
var benchData = sync.OnceValue(func() []byte {
	b, err := io.ReadAll(&offerStream{n: benchOffers})
	if err != nil {
		panic(err)
	}
	return b
})

// BenchmarkOffers reads the generated offers (300,000 items, one per offer
// and warehouse, as under --warehouse-map); the target is 200 MB/s of XML on
// one core (go test -bench Offers -cpu 1).
func BenchmarkOffers(b *testing.B) {
	benchOffersRead(b, connector.ReadOptions{PerWarehouse: true}, benchOffers*len(benchWarehouses))
}

// BenchmarkOffersWhole reads them as for one KeyCRM warehouse: one item per
// offer with its Количество.
func BenchmarkOffersWhole(b *testing.B) {
	benchOffersRead(b, connector.ReadOptions{}, benchOffers)
}

func benchOffersRead(b *testing.B, opt connector.ReadOptions, items int) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := kittest.StartCPU()
	for b.Loop() {
		d := &discard{}
		opt.Stdin = bytes.NewReader(data)
		readInto(b, "-", opt, d)
		if d.items != items || d.problems != 0 {
			b.Fatalf("%d items, %d problems", d.items, d.problems)
		}
	}
	cpu.Report(b, int64(len(data)))
	b.ReportMetric(float64(benchOffers)*float64(b.N)/b.Elapsed().Seconds(), "offers/s")
}

// BenchmarkOffersBaseline walks the same bytes with encoding/xml's RawToken
// and with xmlscan alone, measured in the same run: the floors the reader is
// quoted against in docs/performance.md.
func BenchmarkOffersBaseline(b *testing.B) {
	kittest.XMLBaselines(b, "offers.xml", benchData())
}

type heapSink struct {
	discard
	peak uint64
}

func (h *heapSink) Item(it *catalog.Item) error {
	if h.items%60_000 == 0 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		h.peak = max(h.peak, m.HeapInuse)
	}
	return h.discard.Item(it)
}

// TestMemoryFlat reads 50,000 and 500,000 generated offers (40 and 400 MB of
// XML, streamed through standard input): the bytes allocated per offer must
// not grow with the document, nor the live heap — offers are streamed, never
// held.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("reads 450 MB of generated XML")
	}
	measure := func(offers int) (float64, uint64, int64) {
		src := &counting{r: &offerStream{n: offers, compact: true}}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		h := &heapSink{}
		readInto(t, "-", connector.ReadOptions{PerWarehouse: true, Stdin: src}, h)
		runtime.ReadMemStats(&after)
		if h.items != offers*len(benchWarehouses) {
			t.Fatalf("%d items of %d offers", h.items, offers)
		}
		return float64(after.TotalAlloc-before.TotalAlloc) / float64(offers), h.peak, src.n
	}
	smallPer, smallPeak, smallSize := measure(50_000)
	largePer, largePeak, largeSize := measure(500_000)
	t.Logf("50k offers (%d MB): %.0f B/offer allocated, peak heap %d KiB; 500k offers (%d MB): %.0f B/offer, peak heap %d KiB",
		smallSize>>20, smallPer, smallPeak>>10, largeSize>>20, largePer, largePeak>>10)
	if largePer > smallPer*1.1 {
		t.Errorf("allocation per offer grew from %.0f to %.0f bytes", smallPer, largePer)
	}
	if largePeak > smallPeak+4<<20 {
		t.Errorf("live heap grew from %d to %d KiB", smallPeak>>10, largePeak>>10)
	}
}

// counting counts the bytes read through it.
type counting struct {
	r io.Reader
	n int64
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
