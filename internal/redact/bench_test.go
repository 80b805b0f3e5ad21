package redact

import (
	"strings"
	"testing"
)

// BenchmarkMaskPlan masks a plan-sized JSON output (about 2 MB, with escapes),
// what the stdout writer sees for a large run.
func BenchmarkMaskPlan(b *testing.B) {
	row := `{"kind":"change","sku":"SKU-0001\/A","offer_id":123,"warehouse_id":1,"field":"quantity","from":4,"to":5,"note":"a \"quoted\" name & more"},` + "\n"
	text := strings.Repeat(row, 15000)
	s := NewSecret(key)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if got := s.Mask(text); len(got) != len(text) {
			b.Fatal("changed")
		}
	}
}
