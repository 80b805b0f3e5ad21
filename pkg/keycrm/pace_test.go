package keycrm

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"
)

// maxInWindow is the largest number of starts in any half-open window
// (t-span, t]. Windows worth checking end at a start, so each start is tried as
// the right edge.
func maxInWindow(starts []time.Time, span time.Duration) int {
	best, lo := 0, 0
	for hi := range starts {
		for !starts[lo].After(starts[hi].Add(-span)) {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

func TestMaxInWindow(t *testing.T) {
	t0 := time.Unix(0, 0)
	at := func(ds ...time.Duration) []time.Time {
		var s []time.Time
		for _, d := range ds {
			s = append(s, t0.Add(d))
		}
		return s
	}
	// A start exactly 60s before another is outside the window (half-open).
	if got := maxInWindow(at(0, time.Minute), time.Minute); got != 1 {
		t.Errorf("0s and 60s: %d in a window, want 1", got)
	}
	if got := maxInWindow(at(0, time.Minute-1), time.Minute); got != 2 {
		t.Errorf("0s and 60s-1ns: %d in a window, want 2", got)
	}
	if got := maxInWindow(at(0, 1, 2, time.Hour), time.Minute); got != 3 {
		t.Errorf("burst of 3: %d, want 3", got)
	}
}

// TestPacerWindow drives the pacer with irregular arrivals and 429 pauses and
// checks the CLI's promise with its safety margin: at most N starts in any
// rolling minute and two seconds, so never N+1 in a server's minute. The arrival
// pattern is one under which golang.org/x/time/rate (burst 1) grants a start a
// nanosecond early.
func TestPacerWindow(t *testing.T) {
	for _, n := range []int{1, 3, 7, 13, 20, 59, 60, 61, 97, 120, 1000} {
		clk := newFakeClock()
		clk.now = time.Unix(1000, 123456789)
		p := newPacer(n, clk)
		rnd := rand.New(rand.NewPCG(1, 2))
		var starts []time.Time
		for i := 0; i < 5*n+50; i++ {
			clk.Advance(time.Duration(rnd.Int64N(int64(90*time.Second) / int64(n))))
			if i%17 == 5 {
				// A 429 with Retry-After pauses everyone.
				p.holdUntil(clk.Now().Add(time.Duration(rnd.Int64N(int64(3 * time.Second)))))
			}
			if err := p.wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			starts = append(starts, clk.Now())
		}
		if got := maxInWindow(starts, rateWindow+windowMargin); got > n {
			t.Errorf("N=%d: %d starts in one minute and the margin", n, got)
		}
	}
}

// TestPacerUsesTheBudget checks the pacer is not needlessly slow: back-to-back
// callers get N starts within the first minute and margin, evenly spaced.
func TestPacerUsesTheBudget(t *testing.T) {
	for _, n := range []int{1, 7, 60, 1000} {
		clk := newFakeClock()
		p := newPacer(n, clk)
		var starts []time.Time
		for range 2*n + 1 {
			if err := p.wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			starts = append(starts, clk.Now())
		}
		if got := maxInWindow(starts, rateWindow+windowMargin); got != n {
			t.Errorf("N=%d: busiest minute and margin has %d starts, want exactly %d", n, got, n)
		}
		if span := starts[2*n].Sub(starts[0]); span > 2*(rateWindow+windowMargin)+time.Duration(2*n) {
			t.Errorf("N=%d: %d starts took %s, want about 2m4s", n, 2*n+1, span)
		}
	}
}

func TestPacerHoldAndCancel(t *testing.T) {
	clk := newFakeClock()
	p := newPacer(60, clk)
	t0 := clk.Now()
	p.holdUntil(t0.Add(10 * time.Second))
	if err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := clk.Now().Sub(t0); got != 10*time.Second {
		t.Errorf("after holdUntil(+10s) the start came at +%s", got)
	}
	// An earlier hold never moves the schedule back.
	p.holdUntil(t0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait with a cancelled context: %v", err)
	}
	// The cancelled wait booked nothing: the next start is one interval after
	// the last real one.
	if err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := clk.Now().Sub(t0), 10*time.Second+p.interval; got != want {
		t.Errorf("next start at +%s, want +%s", got, want)
	}
}

// cancelClock cancels the wait as soon as it would sleep.
type cancelClock struct{ *fakeClock }

func (cancelClock) Sleep(ctx context.Context, d time.Duration) error {
	if d > 0 {
		return context.Canceled
	}
	return nil
}

func TestPacerGivesBackACancelledSlot(t *testing.T) {
	clk := cancelClock{newFakeClock()}
	p := newPacer(60, clk)
	t0 := clk.Now()
	if err := p.wait(context.Background()); err != nil { // starts now
		t.Fatal(err)
	}
	if err := p.wait(context.Background()); err == nil { // would wait 1s: cancelled
		t.Fatal("want the cancelled wait to fail")
	}
	if want := t0.Add(p.interval); !p.next.Equal(want) {
		t.Errorf("after a cancelled wait next = %s, want %s (slot given back)", p.next.Sub(t0), want.Sub(t0))
	}
}

// startsUntil books starts one after another until the clock passes end and
// returns how many began before it.
func startsUntil(t *testing.T, p *pacer, clk *fakeClock, end time.Time) int {
	t.Helper()
	n := 0
	for {
		if err := p.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !clk.Now().Before(end) {
			return n
		}
		n++
	}
}

// startedPacer is a pacer with a budget of n that has granted its first start,
// at t0.
func startedPacer(t *testing.T, n int) (p *pacer, clk *fakeClock, t0 time.Time) {
	t.Helper()
	clk = newFakeClock()
	p = newPacer(n, clk)
	t0 = clk.Now()
	if err := p.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p, clk, t0
}

// TestPacerHonoursRemaining: another process spent 50 of the server's 60; after
// the first answer says 9 remain, only 9 more start before the window frees.
func TestPacerHonoursRemaining(t *testing.T) {
	p, clk, t0 := startedPacer(t, 60)
	clk.Advance(200 * time.Millisecond)
	p.observe(http.Header{"X-Ratelimit-Limit": {"60"}, "X-Ratelimit-Remaining": {"9"}}, t0, clk.Now())
	if got := 1 + startsUntil(t, p, clk, t0.Add(rateWindow+windowMargin)); got != 10 {
		t.Errorf("%d starts in the first window, want 1 + 9 remaining", got)
	}
}

// TestPacerLearnsTheServerLimit: a server announcing 5 a minute is paced at 5
// however high the budget.
func TestPacerLearnsTheServerLimit(t *testing.T) {
	p, clk, t0 := startedPacer(t, 600)
	p.observe(http.Header{"X-Ratelimit-Limit": {"5"}, "X-Ratelimit-Remaining": {"4"}}, t0, clk.Now())
	if got := 1 + startsUntil(t, p, clk, t0.Add(rateWindow+windowMargin)); got != 5 {
		t.Errorf("%d starts in the first window, want 5", got)
	}
	// Headers that are not counts change nothing.
	p.observe(http.Header{"X-Ratelimit-Limit": {"many"}, "X-Ratelimit-Remaining": {"-1"}}, clk.Now(), clk.Now())
	if p.limit() != 5 {
		t.Errorf("limit %d after unreadable headers, want 5", p.limit())
	}
}
