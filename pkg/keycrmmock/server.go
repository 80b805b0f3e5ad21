package keycrmmock

import (
	"crypto/subtle"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options tune a Server. The zero value is a server with key "test-key", no rate
// limit, no faults and no latency.
type Options struct {
	// APIKey is the only accepted Bearer key; "" means "test-key".
	APIKey string
	// RateLimit is the number of requests accepted per rolling minute; 0 turns
	// the limit off.
	RateLimit int
	// Faults are injected into /v1 requests, drawn from a source seeded with
	// FaultSeed so a failing run replays.
	Faults    Faults
	FaultSeed int64
	// Latency is added before every /v1 answer.
	Latency time.Duration
	// Now is the clock for the rate window and timestamps; nil means time.Now.
	Now func() time.Time
	// Logf receives one line per request; nil keeps the server silent.
	Logf func(format string, args ...any)
}

// DefaultAPIKey is the key accepted when Options.APIKey is empty.
const DefaultAPIKey = "test-key"

// Stats counts /v1 requests since the start or the last reset: throttled,
// faulted and unauthenticated ones included, admin requests never.
type Stats struct {
	Requests int64 `json:"requests"`
	// ByRoute is keyed by the method and the contract's path template, such as
	// "PUT /products/{productId}". Paths outside the contract count only in
	// Requests.
	ByRoute   map[string]int64 `json:"by_route"`
	Throttled int64            `json:"throttled"` // refused by the rate limit
	Faults    int64            `json:"faults"`    // injected faults that took effect
}

// Server is the emulator: an http.Handler for /v1 (the API) and /__mock (the
// admin endpoints). All of its methods are safe for concurrent use.
type Server struct {
	opt  Options
	seed State

	// mu guards everything below. One lock around the whole state keeps every
	// batch atomic, as KeyCRM's whole-batch 422 promises.
	mu     sync.Mutex
	store  *store
	stats  Stats
	window *window
	rng    *rand.Rand
}

// New returns a server holding a copy of state. It panics if state is invalid
// (duplicate ids, stock in an unknown warehouse...): a seed from a file should go
// through LoadSeed, which reports the same problems as an error.
func New(state State, opt Options) *Server {
	if opt.APIKey == "" {
		opt.APIKey = DefaultAPIKey
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	st, err := buildStore(state, opt.Now())
	if err != nil {
		panic("keycrmmock.New: invalid state: " + err.Error())
	}
	s := &Server{opt: opt, seed: st.state()}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked(st)
	return s
}

// State returns a deep copy of the current catalogue, the JSON of GET /__mock/state.
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.state()
}

// SetState replaces the catalogue, as PUT /__mock/state does. An invalid state is
// reported and leaves the current one in place. Counters and the rate window are
// kept; the seed that Reset returns to is not changed.
func (s *Server) SetState(state State) error {
	st, err := buildStore(state, s.opt.Now())
	if err != nil {
		return fmt.Errorf("set state: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store = st
	return nil
}

// Reset returns to the seed given to New, zeroes the counters, clears the rate
// window and restarts the fault sequence from FaultSeed.
func (s *Server) Reset() {
	st, err := buildStore(s.seed, s.opt.Now())
	if err != nil {
		// The seed was validated by New and is never modified.
		panic("keycrmmock: seed became invalid: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked(st)
}

func (s *Server) resetLocked(st *store) {
	s.store = st
	s.stats = Stats{ByRoute: map[string]int64{}}
	s.window = newWindow(s.opt.RateLimit)
	seed := uint64(s.opt.FaultSeed)
	s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.stats
	out.ByRoute = make(map[string]int64, len(s.stats.ByRoute))
	for k, v := range s.stats.ByRoute {
		out.ByRoute[k] = v
	}
	return out
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/v1/"):
		s.serveAPI(w, r)
	case strings.HasPrefix(r.URL.Path, "/__mock/"):
		s.serveAdmin(w, r)
	default:
		writeJSON(w, http.StatusNotFound, message("Not found. The KeyCRM API is served under /v1."))
	}
}

// authorized checks the Bearer key in constant time.
func (s *Server) authorized(r *http.Request) bool {
	scheme, key, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(key), []byte(s.opt.APIKey)) == 1
}

// unauthenticated says how to authenticate and never echoes what was sent: the
// header may hold a real key pasted by mistake.
var unauthenticated = message(`Unauthenticated. Send the API key as "Authorization: Bearer KEY".`)
