package keycrm

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
)

// Sentinel errors, for errors.Is.
var (
	// ErrUnauthorized matches a 401: the API key is missing, wrong or revoked.
	ErrUnauthorized = errors.New("the API key was rejected")
	// ErrNotFound matches a 404: the product (or other id) is not in the account.
	ErrNotFound = errors.New("not found")
	// ErrRateLimited matches a 429; the client returns one only once retries ran
	// out.
	ErrRateLimited = errors.New("rate limit hit")
	// ErrNoAPIKey is returned by New without a key.
	ErrNoAPIKey = errors.New("no API key")
	// ErrCommaInFilter: a comma separates list-filter values, so a value holding
	// one cannot be filtered on; read everything and match locally instead.
	ErrCommaInFilter = errors.New("contains a comma, the list-filter separator")
	// ErrFilterValueTooLong: the value alone does not fit in a request URL.
	ErrFilterValueTooLong = errors.New("too long to fit in a request URL")
	// ErrBatchSize: a batch is empty or larger than the endpoint accepts.
	ErrBatchSize = errors.New("batch size out of range")
)

// keyHint tells an operator how to give the tool a key (cli.md section 1).
const keyHint = "set KEYCRM_API_KEY or pass --api-key-file FILE"

// APIError is a non-2xx answer from KeyCRM. Path is the request path below the
// base URL, without the query (it may hold SKUs). Fields is the 422 body's
// "errors" object: field path (e.g. "stocks.3.sku") to messages.
type APIError struct {
	Status  int
	Method  string
	Path    string
	Message string
	Fields  map[string][]string
	// Attempts is how many times the request was sent, retries included.
	Attempts int
}

// maxFieldsShown bounds the field errors Error prints: a 10,000-item batch can
// fail on thousands of items, and the message must stay one readable line. All of
// them are in Fields.
const maxFieldsShown = 3

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d ", e.Method, e.Path, e.Status)
	switch e.Status {
	case http.StatusUnauthorized:
		b.WriteString(ErrUnauthorized.Error())
		if e.Message != "" {
			fmt.Fprintf(&b, " (%s)", e.Message)
		}
		b.WriteString("; " + keyHint)
		return b.String()
	case http.StatusTooManyRequests:
		b.WriteString(ErrRateLimited.Error())
		if e.Message != "" {
			fmt.Fprintf(&b, " (%s)", e.Message)
		}
		b.WriteString("; another process may be using the same key, or --rate is above the account's limit")
	default:
		msg := e.Message
		if msg == "" {
			msg = http.StatusText(e.Status)
		}
		b.WriteString(msg)
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return naturalLess(keys[i], keys[j]) })
		b.WriteString(" (")
		for i, k := range keys {
			if i == maxFieldsShown {
				fmt.Fprintf(&b, "; and %d more", len(keys)-i)
				break
			}
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s: %s", k, strings.Join(e.Fields[k], " "))
		}
		b.WriteString(")")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, "; gave up after %d attempts", e.Attempts)
	}
	return b.String()
}

// Is matches ErrUnauthorized (401), ErrNotFound (404) and ErrRateLimited (429).
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	}
	return false
}

// ItemIndexes returns the positions of the batch items a 422 names, for a batch
// field such as "stocks" or "offers": keys "stocks.3.sku" and "stocks.3.quantity"
// give 3. The caller can drop those items and send the rest once more.
func (e *APIError) ItemIndexes(field string) []int {
	prefix := field + "."
	seen := map[int]bool{}
	var idx []int
	for k := range e.Fields {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 || seen[n] {
			continue
		}
		seen[n] = true
		idx = append(idx, n)
	}
	sort.Ints(idx)
	return idx
}

// naturalLess orders "stocks.2.sku" before "stocks.10.sku".
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := leadingDigits(a), leadingDigits(b)
		if da > 0 && db > 0 {
			na, _ := strconv.Atoi(a[:da])
			nb, _ := strconv.Atoi(b[:db])
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func leadingDigits(s string) int {
	n := 0
	for n < len(s) && n < 9 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// DecodeError is a 2xx answer whose body is not the JSON the contract promises:
// empty, not JSON at all (a proxy's or captive portal's HTML page), cut short, or
// JSON of the wrong shape. It never quotes the body: a proxy's page may echo the
// request, key included.
type DecodeError struct {
	Method, Path string
	Status       int
	ContentType  string
	// Size is the length of the body in bytes.
	Size int
	Err  error
	// reason is Err in words, with the key removed: a decoding error can quote
	// the body.
	reason string
	// jsonLike is set when the body starts like JSON whatever its content type.
	jsonLike bool
}

// errTooLarge is a body beyond maxResponse.
var errTooLarge = fmt.Errorf("larger than %d MiB", maxResponse>>20)

func (e *DecodeError) Error() string {
	prefix := fmt.Sprintf("%s %s: %d response", e.Method, e.Path, e.Status)
	switch {
	case errors.Is(e.Err, errTooLarge):
		return prefix + " is " + errTooLarge.Error() + "; check the API URL"
	case e.Size == 0:
		return prefix + " has an empty body"
	case !isJSONType(e.ContentType) && !e.jsonLike:
		return fmt.Sprintf("%s is not JSON (content type %s, %d bytes)", prefix, orNone(e.ContentType), e.Size)
	}
	reason := e.reason
	if reason == "" {
		reason = oneLine(jsonReason(e.Err), 200)
	}
	var syntax *json.SyntaxError
	if errors.As(e.Err, &syntax) {
		return fmt.Sprintf("%s is not valid JSON: %s", prefix, reason)
	}
	return fmt.Sprintf("%s is malformed: %s", prefix, reason)
}

// jsonReason says what was wrong in the contract's words rather than Go's: a
// type error names the field and the JSON kinds instead of Go types. The text
// is not cut, so that it can be scrubbed first.
func jsonReason(err error) string {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err.Error()
	}
	want := "a string"
	switch te.Type.Kind() {
	case reflect.Slice, reflect.Array:
		want = "an array"
	case reflect.Struct, reflect.Map:
		want = "an object"
	case reflect.Bool:
		want = "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want = "an integer"
	case reflect.Float32, reflect.Float64:
		want = "a number"
	}
	field := te.Field
	if field == "" {
		field = "the body"
	}
	return fmt.Sprintf("%s is %s, want %s", field, te.Value, want)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// netKind sorts transport failures by what to do about them.
type netKind int

const (
	netOther   netKind = iota
	netRefused         // nothing listens at the address
	netDNS             // the host name does not resolve
	netTimeout         // no answer within the per-attempt timeout
	netLost            // the connection dropped mid-exchange
	netTLS             // certificate rejected: retrying cannot help
)

func kindOf(err error) netKind {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return netRefused
	case errors.As(err, &dnsErr):
		return netDNS
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalid):
		return netTLS
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return netTimeout
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return netLost
	}
	return netOther
}

// NetworkError is a request that got no complete HTTP answer. URL is the base URL
// (without credentials); the request's query is never part of the message.
type NetworkError struct {
	Method, Path string
	URL          string
	// Timeout is the per-attempt limit, for the message of a timeout.
	Timeout time.Duration
	// Attempts is how many times the request was sent, retries included.
	Attempts int
	Err      error
	// scrub removes credentials from the cause's text, which can quote what a
	// server sent (a malformed status line); nil leaves it as it is.
	scrub func(string) string
}

func (e *NetworkError) Error() string {
	var msg string
	switch kindOf(e.Err) {
	case netRefused:
		msg = fmt.Sprintf("cannot connect to %s: connection refused", e.URL)
	case netDNS:
		msg = fmt.Sprintf("cannot connect to %s: %s", e.URL, dnsReason(e.Err))
	case netTLS:
		msg = fmt.Sprintf("cannot connect to %s: certificate rejected: %s", e.URL, e.cause())
	case netTimeout:
		msg = fmt.Sprintf("%s %s: no response from %s within %s", e.Method, e.Path, e.URL, e.Timeout)
	case netLost:
		msg = fmt.Sprintf("%s %s: connection to %s lost: %s", e.Method, e.Path, e.URL, e.cause())
	default:
		msg = fmt.Sprintf("%s %s: request to %s failed: %s", e.Method, e.Path, e.URL, e.cause())
	}
	if e.Attempts > 1 {
		msg += fmt.Sprintf("; gave up after %d attempts", e.Attempts)
	}
	return msg
}

func (e *NetworkError) Unwrap() error { return e.Err }

func dnsReason(err error) string {
	var dnsErr *net.DNSError
	errors.As(err, &dnsErr)
	if dnsErr.IsNotFound {
		return fmt.Sprintf("host %s not found", dnsErr.Name)
	}
	return fmt.Sprintf("cannot resolve %s: %s", dnsErr.Name, dnsErr.Err)
}

// cause is the innermost useful text of the transport error, scrubbed before it
// is cut, so a cut can never leave part of a key behind.
func (e *NetworkError) cause() string {
	s := rawCause(e.Err)
	if e.scrub != nil {
		s = e.scrub(s)
	}
	return oneLine(s, 200)
}

// rawCause is the innermost useful text of a transport error. url.Error is peeled
// off because its message repeats the full URL, query values included.
func rawCause(err error) string {
	var errno syscall.Errno
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &certErr):
		return certErr.Err.Error()
	case errors.As(err, &errno):
		return errno.Error()
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "response cut short"
	case errors.Is(err, io.EOF):
		return "server closed the connection"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// IsUnreachable reports whether err means the API could not be reached at all:
// connection refused or an unknown host. The CLI uses it to suggest checking
// --api-url.
func IsUnreachable(err error) bool {
	var ne *NetworkError
	if !errors.As(err, &ne) {
		return false
	}
	k := kindOf(ne.Err)
	return k == netRefused || k == netDNS
}

// errorBody is KeyCRM's error JSON: a message and, on 422, the failed fields.
type errorBody struct {
	Message string                     `json:"message"`
	Errors  map[string]json.RawMessage `json:"errors"`
}

// apiError builds the error of a non-2xx answer. Only the body's message and
// field errors are kept, each scrubbed before it is cut: a body can echo the
// request, and a key cut in half would no longer be recognised. A body that is
// not the expected JSON is described, never quoted.
func apiError(method, path string, status int, contentType string, body []byte, scrub func(string) string) *APIError {
	e := &APIError{Status: status, Method: method, Path: path}
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err != nil {
		if len(bytes.TrimSpace(body)) > 0 {
			e.Message = fmt.Sprintf("%s (non-JSON %s body, %d bytes)", http.StatusText(status), orNone(oneLine(scrub(contentType), 100)), len(body))
		}
		return e
	}
	e.Message = oneLine(scrub(eb.Message), 300)
	for k, raw := range eb.Errors {
		var msgs []string
		if err := json.Unmarshal(raw, &msgs); err != nil {
			var one string
			if err := json.Unmarshal(raw, &one); err != nil {
				one = string(raw)
			}
			msgs = []string{one}
		}
		for i := range msgs {
			msgs[i] = oneLine(scrub(msgs[i]), 300)
		}
		if e.Fields == nil {
			e.Fields = map[string][]string{}
		}
		name := oneLine(scrub(k), 100)
		e.Fields[name] = append(e.Fields[name], msgs...)
	}
	return e
}

func orNone(s string) string {
	if s == "" {
		return "untyped"
	}
	return s
}

// oneLine collapses whitespace, drops control characters and invalid UTF-8, and
// cuts s to at most max runes (the last one "…" when cut), so a message always
// fits on one line.
func oneLine(s string, max int) string {
	var out []rune
	space := false
	for _, r := range strings.ToValidUTF8(s, "") {
		if len(out) > max {
			break // enough to know it gets cut
		}
		switch {
		case unicode.IsSpace(r):
			space = len(out) > 0
		case unicode.IsPrint(r):
			if space {
				out = append(out, ' ')
				space = false
			}
			out = append(out, r)
		}
	}
	if len(out) > max {
		out = append(out[:max-1], '…')
	}
	return string(out)
}

// isJSONType reports a JSON media type (application/json, application/problem+json).
func isJSONType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// looksLikeJSON reports a body that starts as a JSON object or array.
func looksLikeJSON(body []byte) bool {
	body = bytes.TrimSpace(body)
	return len(body) > 0 && (body[0] == '{' || body[0] == '[')
}
