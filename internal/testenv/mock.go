package testenv

import (
	"net/http/httptest"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/apispec"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrmmock"
)

// MockKey is the API key of emulators started by StartMock.
const MockKey = "testenv-key-7f3a"

// StartMock serves a fresh emulator with state until the test ends and returns it
// with a client pointed at it. Every exchange is checked against openapi.yaml (a
// violation fails the test); opt.APIKey is always MockKey. The client paces at
// 60,000 requests a minute: pacing has its own tests, these are about behaviour.
// tune, when given, adjusts the client's options (fewer retries for fault tests).
func StartMock(t testing.TB, state keycrmmock.State, opt keycrmmock.Options, tune ...func(*keycrm.Options)) (*keycrmmock.Server, *keycrm.Client) {
	t.Helper()
	opt.APIKey = MockKey
	mock := keycrmmock.New(state, opt)
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	base := srv.URL + "/v1"
	v, err := apispec.NewValidator(base)
	if err != nil {
		t.Fatal(err)
	}
	retries := 5
	co := keycrm.Options{
		BaseURL:   base,
		APIKey:    keycrm.Secret(MockKey),
		PerMinute: 60000,
		Retries:   &retries,
		Transport: &apispec.Transport{
			Validator:   v,
			Report:      func(err error) { t.Errorf("contract: %v", err) },
			AllowFaults: opt.Faults != keycrmmock.Faults{},
		},
	}
	for _, f := range tune {
		f(&co)
	}
	client, err := keycrm.New(co)
	if err != nil {
		t.Fatal(err)
	}
	return mock, client
}
