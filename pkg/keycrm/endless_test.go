package keycrm

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// endlessServer answers every page with a next_page_url, so only the client can
// end the walk. page(asked) gives the envelope: its current_page, last_page and
// total, and the ids of its rows.
func endlessServer(t *testing.T, page func(asked int) (current, lastPage, total int, ids []int64)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(keyChecked(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		asked, _ := strconv.Atoi(r.URL.Query().Get("page"))
		current, lastPage, total, ids := page(asked)
		rows := make([]map[string]any, len(ids))
		for i, id := range ids {
			rows[i] = map[string]any{"id": id, "sku": "S" + strconv.FormatInt(id, 10), "quantity": 1, "reserve": 0}
		}
		next := "http://" + r.Host + r.URL.Path + "?page=" + strconv.Itoa(current+1)
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(map[string]any{
			"current_page": current, "last_page": lastPage, "per_page": PageSize, "total": total,
			"data": rows, "next_page_url": next,
		}); err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func idsFrom(first int64, n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = first + int64(i)
	}
	return ids
}

func TestEndlessPagesStop(t *testing.T) {
	tests := []struct {
		name     string
		page     func(asked int) (int, int, int, []int64)
		requests int64 // the request that revealed the loop is the last
		want     string
	}{
		{"the same page again", func(int) (int, int, int, []int64) { return 1, 3, 150, idsFrom(1, 50) },
			2, "page 2 came back as page 1, the same as page 1"},
		{"the same rows under new page numbers", func(asked int) (int, int, int, []int64) { return asked, 3, 150, idsFrom(1, 50) },
			2, "page 2 holds the same rows (ids 1 to 50) as page 1"},
		{"new rows forever, last_page moving on", func(asked int) (int, int, int, []int64) {
			return asked, asked + 1, 100, idsFrom(int64(asked)*100, 50)
		}, 4, "page 4 asked for, but the first page announced 2 pages (100 rows)"},
		{"one row a page", func(asked int) (int, int, int, []int64) { return asked, 0, 120, idsFrom(int64(asked), 1) },
			5, "page 5 asked for, but the first page announced 3 pages (120 rows)"},
		{"nothing announced", func(asked int) (int, int, int, []int64) { return asked, 0, 0, idsFrom(int64(asked)*100, 50) },
			3, "page 3 asked for, but the first page announced 0 pages (0 rows)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := endlessServer(t, tt.page)
			opt, _, _ := testOptions(t, srv.URL+"/v1")
			c := newTestClient(t, opt)
			pages := 0
			err := c.EachStockPage(context.Background(), StockQuery{}, 1, func(*Page[OfferStock]) error {
				pages++
				return nil
			})
			msg := assertErrText(t, err)
			if !errors.Is(err, ErrEndlessPages) {
				t.Errorf("error %v is not ErrEndlessPages", err)
			}
			if want := "GET /offers/stocks: KeyCRM kept sending pages past the announced total: " + tt.want + "; stopped"; msg != want {
				t.Errorf("error\n got %s\nwant %s", msg, want)
			}
			if n.Load() != tt.requests || int64(pages) != tt.requests-1 {
				t.Errorf("%d requests, %d pages passed on; want %d and %d", n.Load(), pages, tt.requests, tt.requests-1)
			}
		})
	}
}

// TestFilteredReadStopsEndlessPages: each chunk of a filtered read is its own
// walk, and one that never ends is stopped too.
func TestFilteredReadStopsEndlessPages(t *testing.T) {
	srv, n := endlessServer(t, func(int) (int, int, int, []int64) { return 1, 2, 60, []int64{7} })
	opt, _, _ := testOptions(t, srv.URL+"/v1")
	c := newTestClient(t, opt)
	err := c.StocksBySKU(context.Background(), []string{"S7"}, false, func(*Page[OfferStock]) error { return nil })
	if msg := assertErrText(t, err); !strings.Contains(msg, "came back as page 1") || n.Load() != 2 {
		t.Errorf("%d requests, error %s", n.Load(), msg)
	}
}
