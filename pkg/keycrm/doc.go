// Package keycrm is the client for the part of the KeyCRM REST API that a stock and
// catalogue sync needs: products, categories, offers (variants) and per-warehouse
// stock. The contract it follows is shared/keycrm/openapi.yaml (embedded in
// internal/apispec); its x-notes explain most of the choices below.
//
// KeyCRM allows about 60 requests a minute per key, pages hold at most 50 rows and
// list filters are comma-separated, so the client is shaped around three rules:
//
//   - Pace first: every attempt, retries included, waits for a slot of a
//     process-wide pacer, so at most PerMinute requests start in any rolling minute
//     plus a safety margin, fewer when the server's X-RateLimit headers say so, and
//     a 429 is an exception, not the mechanism.
//   - Retry only what is safe: GET and PUT (absolute values) are repeated after 429,
//     5xx and network errors; POST creates things, so it is repeated only after a
//     429, when KeyCRM refused it before doing anything.
//   - Read with the fewest requests: lists always ask for 50 rows and stop on the
//     last page without probing an empty one; filtered reads pack as many values
//     into one request as the page and URL sizes allow. A server that keeps
//     sending pages past what it announced is stopped (ErrEndlessPages).
//
// The API key is a Secret that prints as "****" in every format; it only ever goes
// into the Authorization header, never into a URL, an error or a log line. Text a
// server sends back reaches an error only as its message and field errors, with
// the key (whole, cut or escaped) and any Bearer token masked before it is cut.
//
// Wire types mirror the contract's JSON names exactly; converting them into the
// catalogue's types is the caller's job. Every quantity and price is an exact
// decimal.Decimal.
package keycrm
