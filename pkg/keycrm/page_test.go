package keycrm

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func skus(n int, f func(i int) string) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = f(i)
	}
	return s
}

// queryLen is the encoded query of a chunk as it is sent, on the worst page
// number the plan allows for.
func queryLen(base url.Values, filter string, chunk []string) int {
	q := url.Values{}
	for k, v := range base {
		q[k] = v
	}
	q.Set("limit", "50")
	q.Set("page", strings.Repeat("9", pageDigits))
	q.Set(filter, strings.Join(chunk, ","))
	return len(q.Encode())
}

func TestChunkFilter(t *testing.T) {
	base := StockQuery{Details: true}.values()
	const filter = "filter[offers_sku]"
	tests := []struct {
		name       string
		values     []string
		wantChunks int
	}{
		{"none", nil, 0},
		{"only empty values", []string{"", ""}, 0},
		{"one", []string{"A"}, 1},
		{"50", skus(50, func(i int) string { return fmt.Sprintf("SKU-%d", i) }), 1},
		{"51", skus(51, func(i int) string { return fmt.Sprintf("SKU-%d", i) }), 2},
		{"120", skus(120, func(i int) string { return fmt.Sprintf("SKU-%d", i) }), 3},
		{"120 with repeats and empties", append(skus(120, func(i int) string { return fmt.Sprintf("SKU-%d", i%60) }), "", ""), 2},
		// 200 bytes each: 29 fit beside the 3-byte separators.
		{"long", skus(60, func(i int) string { return fmt.Sprintf("%03d", i) + strings.Repeat("x", 197) }), 3},
		// Cyrillic escapes to 6 bytes a letter: 20 letters = 120 bytes each.
		{"cyrillic", skus(100, func(i int) string { return fmt.Sprintf("%03d", i) + strings.Repeat("ж", 20) }), 3},
		{"one that just fits", []string{strings.Repeat("x", 5999-queryLen(base, filter, []string{""}))}, 1},
	}
	for _, tt := range tests {
		chunks, err := chunkFilter(base, filter, tt.values)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(chunks) != tt.wantChunks {
			t.Errorf("%s: %d chunks, want %d", tt.name, len(chunks), tt.wantChunks)
		}
		seen := map[string]bool{}
		for i, ch := range chunks {
			if len(ch) == 0 || len(ch) > PageSize {
				t.Errorf("%s: chunk %d has %d values", tt.name, i, len(ch))
			}
			if n := queryLen(base, filter, ch); n >= maxQuery {
				t.Errorf("%s: chunk %d query is %d bytes", tt.name, i, n)
			}
			// Packed greedily: the next value would not have fitted.
			if i+1 < len(chunks) && len(ch) < PageSize {
				if n := queryLen(base, filter, append(ch[:len(ch):len(ch)], chunks[i+1][0])); n < maxQuery {
					t.Errorf("%s: chunk %d could hold one more (%d bytes)", tt.name, i, n)
				}
			}
			for _, v := range ch {
				if seen[v] || v == "" {
					t.Errorf("%s: value %q repeated or empty", tt.name, v)
				}
				seen[v] = true
			}
		}
		for _, v := range tt.values {
			if v != "" && !seen[v] {
				t.Errorf("%s: value %q lost", tt.name, v)
			}
		}
	}
}

func TestChunkFilterRefuses(t *testing.T) {
	base := StockQuery{}.values()
	tooLong := strings.Repeat("x", 5999-queryLen(base, "filter[offers_sku]", []string{""})+1)
	tests := []struct {
		name   string
		values []string
		reason error
		want   string
	}{
		{"comma", []string{"A", "B,C", "D"}, ErrCommaInFilter,
			`filter[offers_sku]: value "B,C": contains a comma, the list-filter separator`},
		{"too long", []string{"A", tooLong}, ErrFilterValueTooLong,
			`filter[offers_sku]: value "` + strings.Repeat("x", 60) + `…": too long to fit in a request URL`},
	}
	for _, tt := range tests {
		_, err := chunkFilter(base, "filter[offers_sku]", tt.values)
		if !errors.Is(err, tt.reason) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.reason)
		}
		var fe *FilterError
		if !errors.As(err, &fe) || fe.Filter != "filter[offers_sku]" {
			t.Errorf("%s: not a FilterError: %v", tt.name, err)
		}
		if msg := assertErrText(t, err); msg != tt.want {
			t.Errorf("%s: %q\nwant %q", tt.name, msg, tt.want)
		}
	}
}
