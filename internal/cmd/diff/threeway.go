package diff

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/render"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// side is one location of a three-way diff: its name and its stock by SKU.
type side struct {
	name     string
	stock    map[string]plan.Stock
	excluded map[string]bool
}

// newSide indexes a snapshot's stock in warehouse wh (the total for 0); with
// available, KeyCRM's reserve is taken off, as diff --stock available does.
func newSide(name string, snap plan.Snapshot, wh int64, available bool) side {
	s := side{name: name, stock: make(map[string]plan.Stock), excluded: snap.Excluded}
	for o := range snap.All() {
		st := o.Total
		if wh != 0 {
			st = o.Stock[wh]
		}
		if available && !st.Unknown {
			if q, err := st.Quantity.Sub(st.Reserve); err == nil {
				st.Quantity = q
				if q.Sign() < 0 {
					st.Quantity = decimal.Zero
				}
			}
		}
		if o.SKU != "" {
			s.stock[o.SKU] = st
		}
	}
	return s
}

// Verdicts of a three-way diff.
const (
	verdictSame    = "same everywhere"
	verdictDiffers = "differs"
	verdictLeftOut = "left out"
)

// skuVerdict is one SKU's line of the report: its quantity in each location (nil
// where the location lacks the SKU or holds no value) and the verdict.
type skuVerdict struct {
	SKU     string    `json:"sku"`
	Values  []*string `json:"quantities"`
	Verdict string    `json:"verdict"`
	// Ignored is set when the verdict is listed but, by --ignore or because a
	// side left the SKU out, is no difference.
	Ignored bool `json:"ignored,omitempty"`
}

// threeWayReport is diff --with-keycrm's output.
type threeWayReport struct {
	Locations []string     `json:"locations"`
	SKUs      []skuVerdict `json:"skus"`
	InSync    bool         `json:"in_sync"`
}

// compareSides gives every SKU of any side one verdict: the same quantity
// everywhere, a quantity that differs, or held only by some of the sides. A SKU a
// side left out (a duplicate or a problem row there) is listed but not compared.
// The first side is the source: with ignoreSource a SKU it lacks, and with
// ignoreTarget a SKU only some of the others lack, is listed but no difference.
func compareSides(sides []side, ignoreSource, ignoreTarget bool) threeWayReport {
	r := threeWayReport{InSync: true}
	all := map[string]bool{}
	for _, s := range sides {
		r.Locations = append(r.Locations, s.name)
		for sku := range s.stock {
			all[sku] = true
		}
		for sku := range s.excluded {
			all[sku] = true
		}
	}
	for _, sku := range slices.Sorted(maps.Keys(all)) {
		v := skuVerdict{SKU: sku, Values: make([]*string, len(sides))}
		var holders, leftOut []string
		var first *plan.Stock
		same := true
		for i, s := range sides {
			if s.excluded[sku] {
				leftOut = append(leftOut, s.name)
				continue
			}
			st, ok := s.stock[sku]
			if !ok {
				continue
			}
			holders = append(holders, s.name)
			if !st.Unknown {
				q := st.Quantity.String()
				v.Values[i] = &q
			}
			switch {
			case first == nil:
				first = &st
			case st.Unknown != first.Unknown || !st.Unknown && st.Quantity.Cmp(first.Quantity) != 0:
				same = false
			}
		}
		switch {
		case len(leftOut) > 0:
			v.Verdict = verdictLeftOut + " in " + strings.Join(leftOut, " and ")
		case len(holders) < len(sides):
			v.Verdict = "only in " + strings.Join(holders, " and ")
		case same:
			v.Verdict = verdictSame
		default:
			v.Verdict = verdictDiffers
		}
		_, inSource := sides[0].stock[sku]
		ignored := len(leftOut) > 0 || !inSource && ignoreSource || inSource && ignoreTarget
		if v.Verdict != verdictSame && v.Verdict != verdictDiffers && ignored {
			v.Ignored = true
		}
		if v.Verdict != verdictSame && !v.Ignored {
			r.InSync = false
		}
		r.SKUs = append(r.SKUs, v)
	}
	return r
}

// view prints the report in every -o format.
func (r threeWayReport) view() render.View {
	header := append(append([]string{"SKU"}, r.Locations...), "VERDICT")
	rows := make([][]string, len(r.SKUs))
	for i, v := range r.SKUs {
		row := []string{v.SKU}
		for _, q := range v.Values {
			if q == nil {
				row = append(row, "")
			} else {
				row = append(row, *q)
			}
		}
		rows[i] = append(row, v.Verdict)
	}
	return render.View{JSON: r, Header: header, Rows: rows}
}

// summary counts the verdicts for stderr.
func (r threeWayReport) summary() string {
	counts := map[string]int{}
	for _, v := range r.SKUs {
		switch {
		case v.Verdict == verdictSame, v.Verdict == verdictDiffers:
			counts[v.Verdict]++
		case strings.HasPrefix(v.Verdict, verdictLeftOut):
			counts[verdictLeftOut]++
		default:
			counts["only in some"]++
		}
	}
	return fmt.Sprintf("diff: %d SKUs: %d same everywhere, %d differ, %d only in some locations, %d left out",
		len(r.SKUs), counts[verdictSame], counts[verdictDiffers], counts["only in some"], counts[verdictLeftOut])
}
