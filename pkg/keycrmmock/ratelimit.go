package keycrmmock

import (
	"math"
	"time"
)

// window is the rate limit: at most limit accepted requests in any half-open
// minute (t-60s, t]. It remembers the times of the last limit accepted requests
// in a ring, so each check is O(1); refused requests are not remembered and so
// do not count.
type window struct {
	limit int
	times []time.Time // grows to limit, then used as a ring
	next  int         // once full, the slot of the oldest time
}

func newWindow(limit int) *window { return &window{limit: limit} }

// admit records a request at now if the window has room. Otherwise it returns
// the whole seconds until the oldest remembered request leaves the window,
// at least 1, for Retry-After.
func (w *window) admit(now time.Time) (retryAfter int, ok bool) {
	if w.limit <= 0 {
		return 0, true
	}
	if len(w.times) < w.limit {
		w.times = append(w.times, now)
		return 0, true
	}
	oldest := w.times[w.next]
	if free := oldest.Add(time.Minute); free.After(now) {
		return max(1, int(math.Ceil(free.Sub(now).Seconds()))), false
	}
	w.times[w.next] = now
	w.next = (w.next + 1) % w.limit
	return 0, true
}

// remaining is how many more requests the window would admit at now.
func (w *window) remaining(now time.Time) int {
	inWindow := 0
	for _, t := range w.times {
		if t.Add(time.Minute).After(now) {
			inWindow++
		}
	}
	return w.limit - inWindow
}
