// Package all lists every format keycrm-sync ships, in detection order. Adding
// a format is one line here; nothing registers itself from init.
package all

import (
	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/commerceml"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/csv"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/googlemerchant"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/jsonl"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/moysklad"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/opencart"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/prestashop"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/sqlquery"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/woocommerce"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/xlsx"
	"github.com/keycrm-sync/keycrm-sync/internal/connector/yml"
)

// Registry returns the registry of every shipped format, with the default
// limits.
func Registry() *connector.Registry { return WithLimits(xlsx.Limits{}) }

// WithLimits returns the registry of every shipped format, XLSX workbooks read
// within lim (the config file's limits; zero fields keep the defaults).
func WithLimits(lim xlsx.Limits) *connector.Registry {
	return connector.NewRegistry(
		csv.Format{},
		xlsx.Format{Limits: lim},
		jsonl.Format{},
		commerceml.Format{},
		yml.Format{},
		googlemerchant.Format{},
		moysklad.Format{},
		woocommerce.Format{},
		opencart.Format{},
		prestashop.Format{},
		sqlquery.Format{},
	)
}
