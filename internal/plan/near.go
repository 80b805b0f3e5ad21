package plan

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

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

// nearMatches settles which offers missing in the source are near matches. The
// merge hands it each such offer in turn (add); once the merge is done, settle
// reads the source's SKUs once, looking each one's loose key up among the few
// offers waiting, so a million-SKU source costs one pass and no index of its own.
type nearMatches struct {
	fold    cases.Caser
	kbuf    []byte // scratch for keys
	pending []pendingMissing
	// first maps the loose key of each waiting offer to the first source SKU
	// with it, in SKU order; "" while none has been found.
	first map[string]string
}

// pendingMissing is an offer missing in the source, until settle says whether
// it is a near match.
type pendingMissing struct {
	missing Missing
	key     string
	// zero are the changes that zero the offer (--missing zero), made only if it
	// is no near match.
	zero []Change
}

func (n *nearMatches) key(sku string) string {
	return n.fold.String(hyphens.Replace(norm.NFC.String(strings.TrimSpace(sku))))
}

// appendKey appends sku's loose key to dst. An ASCII SKU, by far the most common,
// needs none of the Unicode machinery: NFC and the hyphen look-alikes leave ASCII as
// it is, and folding ASCII is lower-casing A to Z.
func (n *nearMatches) appendKey(dst, sku []byte) []byte {
	for _, c := range sku {
		if c >= utf8.RuneSelf {
			return append(dst, n.key(string(sku))...)
		}
	}
	for _, c := range bytes.TrimSpace(sku) {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// add holds an offer missing in the source until settle.
func (n *nearMatches) add(p pendingMissing) {
	if n.first == nil {
		n.fold = cases.Fold()
		n.first = map[string]string{}
	}
	p.key = string(n.appendKey(nil, []byte(p.missing.SKU)))
	n.first[p.key] = ""
	n.pending = append(n.pending, p)
}

// settle finds, for each waiting offer, the first source SKU that it loosely
// equals, and calls near or missing for each offer, in the order they were added.
func (n *nearMatches) settle(x *Index, near func(p *pendingMissing, src string), missing func(p *pendingMissing)) {
	if len(n.pending) == 0 {
		return
	}
	x.eachSKU(func(items []entry) {
		n.kbuf = n.appendKey(n.kbuf[:0], x.bytes(items[0].sku))
		if src, ok := n.first[string(n.kbuf)]; ok && src == "" {
			n.first[string(n.kbuf)] = x.text(items[0].sku)
		}
	})
	for i := range n.pending {
		p := &n.pending[i]
		if src := n.first[p.key]; src != "" {
			near(p, src)
		} else {
			missing(p)
		}
	}
	n.pending, n.first = nil, nil
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
