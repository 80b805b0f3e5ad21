package keycrm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/keycrm-sync/keycrm-sync/internal/redact"
)

// DefaultBaseURL is KeyCRM's production API root.
const DefaultBaseURL = "https://openapi.keycrm.app/v1"

// Defaults for Options fields left zero.
const (
	DefaultPerMinute = 60
	DefaultTimeout   = 30 * time.Second
)

// maxResponse bounds a response body held in memory: a page of 50 rows is a few
// tens of kilobytes, so anything near this is a wrong URL serving a file.
const maxResponse = 32 << 20

// Options configure a Client. Zero values mean the defaults.
type Options struct {
	// BaseURL is the API root; default DefaultBaseURL.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer KEY"; required.
	APIKey Secret
	// PerMinute is the request budget: at most this many requests (every attempt,
	// retries included) start in any rolling minute; default 60, KeyCRM's limit.
	PerMinute int
	// Retries is how many times a failed request may be repeated (see
	// shouldRetry): nil means DefaultRetries, a pointer to 0 means none
	// (Retries: new(0)).
	Retries *int
	// Timeout limits each attempt, reading the body included; default 30s.
	Timeout time.Duration
	// Transport carries the requests; default a clone of http.DefaultTransport.
	// Tests put the contract-validating apispec.Transport here.
	Transport http.RoundTripper
	// UserAgent is sent as User-Agent; default "keycrm-sync".
	UserAgent string
	// OnRequest, if set, is called after every attempt (for -v). It may be called
	// from several goroutines at once.
	OnRequest func(RequestInfo)

	// clock replaces real time in tests.
	clock clock
	// jitter replaces the random source of backoff in tests.
	jitter func() float64
}

// RequestInfo describes one attempt. It never carries headers, so never the key.
type RequestInfo struct {
	Method string
	// Path is the path below the base URL with the query, e.g.
	// "/offers/stocks?filter[details]=true&limit=50&page=2".
	Path string
	// Status is the HTTP status, 0 when no answer came.
	Status   int
	Duration time.Duration
	// Attempt counts from 1 for each call.
	Attempt int
	// Err is this attempt's failure, if any.
	Err error
	// RateLimit holds the budget headers of the answer, for doctor.
	RateLimit RateLimitHeaders
}

// RateLimitHeaders are the rate-limit headers an answer carried, as sent ("" when
// absent). KeyCRM does not document them; Laravel's throttle sends the first two.
type RateLimitHeaders struct {
	Limit      string // X-RateLimit-Limit
	Remaining  string // X-RateLimit-Remaining
	RetryAfter string // Retry-After
}

// Client talks to one KeyCRM account. It is safe for concurrent use, and all its
// requests share one pacer, so a process should build one Client.
type Client struct {
	rc        *resty.Client
	baseURL   string // for messages: no credentials, no trailing slash
	retries   int
	timeout   time.Duration
	onRequest func(RequestInfo)
	clock     clock
	jitter    func() float64
	pacer     *pacer
	// scrub removes the key, whole, cut or escaped, and any Bearer token or
	// Authorization value from text a server sent back, in case a proxy's
	// error page echoes request headers. It runs before any text is cut.
	scrub func(string) string

	requests atomic.Int64 // HTTP attempts made, see Requests
	started  atomic.Int64 // attempts begun, to know the very first one
}

// New checks opt and returns a Client. It sends nothing.
func New(opt Options) (*Client, error) {
	if opt.APIKey == "" {
		return nil, fmt.Errorf("keycrm: %w; %s", ErrNoAPIKey, keyHint)
	}
	if strings.ContainsFunc(opt.APIKey.Reveal(), func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return nil, errors.New("keycrm: the API key contains control characters (a line break?); check the key file")
	}
	base := opt.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("keycrm: API URL %q: want http(s)://HOST/PATH, e.g. %s", redactURL(base), DefaultBaseURL)
	}
	base = strings.TrimRight(base, "/")
	perMinute := opt.PerMinute
	if perMinute == 0 {
		perMinute = DefaultPerMinute
	}
	if perMinute < 0 {
		return nil, fmt.Errorf("keycrm: rate %d requests per minute: must be positive", perMinute)
	}
	retries := DefaultRetries
	if opt.Retries != nil {
		retries = *opt.Retries
	}
	if retries < 0 {
		return nil, fmt.Errorf("keycrm: %d retries: must be 0 or more", retries)
	}
	timeout := opt.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	if timeout < 0 {
		return nil, fmt.Errorf("keycrm: timeout %s: must be positive", timeout)
	}
	ua := opt.UserAgent
	if ua == "" {
		ua = "keycrm-sync"
	}
	clk := opt.clock
	if clk == nil {
		clk = realClock{}
	}
	jitter := opt.jitter
	if jitter == nil {
		jitter = rand.Float64
	}
	transport := opt.Transport
	if transport == nil {
		transport = http.DefaultTransport.(*http.Transport).Clone()
	}

	c := &Client{
		baseURL:   redactURL(base),
		retries:   retries,
		timeout:   timeout,
		onRequest: opt.OnRequest,
		clock:     clk,
		jitter:    jitter,
		pacer:     newPacer(perMinute, clk),
	}
	key := opt.APIKey
	secret := redact.NewSecret(key.Reveal())
	c.scrub = func(s string) string { return secret.Mask(redact.Credentials(s)) }

	// Redirects are answered, not followed: KeyCRM never redirects, so one means
	// a wrong URL, and following it could carry a POST or the key elsewhere.
	hc := &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	// Resty builds and sends each attempt; the retry loop is ours (do), because
	// resty's sleeps cannot be cancelled by a fake clock and it clamps Retry-After.
	// Its debug mode would print the Authorization header, so it stays off, and
	// its logger is silenced: stderr belongs to the CLI.
	c.rc = resty.NewWithClient(hc).
		SetBaseURL(base).
		SetLogger(silentLogger{}).
		SetResponseBodyLimit(maxResponse).
		SetHeader("User-Agent", ua).
		OnBeforeRequest(func(_ *resty.Client, r *resty.Request) error {
			r.Header.Set("Authorization", "Bearer "+key.Reveal())
			r.Header.Set("Accept", "application/json")
			return nil
		})
	return c, nil
}

// Requests is the number of HTTP requests made so far: every attempt, retries,
// 429s, refused connections and unknown hosts included, plus the re-sends
// net/http makes on its own when a kept-alive connection turns out dead (the
// server saw those too). A run's result.requests is read from it, so it must
// show every try at the API, not only the ones that reached it.
func (c *Client) Requests() int64 { return c.requests.Load() }

// BaseURL is the API root in use, without credentials.
func (c *Client) BaseURL() string { return c.baseURL }

// call is one API operation.
type call struct {
	method string
	path   string     // below the base URL, e.g. "/offers/stocks"
	query  url.Values // nil for none
	body   any        // marshalled to JSON; nil for none
	// out receives a 2xx body; nil means the body is KeyCRM's {"status": true}.
	out any
}

// answer is what one attempt got back.
type answer struct {
	status      int
	header      http.Header
	contentType string
	body        []byte
	err         error // no complete answer
}

// do runs c through the pacer and the retry loop and decodes the answer.
func (c *Client) do(ctx context.Context, cl *call) error {
	var body []byte
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return fmt.Errorf("%s %s: encode request: %w", cl.method, cl.path, err)
		}
		body = b
	}
	shown := cl.path
	if len(cl.query) > 0 {
		shown += "?" + readableQuery(cl.query.Encode())
	}
	for attempt := 1; ; attempt++ {
		if err := c.pacer.wait(ctx); err != nil {
			return fmt.Errorf("%s %s: %w", cl.method, cl.path, err)
		}
		first := c.started.Add(1) == 1
		t0 := c.clock.Now()
		a := c.send(ctx, cl, body)
		if a.status != http.StatusTooManyRequests {
			// A 429's Retry-After says more than its Remaining of 0; it is
			// obeyed below.
			c.pacer.observe(a.header, t0, c.clock.Now())
		}
		err := c.failure(cl, a)
		if err == nil {
			err = c.decode(cl, a)
		}
		if c.onRequest != nil {
			c.onRequest(RequestInfo{Method: cl.method, Path: shown, Status: a.status,
				Duration: c.clock.Now().Sub(t0), Attempt: attempt, Err: err,
				RateLimit: RateLimitHeaders{
					Limit:      a.header.Get("X-RateLimit-Limit"),
					Remaining:  a.header.Get("X-RateLimit-Remaining"),
					RetryAfter: a.header.Get("Retry-After"),
				}})
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s %s: %w", cl.method, cl.path, ctx.Err())
		}
		delay := retryDelay(attempt, a.header.Get("Retry-After"), c.clock.Now(), c.jitter)
		if a.status == http.StatusTooManyRequests {
			// The budget is per key: the pause holds every request of the
			// process, this one's retry or not.
			c.pacer.holdUntil(c.clock.Now().Add(delay))
		}
		var de *DecodeError
		if errors.As(err, &de) || attempt > c.retries || !shouldRetry(cl.method, a.status, a.err, first) {
			return withAttempts(err, attempt)
		}
		if err := c.clock.Sleep(ctx, delay); err != nil {
			return fmt.Errorf("%s %s: %w", cl.method, cl.path, err)
		}
	}
}

// send makes one attempt within the per-attempt timeout.
func (c *Client) send(ctx context.Context, cl *call, body []byte) answer {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var wrote atomic.Int64
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Add(1)
			}
		},
	})
	r := c.rc.R().SetContext(actx)
	if cl.query != nil {
		r.SetQueryParamsFromValues(cl.query)
	}
	if body != nil {
		r.SetHeader("Content-Type", "application/json").SetBody(body)
	}
	resp, err := r.Execute(cl.method, cl.path)
	// An attempt is one request even when nothing was written (the connection
	// was refused); net/http's own re-sends on a dead connection add theirs.
	c.requests.Add(max(wrote.Load(), 1))
	if err != nil {
		a := answer{err: err}
		// A body cut short is a transport failure (status 0); only an oversized
		// one keeps its status for the message.
		if errors.Is(err, resty.ErrResponseBodyTooLarge) && resp != nil && resp.RawResponse != nil {
			a.status = resp.StatusCode()
			a.contentType = resp.Header().Get("Content-Type")
		}
		return a
	}
	return answer{
		status:      resp.StatusCode(),
		header:      resp.Header(),
		contentType: resp.Header().Get("Content-Type"),
		body:        resp.Body(),
	}
}

// failure turns an attempt without a 2xx answer into its error; nil for a 2xx.
func (c *Client) failure(cl *call, a answer) error {
	if errors.Is(a.err, resty.ErrResponseBodyTooLarge) {
		return &DecodeError{Method: cl.method, Path: cl.path, Status: a.status, ContentType: a.contentType, Err: errTooLarge}
	}
	if a.err != nil {
		return &NetworkError{Method: cl.method, Path: cl.path, URL: c.baseURL, Timeout: c.timeout, Err: a.err, scrub: c.scrub}
	}
	if a.status >= 200 && a.status < 300 {
		return nil
	}
	e := apiError(cl.method, cl.path, a.status, a.contentType, a.body, c.scrub)
	if a.status >= 300 && a.status < 400 {
		to := "elsewhere"
		if loc := a.header.Get("Location"); loc != "" {
			to = "to " + oneLine(c.scrub(redactURL(loc)), 200)
		}
		e.Message = "unexpected redirect " + to + "; check the API URL"
	}
	return e
}

// decode reads a 2xx body into cl.out.
func (c *Client) decode(cl *call, a answer) error {
	fail := func(err error) error {
		return &DecodeError{Method: cl.method, Path: cl.path, Status: a.status,
			ContentType: oneLine(c.scrub(a.contentType), 100), Size: len(a.body), Err: err,
			reason: oneLine(c.scrub(jsonReason(err)), 200), jsonLike: looksLikeJSON(a.body)}
	}
	empty := len(bytes.TrimSpace(a.body)) == 0
	if cl.out == nil {
		// A batch write's 2xx is what counts; its body is only checked when there
		// is one, since the caller verifies by reading back anyway.
		if empty {
			return nil
		}
		var st statusResponse
		if err := json.Unmarshal(a.body, &st); err != nil {
			return fail(err)
		}
		if st.Status != nil && !*st.Status {
			return fmt.Errorf("%s %s: %d response says {\"status\": false}", cl.method, cl.path, a.status)
		}
		return nil
	}
	if empty {
		return fail(errors.New("empty body"))
	}
	if err := json.Unmarshal(a.body, cl.out); err != nil {
		return fail(err)
	}
	return nil
}

// withAttempts records on the final error how many attempts were made.
func withAttempts(err error, n int) error {
	switch e := err.(type) {
	case *APIError:
		cp := *e
		cp.Attempts = n
		return &cp
	case *NetworkError:
		cp := *e
		cp.Attempts = n
		return &cp
	}
	return err
}

// readableQuery undoes the escaping of the characters KeyCRM's filters are
// written with, so -v shows filter[offers_sku]=A,B rather than percent codes.
func readableQuery(q string) string {
	return strings.NewReplacer("%5B", "[", "%5D", "]", "%2C", ",").Replace(q)
}

// redactURL drops credentials, query and fragment from a URL for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	u.RawQuery, u.ForceQuery, u.Fragment = "", false, ""
	return u.String()
}

// silentLogger keeps resty from writing to stderr.
type silentLogger struct{}

func (silentLogger) Errorf(string, ...any) {}
func (silentLogger) Warnf(string, ...any)  {}
func (silentLogger) Debugf(string, ...any) {}
