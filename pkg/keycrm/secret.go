package keycrm

import (
	"fmt"
	"io"
)

// Mask is what a Secret prints instead of its value.
const Mask = "****"

// Secret is the KeyCRM API key. It prints as Mask in every fmt verb, in JSON and as
// text, so a key that ends up in a struct being logged or dumped stays hidden.
// Reveal is the only way to read it, and the client calls it only to set the
// Authorization header.
type Secret string

// Reveal returns the key itself.
func (s Secret) Reveal() string { return string(s) }

// String returns Mask.
func (Secret) String() string { return Mask }

// GoString returns Mask, for %#v.
func (Secret) GoString() string { return Mask }

// Format prints Mask for every verb and flag. Without it %x or %q would format the
// underlying string and leak the key.
func (Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = io.WriteString(f, `"`+Mask+`"`)
		return
	}
	_, _ = io.WriteString(f, Mask)
}

// MarshalJSON returns Mask as a JSON string.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Mask + `"`), nil }

// MarshalText returns Mask, for YAML, CSV and map keys.
func (Secret) MarshalText() ([]byte, error) { return []byte(Mask), nil }
