package filetarget

import (
	"context"
	"encoding/json"
	"io"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// jsonlEncoder writes one object per line with canonical field names, the
// shape the jsonl reader and jq pipelines take.
type jsonlEncoder struct{}

// jsonRow is a line; unknown values are left out, never written as 0 or "".
type jsonRow struct {
	SKU      string           `json:"sku"`
	Quantity decimal.Decimal  `json:"quantity"`
	Price    *decimal.Decimal `json:"price,omitempty"`
	Currency string           `json:"currency,omitempty"`
	Name     string           `json:"name,omitempty"`
}

func (jsonlEncoder) encode(ctx context.Context, w io.Writer, rows []Row) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return eachRow(ctx, rows, func(_ int, r Row) error {
		line := jsonRow{SKU: r.SKU, Quantity: r.Quantity, Currency: r.Currency, Name: r.Name}
		if r.Price.Known {
			line.Price = &r.Price.V
		}
		return enc.Encode(line)
	})
}
