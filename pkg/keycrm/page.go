package keycrm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// PageSize is the number of rows asked for on every list request: the most KeyCRM
// allows, because reads are what the request budget is spent on.
const PageSize = 50

// maxQuery bounds the encoded query string of a filtered read. Long SKUs make long
// URLs, and servers and proxies commonly refuse request lines around 8 KiB.
const maxQuery = 6000

// pageDigits is the room kept for the page number when a filtered read is sized:
// a chunk with duplicate SKUs may need page 2 and beyond.
const pageDigits = 7

// Page is one page of a KeyCRM list: the rows plus Laravel's paginator envelope.
type Page[T any] struct {
	Data        []T
	CurrentPage int
	LastPage    int
	PerPage     int
	Total       int
	// From and To are the 1-based positions of the first and last row; nil on an
	// empty page.
	From, To *int
	Path     string
	// FirstPageURL, LastPageURL, NextPageURL and PrevPageURL are the paginator's
	// links; NextPageURL is nil on the last page.
	FirstPageURL string
	LastPageURL  string
	NextPageURL  *string
	PrevPageURL  *string
}

// pageWire is the envelope as it travels. Counters are json.Number because Laravel
// writes per_page as a string when the limit came from the query string, and
// json.Number accepts a number or a numeric string.
type pageWire[T any] struct {
	// Data is a pointer so that a missing or null list is told from an empty
	// one: an empty catalogue is [], and null is a broken answer that must not
	// be read as "no offers".
	Data         *[]T        `json:"data"`
	CurrentPage  json.Number `json:"current_page"`
	LastPage     json.Number `json:"last_page"`
	PerPage      json.Number `json:"per_page"`
	Total        json.Number `json:"total"`
	From         json.Number `json:"from"`
	To           json.Number `json:"to"`
	Path         string      `json:"path"`
	FirstPageURL string      `json:"first_page_url"`
	LastPageURL  string      `json:"last_page_url"`
	NextPageURL  *string     `json:"next_page_url"`
	PrevPageURL  *string     `json:"prev_page_url"`
}

// UnmarshalJSON decodes the envelope tolerantly (see pageWire).
func (p *Page[T]) UnmarshalJSON(b []byte) error {
	var w pageWire[T]
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	counters := []struct {
		name string
		in   json.Number
		out  *int
	}{
		{"current_page", w.CurrentPage, &p.CurrentPage},
		{"last_page", w.LastPage, &p.LastPage},
		{"per_page", w.PerPage, &p.PerPage},
		{"total", w.Total, &p.Total},
	}
	for _, c := range counters {
		n, err := pageInt(c.in)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		*c.out = n
	}
	if w.Data == nil {
		return errNoData
	}
	var err error
	if p.From, err = pageIntPtr(w.From); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	if p.To, err = pageIntPtr(w.To); err != nil {
		return fmt.Errorf("to: %w", err)
	}
	p.Data = *w.Data
	p.Path = w.Path
	p.FirstPageURL, p.LastPageURL = w.FirstPageURL, w.LastPageURL
	p.NextPageURL, p.PrevPageURL = w.NextPageURL, w.PrevPageURL
	return nil
}

// MarshalJSON writes the envelope with the contract's names, so a page can be
// saved and read back.
func (p Page[T]) MarshalJSON() ([]byte, error) {
	data := p.Data
	if data == nil {
		data = []T{}
	}
	return json.Marshal(struct {
		CurrentPage  int     `json:"current_page"`
		Data         []T     `json:"data"`
		FirstPageURL string  `json:"first_page_url"`
		From         *int    `json:"from"`
		LastPage     int     `json:"last_page"`
		LastPageURL  string  `json:"last_page_url"`
		NextPageURL  *string `json:"next_page_url"`
		Path         string  `json:"path"`
		PerPage      int     `json:"per_page"`
		PrevPageURL  *string `json:"prev_page_url"`
		To           *int    `json:"to"`
		Total        int     `json:"total"`
	}{p.CurrentPage, data, p.FirstPageURL, p.From, p.LastPage, p.LastPageURL,
		p.NextPageURL, p.Path, p.PerPage, p.PrevPageURL, p.To, p.Total})
}

// errNoData is a page without its list of rows.
var errNoData = errors.New("data is null or missing, want an array of rows")

func pageInt(n json.Number) (int, error) {
	if n == "" {
		return 0, nil
	}
	v, err := strconv.Atoi(string(n))
	if err != nil {
		return 0, fmt.Errorf("not an integer: %q", string(n))
	}
	return v, nil
}

func pageIntPtr(n json.Number) (*int, error) {
	if n == "" {
		return nil, nil
	}
	v, err := pageInt(n)
	return &v, err
}

// HasNext reports whether another page follows. KeyCRM's paginator says so with
// next_page_url; an empty page or current_page reaching last_page also ends the
// walk, so a misbehaving server cannot keep a reader paging forever.
func (p *Page[T]) HasNext() bool {
	if p.NextPageURL == nil || len(p.Data) == 0 {
		return false
	}
	return p.LastPage <= 0 || p.CurrentPage < p.LastPage
}

// getPage reads one page of path with the caller's query plus limit and page.
func getPage[T any](ctx context.Context, c *Client, path string, q url.Values, page int) (*Page[T], error) {
	if page < 1 {
		page = 1
	}
	query := url.Values{}
	for k, v := range q {
		query[k] = v
	}
	query.Set("limit", strconv.Itoa(PageSize))
	query.Set("page", strconv.Itoa(page))
	p := new(Page[T])
	if err := c.do(ctx, &call{method: http.MethodGet, path: path, query: query, out: p}); err != nil {
		return nil, err
	}
	return p, nil
}

// walk reads path page by page from start until the last page, calling fn for
// every page read, empty ones included (so a caller sees total = 0). When keep is
// set, rows it rejects are removed before fn sees the page; the decision to go on
// is taken on the page as received. A server that keeps sending pages past what
// it announced is stopped with ErrEndlessPages before fn sees the extra page.
func walk[T any](ctx context.Context, c *Client, path string, q url.Values, start int, keep func(*T) bool, fn func(*Page[T]) error) error {
	if start < 1 {
		start = 1
	}
	var guard pageGuard
	rows := 0
	for page := start; ; page++ {
		p, err := getPage[T](ctx, c, path, q, page)
		if err != nil {
			return err
		}
		if err := guard.check(page, p.CurrentPage, p.LastPage, p.PerPage, p.Total, rowSpan(p.Data)); err != nil {
			return fmt.Errorf("%s %s: %w", http.MethodGet, path, err)
		}
		more := p.HasNext()
		rows += len(p.Data)
		// A walk from the first page that ends with fewer rows than the server
		// counts has lost some on the way (a proxy cutting pages, a broken
		// page): a file written from it would drop offers, so it is refused
		// before fn sees the last page.
		if !more && start == 1 && rows < p.Total {
			return fmt.Errorf("%s %s: %w: %d rows received, the last page counts %d; nothing was written, run again", http.MethodGet, path, ErrShortRead, rows, p.Total)
		}
		if keep != nil {
			kept := p.Data[:0]
			for i := range p.Data {
				if keep(&p.Data[i]) {
					kept = append(kept, p.Data[i])
				}
			}
			p.Data = kept
		}
		if err := fn(p); err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}

// ErrShortRead matches a walk whose pages held fewer rows than their total.
var ErrShortRead = errors.New("KeyCRM sent fewer rows than it counts")

// ErrEndlessPages matches a walk stopped because the server kept sending pages:
// one it had sent already, or more than its first page announced.
var ErrEndlessPages = errors.New("KeyCRM kept sending pages past the announced total")

// identified is a row with an id, which lets a walk notice a page sent twice
// under a new page number.
type identified interface{ rowID() int64 }

// rowSpan is the ids of the first and last rows, or nil when the rows have no
// ids or there are none.
func rowSpan[T any](rows []T) *[2]int64 {
	if len(rows) == 0 {
		return nil
	}
	first, ok := any(&rows[0]).(identified)
	if !ok {
		return nil
	}
	last := any(&rows[len(rows)-1]).(identified)
	return &[2]int64{first.rowID(), last.rowID()}
}

// pageGuard remembers the pages of one walk. Without it a server whose
// next_page_url never ends (the same page again, or new rows forever) would be
// paged until killed, holding the lock and the key's budget.
type pageGuard struct {
	// limit is the last page number allowed: one past what the first page
	// announced, since rows added during the walk may push one more page. It
	// is also the hard ceiling when later pages announce ever more.
	limit     int
	announced string
	pages     map[int]int      // current_page → the page asked for
	spans     map[[2]int64]int // first and last row ids → the page asked for
}

func (g *pageGuard) check(asked, current, lastPage, perPage, total int, span *[2]int64) error {
	if g.pages == nil {
		g.pages, g.spans = map[int]int{}, map[[2]int64]int{}
		if perPage <= 0 {
			perPage = PageSize
		}
		// A page without total or last_page announces nothing, so it allows
		// one more page only.
		pages := max(lastPage, (total+perPage-1)/perPage)
		g.limit, g.announced = max(pages, asked)+1, fmt.Sprintf("%d pages (%d rows)", pages, total)
	}
	if asked > g.limit {
		return fmt.Errorf("%w: page %d asked for, but the first page announced %s; stopped", ErrEndlessPages, asked, g.announced)
	}
	if current > 0 {
		if prev, ok := g.pages[current]; ok {
			return fmt.Errorf("%w: page %d came back as page %d, the same as page %d; stopped", ErrEndlessPages, asked, current, prev)
		}
		g.pages[current] = asked
	}
	if span != nil {
		if prev, ok := g.spans[*span]; ok {
			return fmt.Errorf("%w: page %d holds the same rows (ids %d to %d) as page %d; stopped", ErrEndlessPages, asked, span[0], span[1], prev)
		}
		g.spans[*span] = asked
	}
	return nil
}

// FilterError reports a value that a comma-separated list filter cannot carry.
// errors.Is matches its Reason: ErrCommaInFilter or ErrFilterValueTooLong. Nothing
// has been sent when it is returned, so the caller can fall back to a full read.
type FilterError struct {
	Filter string
	Value  string
	Reason error
}

func (e *FilterError) Error() string {
	v := e.Value
	if r := []rune(v); len(r) > 60 {
		v = string(r[:60]) + "…"
	}
	return fmt.Sprintf("%s: value %q: %v", e.Filter, v, e.Reason)
}

func (e *FilterError) Unwrap() error { return e.Reason }

// readFiltered reads path filtered on filter = a comma-separated list of values.
// The values (empty ones and repeats dropped: an empty value matches nothing, and
// an empty filter would be ignored by KeyCRM, returning everything) are split into
// chunks of at most PageSize whose encoded query stays under maxQuery bytes; each
// chunk is normally one request, and is paged further when KeyCRM reports more
// rows (several offers sharing a SKU). KeyCRM does not document whether its filters
// match exactly, so rows whose key is not one of the values are dropped.
func readFiltered[T any](ctx context.Context, c *Client, path string, base url.Values, filter string, values []string, key func(*T) string, fn func(*Page[T]) error) error {
	chunks, err := chunkFilter(base, filter, values)
	if err != nil {
		return err
	}
	for _, chunk := range chunks {
		want := make(map[string]bool, len(chunk))
		for _, v := range chunk {
			want[v] = true
		}
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		q.Set(filter, strings.Join(chunk, ","))
		keep := func(row *T) bool { return want[key(row)] }
		if err := walk(ctx, c, path, q, 1, keep, fn); err != nil {
			return err
		}
	}
	return nil
}

// chunkFilter plans the chunks of readFiltered before anything is sent, so a value
// that cannot be filtered fails the whole read up front.
func chunkFilter(base url.Values, filter string, values []string) ([][]string, error) {
	q := url.Values{}
	for k, v := range base {
		q[k] = v
	}
	q.Set("limit", strconv.Itoa(PageSize))
	q.Set("page", strings.Repeat("9", pageDigits))
	// The room left for the filter's value: the query without it, "&", the
	// escaped key and "=" come first, and the total must stay below maxQuery.
	budget := maxQuery - 1 - len(q.Encode()) - len("&"+url.QueryEscape(filter)+"=")

	var chunks [][]string
	var cur []string
	used := 0
	seen := make(map[string]bool, len(values))
	for _, v := range values {
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		if strings.Contains(v, ",") {
			return nil, &FilterError{Filter: filter, Value: v, Reason: ErrCommaInFilter}
		}
		size := len(url.QueryEscape(v))
		if size > budget {
			return nil, &FilterError{Filter: filter, Value: v, Reason: ErrFilterValueTooLong}
		}
		sep := 0
		if len(cur) > 0 {
			sep = len(url.QueryEscape(","))
		}
		if len(cur) == PageSize || used+sep+size > budget {
			chunks = append(chunks, cur)
			cur, used, sep = nil, 0, 0
		}
		cur = append(cur, v)
		used += sep + size
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks, nil
}

// idStrings formats ids for a list filter.
func idStrings(ids []int64) []string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return s
}
