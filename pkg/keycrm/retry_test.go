package keycrm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"
)

// Transport errors as net/http reports them, wrapped in url.Error.
func urlErr(err error) error {
	return &url.Error{Op: "Get", URL: "http://127.0.0.1:1/v1/offers?filter%5Bsku%5D=A", Err: err}
}

var (
	errRefused = urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}})
	errDNS     = urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "keycrm.invalid", IsNotFound: true}})
	errTimeout = urlErr(context.DeadlineExceeded)
	errReset   = urlErr(&net.OpError{Op: "read", Net: "tcp", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}})
	errEOF     = urlErr(io.EOF)
	errCut     = io.ErrUnexpectedEOF
	errCert    = urlErr(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}})
	errOther   = urlErr(fmt.Errorf("proxyconnect tcp: something odd"))
)

func TestShouldRetry(t *testing.T) {
	type row struct {
		status int
		err    error
		first  bool
		// want per method: GET, PUT, POST
		get, put, post bool
	}
	rows := map[string]row{
		"429":                  {status: 429, get: true, put: true, post: true},
		"429 first":            {status: 429, first: true, get: true, put: true, post: true},
		"500":                  {status: 500, get: true, put: true, post: false},
		"502":                  {status: 502, get: true, put: true, post: false},
		"503":                  {status: 503, get: true, put: true, post: false},
		"504":                  {status: 504, get: true, put: true, post: false},
		"400":                  {status: 400},
		"401":                  {status: 401},
		"403":                  {status: 403},
		"404":                  {status: 404},
		"422":                  {status: 422},
		"301":                  {status: 301},
		"refused first":        {err: errRefused, first: true},
		"refused later":        {err: errRefused, get: true, put: true},
		"dns first":            {err: errDNS, first: true},
		"dns later":            {err: errDNS, get: true, put: true},
		"timeout first":        {err: errTimeout, first: true, get: true, put: true},
		"timeout":              {err: errTimeout, get: true, put: true},
		"reset":                {err: errReset, get: true, put: true},
		"reset first":          {err: errReset, first: true, get: true, put: true},
		"eof":                  {err: errEOF, get: true, put: true},
		"body cut short":       {err: errCut, get: true, put: true},
		"certificate rejected": {err: errCert},
		"other network error":  {err: errOther, get: true, put: true},
	}
	for name, r := range rows {
		for method, want := range map[string]bool{http.MethodGet: r.get, http.MethodPut: r.put, http.MethodPost: r.post} {
			status := r.status
			if r.err != nil {
				status = 0
			}
			if got := shouldRetry(method, status, r.err, r.first); got != want {
				t.Errorf("%s %s: shouldRetry = %v, want %v", method, name, got, want)
			}
		}
	}
}

func TestRetryDelay(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	fixed := func(f float64) func() float64 { return func() float64 { return f } }
	tests := []struct {
		name       string
		attempt    int
		retryAfter string
		rnd        float64
		want       time.Duration
	}{
		{"seconds", 1, "5", 0.5, 5 * time.Second},
		{"seconds with spaces", 3, " 7 ", 0.5, 7 * time.Second},
		{"zero seconds", 2, "0", 0.5, 0},
		{"seconds capped", 1, "3600", 0.5, maxRetryAfter},
		{"huge seconds capped", 1, "99999999999999999999", 0.5, maxRetryAfter},
		{"http date", 1, date(30 * time.Second), 0.9, 30 * time.Second},
		{"http date in the past", 1, date(-time.Hour), 0.9, 0},
		{"http date capped", 1, date(time.Hour), 0.9, maxRetryAfter},
		{"absent, retry 1, low jitter", 1, "", 0, time.Second},
		{"absent, retry 1, high jitter", 1, "", 0.999, 1999 * time.Millisecond},
		{"absent, retry 2", 2, "", 0.5, 3 * time.Second},
		{"absent, retry 3", 3, "", 0, 4 * time.Second},
		{"absent, retry 4", 4, "", 0.5, 12 * time.Second},
		{"absent, retry 5 capped", 5, "", 0, 15 * time.Second},
		{"absent, retry 5 capped high", 5, "", 0.999, 29985 * time.Millisecond},
		{"absent, retry 60 capped", 60, "", 0.5, 22500 * time.Millisecond},
		{"attempt 0 treated as 1", 0, "", 0, time.Second},
		{"garbage", 2, "soon", 0, 2 * time.Second},
		{"negative", 2, "-5", 0, 2 * time.Second},
		{"fraction", 2, "1.5", 0, 2 * time.Second},
	}
	for _, tt := range tests {
		got := retryDelay(tt.attempt, tt.retryAfter, now, fixed(tt.rnd))
		if got != tt.want {
			t.Errorf("%s: retryDelay(%d, %q) = %s, want %s", tt.name, tt.attempt, tt.retryAfter, got, tt.want)
		}
	}
}

func exponential(attempt int, rnd float64) time.Duration {
	return retryDelay(attempt, "", time.Time{}, func() float64 { return rnd })
}

// TestRetryDelayBounds sweeps the jitter: every delay lies in [d/2, d) with d
// the capped exponential step, and the cap is never exceeded.
func TestRetryDelayBounds(t *testing.T) {
	for attempt := 1; attempt <= 12; attempt++ {
		d := min(time.Second<<min(attempt, 10), backoffCap)
		for _, r := range []float64{0, 0.1, 0.25, 0.5, 0.75, 0.9999999} {
			got := exponential(attempt, r)
			if got < d/2 || got >= d {
				t.Errorf("attempt %d rnd %g: %s outside [%s, %s)", attempt, r, got, d/2, d)
			}
		}
	}
}
