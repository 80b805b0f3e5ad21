// Package all lists every format keycrm-sync ships, in detection order. Adding
// a format is one line here; nothing registers itself from init.
package all

import (
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/csv"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/jsonl"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/xlsx"
)

// Registry returns the registry of every shipped format.
func Registry() *connector.Registry {
	return connector.NewRegistry(
		csv.Format{},
		xlsx.Format{},
		jsonl.Format{},
	)
}
