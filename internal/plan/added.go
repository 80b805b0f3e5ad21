package plan

// Added is the set of SKUs the plan writes as new items of its target: those with a
// change that are also missing in the target (a file's new rows, with AddMissing). A
// change from no value of an item the target holds (an empty stock cell) is not one.
func (p *Plan) Added() map[string]bool {
	missing := make(map[string]bool, len(p.MissingInTarget))
	for _, m := range p.MissingInTarget {
		missing[m.SKU] = true
	}
	added := map[string]bool{}
	for _, c := range p.Changes {
		if missing[c.SKU] && c.From.IsZero() && c.OfferID == 0 {
			added[c.SKU] = true
		}
	}
	return added
}
