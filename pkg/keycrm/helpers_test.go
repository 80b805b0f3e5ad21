package keycrm

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKey is the API key every test client sends. It is distinctive so a leak
// into any output is found by a plain substring search.
const testKey = "kc-7f3a9e21-SECRET-d41d8cd98f00"

// fakeClock is a clock whose Sleep returns at once and moves time forward, so
// pacing and backoff are exercised without waiting.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if d > 0 {
		f.now = f.now.Add(d)
		f.sleeps = append(f.sleeps, d)
	}
	return nil
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// Slept is the total of the Sleep calls so far.
func (f *fakeClock) Slept() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var sum time.Duration
	for _, d := range f.sleeps {
		sum += d
	}
	return sum
}

// recorder keeps every OnRequest call; testOptions checks them all for the key
// when the test ends.
type recorder struct {
	mu    sync.Mutex
	infos []RequestInfo
}

func (r *recorder) add(i RequestInfo) {
	r.mu.Lock()
	r.infos = append(r.infos, i)
	r.mu.Unlock()
}

func (r *recorder) all() []RequestInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]RequestInfo(nil), r.infos...)
}

// testOptions are the options of a test client: fast fake time, fixed jitter,
// and a recorder checked for the key when the test ends.
func testOptions(t *testing.T, baseURL string) (Options, *fakeClock, *recorder) {
	t.Helper()
	clk := newFakeClock()
	rec := &recorder{}
	t.Cleanup(func() {
		for _, info := range rec.all() {
			assertNoKey(t, "OnRequest", fmt.Sprintf("%+v %#v %v", info, info, info.Err))
		}
	})
	return Options{
		BaseURL:   baseURL,
		APIKey:    testKey,
		Timeout:   5 * time.Second,
		OnRequest: rec.add,
		clock:     clk,
		jitter:    func() float64 { return 0.5 },
	}, clk, rec
}

func newTestClient(t *testing.T, opt Options) *Client {
	t.Helper()
	c, err := New(opt)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	assertNoKey(t, "client dump", fmt.Sprintf("%v %+v %#v", c, c, c))
	return c
}

func assertNoKey(t *testing.T, where, text string) {
	t.Helper()
	if strings.Contains(text, testKey) {
		t.Errorf("%s contains the API key: %s", where, text)
	}
}

// assertErrText checks err is set and its message is one line without the key,
// and returns the message.
func assertErrText(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	msg := err.Error()
	assertNoKey(t, "error", msg)
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error is not one line: %q", msg)
	}
	return msg
}

// keyChecked wraps a test server handler with checks that the key travels in the
// Authorization header only, with Accept: application/json.
func keyChecked(t *testing.T, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
			t.Errorf("Authorization header = %q", got)
		}
		if r.Header.Get("Accept") != "application/json" {
			t.Errorf("Accept header = %q", r.Header.Get("Accept"))
		}
		if strings.Contains(r.URL.String(), testKey) {
			t.Errorf("key in URL %s", r.URL)
		}
		h(w, r)
	}
}
