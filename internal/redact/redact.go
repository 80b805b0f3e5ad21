// Package redact keeps secrets out of everything keycrm-sync prints. The API key is
// never formatted on purpose; this writer is the second line of defence for a value
// that slips into an error message from a library.
package redact

import (
	"io"
	"sync"
)

// Mask is what a secret is replaced by.
const Mask = "****"

// Writer replaces registered secrets in everything written through it.
type Writer struct {
	mu      sync.Mutex
	w       io.Writer
	secrets []*Secret
}

// NewWriter wraps w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Add registers a secret: it is masked whole, cut to a fragment and escaped (see
// Secret). Values too short to mask are ignored.
func (r *Writer) Add(secret string) {
	s := NewSecret(secret)
	if s == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, s)
}

// Write writes p with every secret masked. It reports len(p) on success so callers
// that check the count are not confused by the length change.
func (r *Writer) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := p
	for _, s := range r.secrets {
		out = []byte(s.Mask(string(out)))
	}
	if _, err := r.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
