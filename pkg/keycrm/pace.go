package keycrm

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clock is time as the client sees it. Tests swap in a fake one so pacing and
// backoff are checked without waiting.
type clock interface {
	Now() time.Time
	// Sleep waits for d, returning early with ctx's error when ctx ends.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// rateWindow is the span KeyCRM's budget is counted over.
const rateWindow = time.Minute

// windowMargin is added to rateWindow when pacing. The server counts a request
// when it arrives, not when we start it: a slow first request (a new TLS
// connection) arrives late and a quick one a minute later arrives early, so
// starts exactly a minute apart can land inside one server minute. Laravel's
// throttle also counts in whole seconds. Two seconds covers both.
const windowMargin = 2 * time.Second

// pacer decides when each request may start. Starts are spaced at least
// interval apart, interval being the window plus margin divided by the budget,
// rounded up to the nanosecond; then any N+1 starts span more than the window
// plus margin. Every attempt goes through it, retries included, and each start
// is booked when granted, so the count is from request starts.
//
// It also honours the server's own count: when an answer says
// X-RateLimit-Remaining is lower than our bookings explain (another process on
// the same key, or a smaller budget than --rate), the difference is booked as
// phantom starts at the time of the answer, so the next starts wait until the
// server's window has room. X-RateLimit-Limit below the budget lowers it.
//
// It is not golang.org/x/time/rate: that limiter counts tokens in float64, and
// with burst 1 it can grant a start a nanosecond early, which breaks the window
// rule the CLI promises (TestPacerWindow catches it). Integer times are exact.
type pacer struct {
	clock    clock
	budget   int
	interval time.Duration
	span     time.Duration // rateWindow + windowMargin

	mu   sync.Mutex
	next time.Time // earliest start of the next request
	// booked holds, in order, the starts (own and phantom) less than span ago
	// or still to come.
	booked []time.Time
	// serverLimit is the budget the server announced, 0 until it does.
	serverLimit int
}

func newPacer(perMinute int, c clock) *pacer {
	n := time.Duration(perMinute)
	span := rateWindow + windowMargin
	return &pacer{clock: c, budget: perMinute, interval: (span + n - 1) / n, span: span}
}

// limit is the number of starts allowed within span.
func (p *pacer) limit() int {
	if p.serverLimit > 0 && p.serverLimit < p.budget {
		return p.serverLimit
	}
	return p.budget
}

// prune forgets bookings that no longer count at t.
func (p *pacer) prune(t time.Time) {
	i := 0
	for i < len(p.booked) && !p.booked[i].After(t.Add(-p.span)) {
		i++
	}
	p.booked = slices.Delete(p.booked, 0, i)
}

// wait blocks until the caller may start a request and books that start. If ctx
// ends first the booking is given back when no later one depends on it.
func (p *pacer) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	now := p.clock.Now()
	start := p.next
	if start.Before(now) {
		start = now
	}
	p.prune(now)
	// Room in the window: the booking limit() places back must have left it.
	if over := len(p.booked) - p.limit() + 1; over > 0 {
		start = maxTime(start, p.booked[over-1].Add(p.span))
	}
	p.next = start.Add(p.interval)
	at, _ := slices.BinarySearchFunc(p.booked, start, time.Time.Compare)
	p.booked = slices.Insert(p.booked, at, start)
	p.mu.Unlock()

	if err := p.clock.Sleep(ctx, start.Sub(now)); err != nil {
		p.mu.Lock()
		if p.next.Equal(start.Add(p.interval)) {
			p.next = start
		}
		if i := slices.IndexFunc(p.booked, start.Equal); i >= 0 {
			p.booked = slices.Delete(p.booked, i, i+1)
		}
		p.mu.Unlock()
		return err
	}
	return nil
}

// observe takes in the budget headers of an answer to a request started at
// started and answered at answered.
func (p *pacer) observe(h http.Header, started, answered time.Time) {
	limit, limitOK := headerCount(h.Get("X-RateLimit-Limit"))
	remaining, remainingOK := headerCount(h.Get("X-RateLimit-Remaining"))
	if !limitOK && !remainingOK {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if limitOK && limit > 0 {
		p.serverLimit = limit
	}
	if !remainingOK {
		return
	}
	// Our own starts the server can have counted by the time it answered.
	ours := 0
	for _, t := range p.booked {
		if t.After(started.Add(-rateWindow)) && !t.After(started) {
			ours++
		}
	}
	phantoms := p.limit() - ours - remaining
	for range max(phantoms, 0) {
		at, _ := slices.BinarySearchFunc(p.booked, answered, time.Time.Compare)
		p.booked = slices.Insert(p.booked, at, answered)
	}
}

// headerCount reads a non-negative count header; ok is false when it is absent
// or not a count.
func headerCount(v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil && n >= 0
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// holdUntil keeps every request from starting before t. After a 429 with
// Retry-After the pause applies to the whole process, not just the request that
// was refused: the budget is per key.
func (p *pacer) holdUntil(t time.Time) {
	p.mu.Lock()
	if p.next.Before(t) {
		p.next = t
	}
	p.mu.Unlock()
}
