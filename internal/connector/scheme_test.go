package connector

import (
	"context"
	"errors"
	"testing"
)

// urlFormat reads one URL scheme and detects nothing by itself.
type urlFormat struct{ name, scheme string }

var errOpened = errors.New("opened")

func (f urlFormat) Name() string                 { return f.name }
func (f urlFormat) Detect(Location, []byte) bool { return false }
func (f urlFormat) Schemes() []string            { return []string{f.scheme} }
func (f urlFormat) Open(context.Context, Location, ReadOptions) (Reader, error) {
	return nil, errOpened
}

var _ SchemeFormat = urlFormat{}

// A URL goes to the format that declares its scheme; a scheme nobody declares is
// refused by name.
func TestRegistryDispatchesDeclaredSchemes(t *testing.T) {
	r := NewRegistry(urlFormat{"woocommerce", "woocommerce"}, urlFormat{"opencart", "opencart"})
	loc, err := ParseLocation("opencart://u:p@db/shop")
	if err != nil {
		t.Fatal(err)
	}
	f, err := r.detect(loc)
	if err != nil || f.Name() != "opencart" {
		t.Fatalf("opencart:// went to %v (%v)", f, err)
	}
	loc, err = ParseLocation("prestashop://u:p@db/shop")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.detect(loc); !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("prestashop:// with no format declaring it: %v", err)
	}
}
