package keycrm

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// A full read whose pages hold fewer rows than their total is refused, not passed
// on as a complete catalogue: pull-stock would write a feed without the lost offers.
func TestShortReadRefused(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int // rows on each page; the last page has no next_page_url
		total int
		want  string
	}{
		{"a page cut short", []int{50, 20}, 100, "70 rows received, the last page counts 100"},
		{"a middle page cut short", []int{50, 10, 40}, 150, "100 rows received, the last page counts 150"},
		{"complete", []int{50, 50}, 100, ""},
		{"empty catalogue", []int{0}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(keyChecked(t, func(w http.ResponseWriter, r *http.Request) {
				asked, _ := strconv.Atoi(r.URL.Query().Get("page"))
				first := 0
				for _, n := range tt.sizes[:asked-1] {
					first += n
				}
				rows := make([]map[string]any, tt.sizes[asked-1])
				for i := range rows {
					id := first + i + 1
					rows[i] = map[string]any{"id": id, "sku": "S" + strconv.Itoa(id), "quantity": 1, "reserve": 0}
				}
				var next any
				if asked < len(tt.sizes) {
					next = "http://" + r.Host + r.URL.Path + "?page=" + strconv.Itoa(asked+1)
				}
				w.Header().Set("Content-Type", "application/json")
				if err := json.NewEncoder(w).Encode(map[string]any{
					"current_page": asked, "last_page": len(tt.sizes), "per_page": PageSize, "total": tt.total,
					"data": rows, "next_page_url": next,
				}); err != nil {
					t.Error(err)
				}
			}))
			t.Cleanup(srv.Close)
			opt, _, _ := testOptions(t, srv.URL+"/v1")
			c := newTestClient(t, opt)
			seen := 0
			err := c.EachStockPage(context.Background(), StockQuery{}, 1, func(p *Page[OfferStock]) error {
				seen += len(p.Data)
				return nil
			})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("complete read refused: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrShortRead) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want ErrShortRead with %q", err, tt.want)
			}
			if last := tt.sizes[len(tt.sizes)-1]; seen != sum(tt.sizes)-last {
				t.Errorf("%d rows passed on; the short read's last page must not be", seen)
			}
		})
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
