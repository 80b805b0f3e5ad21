package keycrmstock

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/target"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

// Refused tells apply what certainly did not land: only then may it skip the
// read-back of an entry.
func TestRefused(t *testing.T) {
	batch := target.Batch{WarehouseID: 1, Entries: make([]plan.Change, 3)}
	items := &keycrm.APIError{Status: 422, Fields: map[string][]string{"stocks.1.id": {"no such offer"}}}
	whole := &keycrm.APIError{Status: 422, Fields: map[string][]string{"stocks.0.id": {"x"}, "stocks.1.id": {"x"}, "stocks.2.id": {"x"}}}
	tests := []struct {
		rule  string
		err   error
		items []int
		all   bool
	}{
		{"a 422 naming some items refuses those", items, []int{1}, false},
		{"a 422 naming every item refuses the batch", whole, nil, true},
		{"a 422 naming none refuses the batch", &keycrm.APIError{Status: 422}, nil, true},
		{"another 4xx refuses the batch", &keycrm.APIError{Status: 403}, nil, true},
		{"a 429 may follow a write that landed", &keycrm.APIError{Status: 429}, nil, false},
		{"a 408 may follow a write that landed", &keycrm.APIError{Status: 408}, nil, false},
		{"a 5xx may follow a write that landed", &keycrm.APIError{Status: 502}, nil, false},
		{"a dropped connection tells nothing", fmt.Errorf("put: %w", errors.New("connection reset")), nil, false},
	}
	s := &Stock{}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			got, all := s.Refused(tt.err, batch)
			if !slices.Equal(got, tt.items) || all != tt.all {
				t.Errorf("Refused = %v, %v; want %v, %v", got, all, tt.items, tt.all)
			}
		})
	}
}
