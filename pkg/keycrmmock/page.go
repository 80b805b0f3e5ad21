package keycrmmock

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const (
	defaultLimit = 15
	maxLimit     = 50
)

// page is Laravel's length-aware paginator, the envelope KeyCRM sends.
type page[R any] struct {
	CurrentPage  int64   `json:"current_page"`
	Data         []R     `json:"data"`
	FirstPageURL string  `json:"first_page_url"`
	From         *int64  `json:"from"`
	LastPage     int64   `json:"last_page"`
	LastPageURL  string  `json:"last_page_url"`
	NextPageURL  *string `json:"next_page_url"`
	Path         string  `json:"path"`
	PerPage      int64   `json:"per_page"`
	PrevPageURL  *string `json:"prev_page_url"`
	To           *int64  `json:"to"`
	Total        int64   `json:"total"`
}

// stuckPager is a page the loop fault can replace (see Faults.Loop).
type stuckPager interface{ stuck() any }

// stuck is page 1 (the request was rewritten to ask for it) claiming a page 2
// even when there is none.
func (p page[R]) stuck() any {
	next := strings.TrimSuffix(p.FirstPageURL, "1") + "2"
	p.NextPageURL = &next
	if p.LastPage < 2 {
		p.LastPage, p.LastPageURL = 2, next
	}
	return p
}

// paginate cuts one page out of items (ordered by ascending id, served
// descending when desc) and converts only that page's rows, so a page costs the
// same on a catalogue of ten offers or a hundred thousand.
func paginate[T, R any](r *http.Request, items []T, desc bool, row func(T) R) page[R] {
	q := r.URL.Query()
	limit := pageParam(q.Get("limit"), defaultLimit, 1, maxLimit)
	current := pageParam(q.Get("page"), 1, 1, math.MaxInt64)
	total := int64(len(items))
	last := max(1, (total+limit-1)/limit)

	p := page[R]{
		CurrentPage: current,
		Data:        []R{},
		LastPage:    last,
		PerPage:     limit,
		Total:       total,
	}
	if current <= last && total > 0 {
		lo := (current - 1) * limit
		hi := min(lo+limit, total)
		for i := lo; i < hi; i++ {
			j := i
			if desc {
				j = total - 1 - i
			}
			p.Data = append(p.Data, row(items[j]))
		}
		from, to := lo+1, hi
		p.From, p.To = &from, &to
	}

	link := pageLinker(r)
	p.Path = link.base
	p.FirstPageURL = link.url(1)
	p.LastPageURL = link.url(last)
	if current < last {
		next := link.url(current + 1)
		p.NextPageURL = &next
	}
	if current > 1 {
		prev := link.url(current - 1)
		p.PrevPageURL = &prev
	}
	return p
}

// pageParam reads limit or page the forgiving way KeyCRM does: a value out of
// range is clamped, one that is not an integer falls back to the default.
func pageParam(raw string, def, lo, hi int64) int64 {
	n, err := strconv.ParseInt(raw, 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange) && strings.HasPrefix(raw, "-"):
		return lo
	case errors.Is(err, strconv.ErrRange):
		return hi
	case err != nil:
		return def
	}
	return min(max(n, lo), hi)
}

// linker builds the absolute page URLs: the request's host and path, the
// caller's query (filters included) minus page, then page=N, as Laravel's
// withQueryString() does.
type linker struct {
	base  string
	query string
}

func pageLinker(r *http.Request) linker {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	var q strings.Builder
	for part := range strings.SplitSeq(r.URL.RawQuery, "&") {
		rawKey, rawValue, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil || key == "" || key == "page" {
			continue
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			continue
		}
		q.WriteString(url.QueryEscape(key))
		q.WriteByte('=')
		q.WriteString(url.QueryEscape(value))
		q.WriteByte('&')
	}
	return linker{base: scheme + "://" + r.Host + r.URL.Path, query: q.String()}
}

func (l linker) url(page int64) string {
	return l.base + "?" + l.query + "page=" + strconv.FormatInt(page, 10)
}
