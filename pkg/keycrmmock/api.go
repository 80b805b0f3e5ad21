package keycrmmock

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxBody caps a request body. The largest legal one, 10,000 offer updates with
// every field, is a few megabytes.
const maxBody = 16 << 20

// call is one /v1 request as a handler sees it, under the state lock.
type call struct {
	r         *http.Request
	productID string // the {productId} path segment, digits only
	body      []byte
	now       time.Time
}

// route is one operation of the contract. Handlers run under the state lock
// and return their answer instead of writing it, so ack-lost can apply a write
// and throw the answer away.
type route struct {
	method   string
	template string // the contract's path, also the key in Stats.ByRoute
	handle   func(st *store, c *call) reply
}

var routes = []route{
	{"GET", "/products", listProducts},
	{"POST", "/products", createProduct},
	{"POST", "/products/import", importProducts},
	{"GET", "/products/{productId}", getProduct},
	{"PUT", "/products/{productId}", updateProduct},
	{"POST", "/products/{productId}/offers", createOffers},
	{"GET", "/products/categories", listCategories},
	{"POST", "/products/categories", createCategory},
	{"GET", "/offers", listOffers},
	{"PUT", "/offers", updateOffers},
	{"GET", "/offers/stocks", listStocks},
	{"PUT", "/offers/stocks", setStocks},
}

// findRoute matches a path below /v1. {productId} matches digits only, as the
// contract's pattern says, which also keeps /products/import apart from it. When
// the path exists under other methods, allowed lists them.
func findRoute(method, path string) (rt *route, productID string, allowed []string) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i := range routes {
		id, ok := matchTemplate(routes[i].template, segs)
		if !ok {
			continue
		}
		if routes[i].method == method {
			return &routes[i], id, nil
		}
		allowed = append(allowed, routes[i].method)
	}
	return nil, "", allowed
}

func matchTemplate(template string, segs []string) (productID string, ok bool) {
	tsegs := strings.Split(strings.TrimPrefix(template, "/"), "/")
	if len(tsegs) != len(segs) {
		return "", false
	}
	for i, t := range tsegs {
		if t == "{productId}" {
			if segs[i] == "" || strings.Trim(segs[i], "0123456789") != "" {
				return "", false
			}
			productID = segs[i]
		} else if t != segs[i] {
			return "", false
		}
	}
	return productID, true
}

// serveAPI answers one /v1 request: count it, wait the latency, check the key,
// the rate limit and the fault draw, then run the operation.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	began := time.Now()
	status, note := s.api(w, r)
	if s.opt.Logf == nil {
		return
	}
	outcome := "dropped"
	if status != 0 {
		outcome = strconv.Itoa(status)
	}
	if note != "" {
		outcome += " (" + note + ")"
	}
	s.opt.Logf("%s %s -> %s in %s", r.Method, r.URL.RequestURI(), outcome, time.Since(began).Round(time.Microsecond))
}

// api returns the status sent, 0 when the connection was dropped, and a note
// for the log.
func (s *Server) api(w http.ResponseWriter, r *http.Request) (int, string) {
	rt, productID, allowed := findRoute(r.Method, strings.TrimPrefix(r.URL.Path, "/v1"))
	s.mu.Lock()
	s.stats.Requests++
	if rt != nil {
		s.stats.ByRoute[rt.method+" "+rt.template]++
	}
	s.mu.Unlock()

	if !sleep(r.Context(), s.opt.Latency) {
		drop(w)
		return 0, "client left during latency"
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeJSON(w, http.StatusUnauthorized, unauthenticated)
		return http.StatusUnauthorized, ""
	}
	if rt == nil {
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeJSON(w, http.StatusMethodNotAllowed, message("The "+r.Method+" method is not supported for this route. Supported methods: "+strings.Join(allowed, ", ")+"."))
			return http.StatusMethodNotAllowed, ""
		}
		writeJSON(w, http.StatusNotFound, message("The route "+strings.TrimPrefix(r.URL.Path, "/")+" could not be found."))
		return http.StatusNotFound, ""
	}

	s.mu.Lock()
	now := s.opt.Now()
	retryAfter, admitted := s.window.admit(now)
	if s.window.limit > 0 {
		// Laravel's throttle middleware, which KeyCRM's API appears to run on,
		// announces the budget on every answer; doctor reports these headers.
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.window.limit))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(s.window.remaining(now)))
	}
	f := faultNone
	switch {
	case !admitted:
		s.stats.Throttled++
	case s.opt.Faults != Faults{}:
		f = s.opt.Faults.pick(s.rng.Float64())
		// ack-lost is about a write whose answer goes missing; a read has
		// nothing to apply, so it is answered normally.
		if f == faultAckLost && r.Method != http.MethodPut && r.Method != http.MethodPost {
			f = faultNone
		}
		// loop is about paging; anything but a list read is answered normally.
		// Every GET of the contract but GET /products/{productId} is a list.
		if f == faultLoop && (r.Method != http.MethodGet || productID != "") {
			f = faultNone
		}
		if f != faultNone {
			s.stats.Faults++
		}
	}
	s.mu.Unlock()

	if !admitted {
		return tooMany(w, retryAfter), "rate limited"
	}
	switch f {
	case fault500:
		writeJSON(w, http.StatusInternalServerError, message("Server Error"))
		return http.StatusInternalServerError, "fault 500"
	case fault429:
		return tooMany(w, 1), "fault 429"
	case faultTimeout:
		// Reading the body lets net/http notice the client hanging up.
		_, _ = io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, maxBody))
		<-r.Context().Done()
		drop(w)
		return 0, "fault timeout"
	case faultReset:
		drop(w)
		return 0, "fault reset"
	case faultEcho:
		writeJSON(w, http.StatusBadGateway, message(echoMessage(r)))
		return http.StatusBadGateway, "fault echo"
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		errs := fieldErrors{}
		errs.add("body", "The request body must not be larger than "+strconv.Itoa(maxBody>>20)+" MiB.")
		rep := invalid(errs)
		writeJSON(w, rep.status, rep.body)
		return rep.status, ""
	case err != nil:
		drop(w)
		return 0, "body not received"
	}

	if f == faultLoop {
		q := r.URL.Query()
		q.Set("page", "1")
		r.URL.RawQuery = q.Encode()
	}
	s.mu.Lock()
	rep := rt.handle(s.store, &call{r: r, productID: productID, body: body, now: s.opt.Now()})
	s.mu.Unlock()
	if f == faultAckLost {
		drop(w)
		return 0, "fault ack-lost, " + strconv.Itoa(rep.status) + " not sent"
	}
	if st, ok := rep.body.(stuckPager); f == faultLoop && ok {
		rep.body = st.stuck()
		writeJSON(w, rep.status, rep.body)
		return rep.status, "fault loop"
	}
	writeJSON(w, rep.status, rep.body)
	return rep.status, ""
}

// echoMessage is what a gateway with debugging left on says: the request's
// headers as PHP's json_encode writes them (slashes escaped), then the
// credential once more, URL-encoded, at the end of a long line.
func echoMessage(r *http.Request) string {
	hdr, err := json.Marshal(r.Header)
	if err != nil {
		hdr = []byte("{}")
	}
	return "Bad gateway: upstream refused the request " + r.Method + " " + r.URL.Path +
		". Request headers: " + strings.ReplaceAll(string(hdr), "/", `\/`) +
		". Credential: " + url.QueryEscape(r.Header.Get("Authorization"))
}

func tooMany(w http.ResponseWriter, retryAfter int) int {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	writeJSON(w, http.StatusTooManyRequests, message("Too Many Attempts."))
	return http.StatusTooManyRequests
}

// sleep waits d unless ctx ends first; it reports whether the wait completed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// filterIDs reads a comma-separated id filter. An empty value is no filter
// (nil); parts that are not ids match nothing, like a SQL IN with them would.
func filterIDs(raw string) map[int64]bool {
	if raw == "" {
		return nil
	}
	set := map[int64]bool{}
	for part := range strings.SplitSeq(raw, ",") {
		if id, err := strconv.ParseInt(part, 10, 64); err == nil {
			set[id] = true
		}
	}
	return set
}

// filterStrings reads a comma-separated exact-match filter; "" is no filter.
func filterStrings(raw string) map[string]bool {
	if raw == "" {
		return nil
	}
	set := map[string]bool{}
	for part := range strings.SplitSeq(raw, ",") {
		set[part] = true
	}
	return set
}

// filterBool reads a Laravel boolean filter: true/1 or false/0; anything else
// is ignored, like an unknown filter.
func filterBool(raw string) *bool {
	var v bool
	switch raw {
	case "true", "1":
		v = true
	case "false", "0":
	default:
		return nil
	}
	return &v
}

// includes reports whether a comma-separated include parameter names what.
func includes(raw, what string) bool {
	return slices.Contains(strings.Split(raw, ","), what)
}

// timestamp formats t the way KeyCRM's product and offer rows were observed.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}
