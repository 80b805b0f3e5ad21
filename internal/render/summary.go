package render

import (
	"fmt"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/plan"
)

// Summary is the one line printed on stderr after the plan, in the contract's form
// for every command, diff included:
//
//	push-stock: 1204 matched, 37 to change, 12 not in KeyCRM, 1 duplicates, 3 problems (dry run)
//
// The parenthesis is the plan's state: "applied A, failed F" once it has a result,
// "refused by GUARD[,GUARD]" when guards tripped, "dry run" (always for diff, which
// never writes), or "planned" for a plan about to be confirmed and applied. A plan
// against another location than KeyCRM (diff --against) says "not in target".
// What the source lacks is told by MissingInSourceLine.
func Summary(p *plan.Plan) string {
	s := p.Summary
	notIn := "not in KeyCRM"
	if p.Target.APIURL == nil {
		notIn = "not in target"
	}
	return fmt.Sprintf("%s: %d matched, %d to change, %d %s, %d duplicates, %d problems (%s)",
		p.Command, s.Matched, s.Changes, s.MissingInTarget, notIn, s.Duplicates, s.Problems, state(p))
}

// MissingInSourceLine is diff's second line: how many target items the source
// lacks, which the verdict counts; "" when there are none or it was not computed.
func MissingInSourceLine(p *plan.Plan) string {
	s := p.Summary
	if s.MissingInSource == nil || *s.MissingInSource == 0 {
		return ""
	}
	where := "KeyCRM offers are"
	if p.Target.APIURL == nil {
		where = "items of the target are"
	}
	return fmt.Sprintf("%s: %d %s not in the source", p.Command, *s.MissingInSource, where)
}

func state(p *plan.Plan) string {
	if r := p.Result; r != nil {
		if r.Unconfirmed > 0 {
			return fmt.Sprintf("applied %d, failed %d, unconfirmed %d", r.Applied, r.Failed, r.Unconfirmed)
		}
		return fmt.Sprintf("applied %d, failed %d", r.Applied, r.Failed)
	}
	var tripped []string
	for _, g := range p.Guards {
		if g.Tripped {
			tripped = append(tripped, g.Name)
		}
	}
	if len(tripped) > 0 && !p.Forced {
		return "refused by " + strings.Join(tripped, ",")
	}
	// Every plan shown before anything is written is, so far, a dry run: the
	// line after an apply carries the result.
	return "dry run"
}
