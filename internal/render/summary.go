package render

import (
	"fmt"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/plan"
)

// Summary is the one line printed on stderr after the plan. For write commands it
// follows the contract:
//
//	push-stock: 1204 matched, 37 to change, 12 not in KeyCRM, 1 duplicates, 3 problems (dry run)
//
// The parenthesis is the plan's state: "applied A, failed F" once it has a result,
// "refused by GUARD[,GUARD]" when guards tripped, "dry run", or "planned" for a plan
// about to be confirmed and applied.
//
// A diff has no state and reports both missing sides:
//
//	diff: 1204 matched, 37 differ, 12 not in KeyCRM, 40 not in source, 1 duplicates, 3 problems
//
// "not in source" is left out when it was not computed (null), and a diff against
// another location says "not in target" instead of "not in KeyCRM".
func Summary(p *plan.Plan) string {
	s := p.Summary
	notIn := "not in KeyCRM"
	if p.Target.APIURL == nil {
		notIn = "not in target"
	}
	if p.Command == plan.CmdDiff {
		parts := []string{
			fmt.Sprintf("%d matched", s.Matched),
			fmt.Sprintf("%d differ", s.Changes),
			fmt.Sprintf("%d %s", s.MissingInTarget, notIn),
		}
		if s.MissingInSource != nil {
			parts = append(parts, fmt.Sprintf("%d not in source", *s.MissingInSource))
		}
		parts = append(parts, fmt.Sprintf("%d duplicates", s.Duplicates), fmt.Sprintf("%d problems", s.Problems))
		return p.Command + ": " + strings.Join(parts, ", ")
	}
	return fmt.Sprintf("%s: %d matched, %d to change, %d %s, %d duplicates, %d problems (%s)",
		p.Command, s.Matched, s.Changes, s.MissingInTarget, notIn, s.Duplicates, s.Problems, state(p))
}

func state(p *plan.Plan) string {
	if r := p.Result; r != nil {
		return fmt.Sprintf("applied %d, failed %d", r.Applied, r.Failed)
	}
	var tripped []string
	for _, g := range p.Guards {
		if g.Tripped {
			tripped = append(tripped, g.Name)
		}
	}
	switch {
	case len(tripped) > 0:
		return "refused by " + strings.Join(tripped, ",")
	case p.DryRun:
		return "dry run"
	}
	return "planned"
}
