package plan

import (
	"bytes"
	"cmp"
	"fmt"
	"hash/maphash"
	"slices"
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

// nearIndex finds the source SKU a KeyCRM SKU loosely equals. It is built on first
// use: most plans have no offer missing in the source and never pay for folding.
//
// It holds the hash of each source SKU's loose key, sorted, rather than a map of
// the keys: a million-SKU source then costs one radix sort of fixed-size pairs,
// not a million strings for the collector to scan, nor a million inserts each
// missing the cache. Pairs of one hash stay in SKU order, and a lookup compares the
// keys behind a hash, so it is exact whatever collides.
type nearIndex struct {
	fold cases.Caser
	// hash hashes a key; tests replace it to force collisions.
	hash   func([]byte) uint64
	keys   []sortKey // pre is the loose key's hash, i the SKU's first entry
	kbuf   []byte    // scratch for keys
	filled bool
}

func (n *nearIndex) key(sku string) string {
	return n.fold.String(hyphens.Replace(norm.NFC.String(strings.TrimSpace(sku))))
}

// appendKey appends sku's loose key to dst. An ASCII SKU, by far the most common,
// needs none of the Unicode machinery: NFC and the hyphen look-alikes leave ASCII as
// it is, and folding ASCII is lower-casing A to Z.
func (n *nearIndex) appendKey(dst, sku []byte) []byte {
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

// fill hashes the source's loose keys and sorts the hashes.
func (n *nearIndex) fill(x *Index) {
	n.filled = true
	n.fold = cases.Fold()
	if n.hash == nil {
		seed := maphash.MakeSeed()
		n.hash = func(b []byte) uint64 { return maphash.Bytes(seed, b) }
	}
	for i := 0; i < len(x.entries); i = x.skuEnd(i) {
		n.kbuf = n.appendKey(n.kbuf[:0], x.bytes(x.entries[i].sku))
		n.keys = append(n.keys, sortKey{pre: n.hash(n.kbuf), i: uint32(i)})
	}
	sortByPre(n.keys, make([]sortKey, len(n.keys)))
}

// find returns the first source SKU, in SKU order, that sku loosely equals.
func (n *nearIndex) find(x *Index, sku string) (string, bool) {
	if !n.filled {
		n.fill(x)
	}
	k := n.appendKey(nil, []byte(sku))
	h := n.hash(k)
	j, _ := slices.BinarySearchFunc(n.keys, h, func(e sortKey, h uint64) int { return cmp.Compare(e.pre, h) })
	for ; j < len(n.keys) && n.keys[j].pre == h; j++ {
		src := x.bytes(x.entries[n.keys[j].i].sku)
		if n.kbuf = n.appendKey(n.kbuf[:0], src); bytes.Equal(n.kbuf, k) {
			return string(src), true
		}
	}
	return "", false
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
