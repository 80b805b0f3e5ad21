package feedkit

import (
	"fmt"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
)

// Fields collects the canonical fields a feed gave a value on any item, for
// connector.SourceInfo.Fields.
type Fields struct{ seen [18]bool }

// Add marks the fields it holds.
func (f *Fields) Add(it *catalog.Item) {
	s := &f.seen
	s[0] = s[0] || it.SKU != ""
	s[1] = s[1] || it.Quantity.Known
	s[2] = s[2] || it.Warehouse != ""
	s[3] = s[3] || it.Available != catalog.FlagUnknown
	s[4] = s[4] || it.Price.Known
	s[5] = s[5] || it.PurchasedPrice.Known
	s[6] = s[6] || it.Currency != ""
	s[7] = s[7] || it.Name != ""
	s[8] = s[8] || it.Description != ""
	s[9] = s[9] || it.Category != ""
	s[10] = s[10] || it.Barcode != ""
	s[11] = s[11] || it.Weight.Known
	s[12] = s[12] || it.Length.Known
	s[13] = s[13] || it.Width.Known
	s[14] = s[14] || it.Height.Known
	s[15] = s[15] || len(it.ImageURLs) > 0
	s[16] = s[16] || it.ParentSKU != ""
	s[17] = s[17] || len(it.Properties) > 0
}

// List returns the fields seen, in catalog.Fields order.
func (f *Fields) List() []string {
	var list []string
	for i, name := range catalog.Fields {
		if f.seen[i] {
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
