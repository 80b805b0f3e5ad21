package keycrm

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff settings (cli.md section 1 leaves the numbers to us). Retry n waits a
// random time in [d/2, d) with d = backoffBase × 2^n capped at backoffCap, so
// 1-2 s, 2-4 s, 4-8 s, 8-16 s, 15-30 s: five retries take at most about a minute,
// about the time KeyCRM's per-minute budget needs to refill. The randomness keeps
// several processes sharing a key from retrying in lockstep.
const (
	backoffBase = time.Second
	backoffCap  = 30 * time.Second
	// maxRetryAfter caps a server's Retry-After: a minute-based budget never
	// needs more than a minute or two, and a bogus header must not stall a run
	// for hours.
	maxRetryAfter = 120 * time.Second
)

// DefaultRetries is how many times a failed request is repeated when
// Options.Retries is nil.
const DefaultRetries = 5

// shouldRetry decides whether an attempt that failed may be repeated. status is
// the HTTP status, 0 when err (a transport error) says no answer came; first
// reports that this was the first attempt the Client ever made.
//
// GET reads and PUT writes absolute values, so repeating them is safe after a
// 429, a 5xx or a network error. POST creates things: only a 429 proves KeyCRM
// did nothing, so only a 429 is retried; after anything else the caller reads
// back and sends what is missing. Other 4xx answers will not change. A refused
// connection or unknown host on the very first attempt is almost always a wrong
// URL, so it fails at once instead of backing off for a minute; later in a run
// it is a blip worth retrying. A rejected certificate never heals by retrying.
func shouldRetry(method string, status int, err error, first bool) bool {
	if err == nil {
		switch {
		case status == http.StatusTooManyRequests:
			return true
		case status >= 500:
			return method != http.MethodPost
		}
		return false
	}
	if method == http.MethodPost {
		return false
	}
	switch kindOf(err) {
	case netRefused, netDNS:
		return !first
	case netTLS:
		return false
	}
	return true
}

// retryDelay is how long to wait before retry number attempt (1 for the first
// retry). A Retry-After header, in delta-seconds or as an HTTP date (relative to
// now), is obeyed up to maxRetryAfter; without a usable one the wait is
// exponential with jitter, rnd returning a number in [0, 1).
func retryDelay(attempt int, retryAfter string, now time.Time, rnd func() float64) time.Duration {
	if d, ok := parseRetryAfter(retryAfter, now); ok {
		return min(d, maxRetryAfter)
	}
	if attempt < 1 {
		attempt = 1
	}
	d := backoffCap
	if attempt < 6 { // 2^5 s already exceeds the cap
		d = min(backoffBase<<attempt, backoffCap)
	}
	half := d / 2
	return half + time.Duration(rnd()*float64(half))
}

func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil || secs > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true // too many digits for uint64 is still "long"
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
