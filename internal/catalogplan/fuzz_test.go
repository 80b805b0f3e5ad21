package catalogplan_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

// FuzzPlanImport plans arbitrary rows, one a line as
// sku|parent_sku|name|category|price|picture|property, against a small tree
// holding one held SKU, and checks what must always hold: no SKU planned twice or
// both planned and refused, every product sells something, categories come
// parent first, and the plan encodes.
func FuzzPlanImport(f *testing.F) {
	f.Add("P|||Взуття/Кросівки|||\nP-1|P|Кросівки 41||100||Розмір=41\nP-2|P|Кросівки 42||100||Розмір=42")
	f.Add("A||Річ|Куртки/пальта|0|ftp://x|\nA||Інша річ||5||\nB|Z|Сирота||5||")
	f.Add("HELD||Річ|Clothing > Tshirts|5|https://x/y.jpg|\nV-1|HELD|Річ 1||5||Колір=Синій")
	f.Fuzz(func(t *testing.T, rows string) {
		c := catalogplan.NewCollector()
		for i, line := range strings.Split(rows, "\n") {
			col := strings.Split(line+"||||||", "|")
			it := catalog.Item{SKU: col[0], ParentSKU: col[1], Name: col[2], Category: col[3],
				Pos: catalog.Position{File: "f", Row: i + 2}}
			if d, err := decimal.Parse(col[4]); err == nil {
				it.Price = catalog.Known(d)
			}
			if col[5] != "" {
				it.ImageURLs = []string{col[5]}
			}
			if name, value, ok := strings.Cut(col[6], "="); ok {
				it.Properties = []catalog.Property{{Name: name, Value: value}}
			}
			if err := c.Item(&it); err != nil {
				t.Fatal(err)
			}
		}
		cats := catalogplan.NewCategories([]keycrm.Category{{ID: 1, Name: "Взуття"}, {ID: 2, Name: "Куртки/пальта"}})
		ex := catalogplan.Existing{Offers: []keycrm.Offer{{ID: 9, ProductID: 3, SKU: "HELD"}}, Categories: cats}
		p := catalogplan.PlanImport(c, ex, catalogplan.ImportOptions{CreateCategories: true})
		refused := map[string]bool{}
		for _, pr := range p.Problems {
			refused[pr.SKU] = true
		}
		planned := map[string]bool{}
		for _, np := range p.Create {
			if len(np.Variants) == 0 || (!np.HasVariants && len(np.Variants) != 1) || np.Name == "" {
				t.Fatalf("malformed entry %+v", np)
			}
			for _, v := range np.Variants {
				if planned[v.SKU] || refused[v.SKU] || v.SKU == "HELD" {
					t.Fatalf("%q planned twice, planned and refused, or already held: %+v", v.SKU, p)
				}
				planned[v.SKU] = true
			}
		}
		made := map[string]bool{}
		for _, nc := range p.Categories {
			if made[nc.Path] || (nc.ParentPath != "" && !made[nc.ParentPath]) {
				t.Fatalf("category %+v repeated or before its parent", nc)
			}
			made[nc.Path] = true
		}
		if _, err := json.Marshal(p); err != nil {
			t.Fatal(err)
		}
	})
}
