package keycrm

import (
	"context"
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

// pacer spaces request starts at least interval apart, interval being a minute
// divided by the budget and rounded up to the nanosecond. Then any N+1 starts
// span at least a minute, so no half-open window (t-60s, t] holds more than N.
//
// It is not golang.org/x/time/rate: that limiter counts tokens in float64, and
// with burst 1 it can grant a start a nanosecond early, which breaks the window
// rule the CLI promises (TestPacerWindow catches it). Integer times are exact.
type pacer struct {
	clock    clock
	interval time.Duration

	mu   sync.Mutex
	next time.Time // earliest start of the next request
}

func newPacer(perMinute int, c clock) *pacer {
	n := time.Duration(perMinute)
	return &pacer{clock: c, interval: (time.Minute + n - 1) / n}
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
	p.next = start.Add(p.interval)
	p.mu.Unlock()

	if err := p.clock.Sleep(ctx, start.Sub(now)); err != nil {
		p.mu.Lock()
		if p.next.Equal(start.Add(p.interval)) {
			p.next = start
		}
		p.mu.Unlock()
		return err
	}
	return nil
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
