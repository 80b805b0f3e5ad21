package feedkit

import (
	"fmt"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
)

// Fields collects the canonical fields a feed gave a value on any item, for
// connector.SourceInfo.Fields.
type Fields struct{ seen uint32 } // bit i: catalog.Fields[i]

// Add marks the fields it holds.
func (f *Fields) Add(it *catalog.Item) {
	var m uint32
	set := func(i uint, ok bool) {
		if ok {
			m |= 1 << i
		}
	}
	set(0, it.SKU != "")
	set(1, it.Quantity.Known)
	set(2, it.Warehouse != "")
	set(3, it.Available != catalog.FlagUnknown)
	set(4, it.Price.Known)
	set(5, it.PurchasedPrice.Known)
	set(6, it.Currency != "")
	set(7, it.Name != "")
	set(8, it.Description != "")
	set(9, it.Category != "")
	set(10, it.Barcode != "")
	set(11, it.Weight.Known)
	set(12, it.Length.Known)
	set(13, it.Width.Known)
	set(14, it.Height.Known)
	set(15, len(it.ImageURLs) > 0)
	set(16, it.ParentSKU != "")
	set(17, len(it.Properties) > 0)
	f.seen |= m
}

// List returns the fields seen, in catalog.Fields order.
func (f *Fields) List() []string {
	var list []string
	for i, name := range catalog.Fields {
		if f.seen&(1<<i) != 0 {
			list = append(list, name)
		}
	}
	return list
}

// Tally counts the items a note is about and keeps the first few SKUs as
// examples, so that a note can say "3 offers ... (e.g. A-1, B-2)".
type Tally struct {
	N        int
	examples []string
}

// maxExamples is how many SKUs a note names.
const maxExamples = 3

// Add counts one item.
func (t *Tally) Add(sku string) {
	t.N++
	if len(t.examples) < maxExamples && sku != "" {
		t.examples = append(t.examples, sku)
	}
}

// Note formats the count and examples into format, whose one %s receives "N
// offers" as counted by noun ("offer" → "1 offer", "2 offers"); it returns ""
// when nothing was counted.
func (t *Tally) Note(noun, format string) string {
	if t.N == 0 {
		return ""
	}
	count := fmt.Sprintf("%d %s", t.N, noun)
	if t.N != 1 {
		count += "s"
	}
	s := fmt.Sprintf(format, count)
	if len(t.examples) > 0 {
		s += " (e.g. " + strings.Join(t.examples, ", ") + ")"
	}
	return s
}
