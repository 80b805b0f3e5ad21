// Package apispec embeds the KeyCRM API contract (openapi.yaml) and checks HTTP
// exchanges against it. The client's and the emulator's tests route every request
// through a validating transport, so a drift between client, emulator and contract
// fails a test instead of reaching a customer's account.
package apispec

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Document is the contract: a copy of shared/keycrm/openapi.yaml (go:embed cannot
// reach outside the module).
//
//go:embed openapi.yaml
var Document []byte

// Load parses and validates the embedded document. Each call returns a fresh copy,
// because a validator rewrites the document's server list.
func Load() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(Document)
	if err != nil {
		return nil, fmt.Errorf("parse openapi.yaml: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("validate openapi.yaml: %w", err)
	}
	return doc, nil
}

// A Validator checks requests and responses of one server against the contract.
type Validator struct {
	router routers.Router
}

// NewValidator returns a validator for a server whose API root is baseURL (for the
// emulator, "http://127.0.0.1:PORT/v1"). The document names only the production host,
// so the router is rebuilt for baseURL or every route would be unknown.
func NewValidator(baseURL string) (*Validator, error) {
	doc, err := Load()
	if err != nil {
		return nil, err
	}
	doc.Servers = openapi3.Servers{{URL: strings.TrimSuffix(baseURL, "/")}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("build router: %w", err)
	}
	return &Validator{router: router}, nil
}

func (v *Validator) route(req *http.Request) (*routers.Route, map[string]string, error) {
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: no operation in the contract: %w", req.Method, req.URL.Path, err)
	}
	return route, params, nil
}

// Request validates a request the client is about to send; body is its payload
// (nil for none). Besides the schema it rejects query parameters the operation does
// not declare: KeyCRM silently ignores unknown filters, so a misspelt one would
// return the whole catalogue instead of an error.
func (v *Validator) Request(req *http.Request, body []byte) error {
	route, params, err := v.route(req)
	if err != nil {
		return err
	}
	declared := map[string]bool{}
	for _, p := range append(route.PathItem.Parameters, route.Operation.Parameters...) {
		if p.Value != nil && p.Value.In == "query" {
			declared[p.Value.Name] = true
		}
	}
	var unknown []string
	for name := range req.URL.Query() {
		if !declared[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("%s %s: query parameters not in the contract: %s", req.Method, route.Path, strings.Join(unknown, ", "))
	}
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(body))
	input := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
			SkipSettingDefaults: true,
			MultiError:          true,
		},
	}
	if err := openapi3filter.ValidateRequest(context.Background(), input); err != nil {
		return fmt.Errorf("%s %s: request breaks the contract: %w", req.Method, route.Path, err)
	}
	return nil
}

// Response validates a response to req. Statuses the operation does not document
// are errors.
func (v *Validator) Response(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := v.route(req)
	if err != nil {
		return err
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      route,
		},
		Status: status,
		Header: header,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return fmt.Errorf("%s %s: %d response breaks the contract: %w", req.Method, route.Path, status, err)
	}
	return nil
}

// Transport is an http.RoundTripper that validates every exchange and passes it on
// unchanged. Violations go to Report (a test's Errorf); transport errors are not
// violations and are returned as they are.
type Transport struct {
	Base      http.RoundTripper
	Validator *Validator
	Report    func(error)
	// SkipRequests turns off request checks, for tests that send malformed requests
	// on purpose to see the emulator's answer.
	SkipRequests bool
	// AllowFaults accepts 500 and 502 answers, which the contract does not
	// document and the emulator sends only when fault injection asks for them
	// (502 is the echoing gateway).
	AllowFaults bool
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	if !t.SkipRequests && !isAdmin(req) {
		if err := t.Validator.Request(req, body); err != nil {
			t.Report(err)
		}
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if isAdmin(req) {
		return resp, nil
	}
	data, readErr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if readErr != nil {
		// A cut-off body is a network fault, not a contract violation: hand the
		// client what arrived and the error, as the wire would.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data), errReader{readErr}))
		return resp, nil
	}
	if (resp.StatusCode == http.StatusInternalServerError || resp.StatusCode == http.StatusBadGateway) && t.AllowFaults {
		return resp, nil
	}
	if err := t.Validator.Response(req, resp.StatusCode, resp.Header, data); err != nil {
		t.Report(err)
	}
	return resp, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// isAdmin reports the emulator's own endpoints, which are outside the contract.
func isAdmin(req *http.Request) bool {
	return strings.HasPrefix(req.URL.Path, "/__mock/")
}
