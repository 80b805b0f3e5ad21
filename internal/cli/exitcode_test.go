package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/iostreams"
	"github.com/keycrm-sync/keycrm-sync/internal/shopdb"
)

// A shop row changed since the plan refuses the write like a stale saved plan.
func TestShopStaleExits3(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	err := fmt.Errorf("nothing was written to woocommerce://shop@db/wp: %w",
		&shopdb.StaleError{Key: shopdb.Key{Table: "posts", ID: 7}, SKU: "A", Expected: "3", Found: "2"})
	if got := exitCode(ios, err); got != 3 {
		t.Errorf("exit code %d, want 3", got)
	}
	if !strings.Contains(errOut.String(), "posts#7 (SKU \"A\") changed since the plan was made") {
		t.Errorf("stderr = %q", errOut.String())
	}
}
