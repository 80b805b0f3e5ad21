// Package keycrmmock is a stateful stand-in for the KeyCRM REST API subset in
// shared/keycrm/openapi.yaml: an http.Handler that serves /v1 from an in-memory
// catalogue with KeyCRM's pagination, filters, batch limits, validation answers,
// rate limit and injectable faults, so the client and the whole sync can be
// rehearsed over real HTTP without a customer's account.
//
// The contract is shared/spec/keycrm-mock.md. Where it and the API notes are
// silent, the choices made here are listed in README.md next to this file.
package keycrmmock
