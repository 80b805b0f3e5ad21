package writeflow

import (
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// The question counts what will be written: a file's new rows are not matched
// items, so summary.changes leaves them out, but they are written all the same.
func TestQuestionCountsNewRows(t *testing.T) {
	n := func(v int64) plan.Value { return plan.NumberValue(decimal.FromInt(v)) }
	p := &plan.Plan{Command: plan.CmdPullStock, Target: plan.Target{Location: "feed.xml"},
		Summary: plan.Summary{Matched: 1, Changes: 1, MissingInTarget: 2},
		Changes: []plan.Change{
			{SKU: "A", Field: "quantity", From: n(1), To: n(2)},
			{SKU: "B", Field: "quantity", To: n(3)},
			{SKU: "C", Field: "quantity", To: n(4)},
		},
		MissingInTarget: []plan.Missing{{SKU: "B"}, {SKU: "C"}},
	}
	if got, want := question(p), "Apply 3 changes to feed.xml?"; got != want {
		t.Errorf("question %q, want %q", got, want)
	}
}
