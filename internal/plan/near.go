package plan

import (
	"fmt"
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NearMatch is a KeyCRM SKU that equals a source SKU only loosely: after trimming
// spaces, NFC normalisation, case folding and reading hyphen look-alikes as "-".
// It is never matched (matching is exact) and never zeroed by --missing zero, so a
// stray space or a non-breaking hyphen typed into KeyCRM cannot zero an offer the
// source does hold.
type NearMatch struct {
	// SKU is KeyCRM's, as stored.
	SKU     string `json:"sku"`
	OfferID int64  `json:"offer_id,omitempty"`
	// SourceSKU is the source's SKU it resembles.
	SourceSKU string `json:"source_sku"`
}

// hyphens are the characters that look like "-" and reach SKUs through word
// processors and 1C: non-breaking and other Unicode hyphens, dashes, the minus sign.
// NFC keeps them distinct, yet an operator cannot tell them apart on screen; since a
// near match only ever prevents a write, reading them alike can only make a run
// safer.
var hyphens = strings.NewReplacer(
	"\u2010", "-", "\u2011", "-", "\u2012", "-", "\u2013", "-", "\u2212", "-", "\uFE63", "-", "\uFF0D", "-",
)

// nearIndex finds the source SKU a KeyCRM SKU loosely equals. It is built on first
// use: most plans have no offer missing in the source and never pay for folding.
type nearIndex struct {
	fold   cases.Caser
	bySKU  map[string]string // loose key to the first source SKU with it
	filled bool
}

func (n *nearIndex) key(sku string) string {
	return n.fold.String(hyphens.Replace(norm.NFC.String(strings.TrimSpace(sku))))
}

// find returns the source SKU that sku loosely equals, if any.
func (n *nearIndex) find(x *Index, sku string) (string, bool) {
	if !n.filled {
		n.filled = true
		n.fold = cases.Fold()
		n.bySKU = map[string]string{}
		x.eachSKU(func(items []entry) {
			s := x.text(items[0].sku)
			if k := n.key(s); n.bySKU[k] == "" {
				n.bySKU[k] = s
			}
		})
	}
	s, ok := n.bySKU[n.key(sku)]
	return s, ok
}

// NearMatchNote is the stderr line about near matches, "" when there are none.
func (p *Plan) NearMatchNote() string {
	if len(p.NearMatches) == 0 {
		return ""
	}
	const shown = 3
	var pairs []string
	for i, m := range p.NearMatches {
		if i == shown {
			pairs = append(pairs, fmt.Sprintf("and %d more", len(p.NearMatches)-shown))
			break
		}
		pairs = append(pairs, fmt.Sprintf("%q (offer %d) ~ %q", m.SKU, m.OfferID, m.SourceSKU))
	}
	return fmt.Sprintf("%d %s SKU(s) equal a source SKU only after trimming, case folding or Unicode normalisation: %s; "+
		"they are not matched and never zeroed (see near_matches in -o json)",
		len(p.NearMatches), p.Target.Name(), strings.Join(pairs, ", "))
}
