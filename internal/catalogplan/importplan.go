package catalogplan

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

// CmdImport is the command of an import plan.
const CmdImport = "import"

// ImportPlan is the JSON plan of `import`: the contract's plan shape (cli.md
// section 8), where the SKUs to create are missing_in_target and those KeyCRM
// holds are matched and unchanged, plus the "create" entries docs/plan-schema.json
// describes: the products with their variants and category, the categories to
// create, the SKUs skipped as existing and the request cost. Lists are never null.
type ImportPlan struct {
	Version int           `json:"version"`
	Command string        `json:"command"`
	DryRun  bool          `json:"dry_run"`
	Source  plan.Source   `json:"source"`
	Target  plan.Target   `json:"target"`
	Summary ImportSummary `json:"summary"`
	// Changes stays empty: an import changes nothing KeyCRM holds.
	Changes         []plan.Change  `json:"changes"`
	MissingInTarget []plan.Missing `json:"missing_in_target"`
	// MissingInSource is null: the read of KeyCRM is filtered by the source's SKUs.
	MissingInSource []plan.Missing `json:"missing_in_source"`
	// Duplicates are KeyCRM SKUs held by several offers: left out.
	Duplicates []plan.Duplicate  `json:"duplicates"`
	Problems   []catalog.Problem `json:"problems"`
	// Guards are filled by CheckGuards.
	Guards []plan.Guard `json:"guards"`
	// Result is set after an apply.
	Result *ImportResult `json:"result"`
	// Categories are the categories to create, parents before children.
	Categories []NewCategory `json:"create_categories"`
	// Create lists each product to create (or to complete with variants), with
	// its variants and category.
	Create []NewProduct `json:"create"`
	// Existing are source SKUs KeyCRM already holds: skipped, never created twice.
	Existing []plan.Missing `json:"existing"`
	// Requests is what applying costs at most, read-back included.
	Requests int `json:"requests"`
}

// ImportResult is the contract's result with what the run created, by id.
type ImportResult struct {
	plan.Result
	Categories []CreatedCategory `json:"created_categories"`
	Created    []CreatedOffer    `json:"created"`
}

// CreatedCategory is a category a run created.
type CreatedCategory struct {
	Path string `json:"path"`
	ID   int64  `json:"id"`
}

// CreatedOffer is a SKU a run created, with the ids KeyCRM gave it.
type CreatedOffer struct {
	SKU       string `json:"sku"`
	OfferID   int64  `json:"offer_id"`
	ProductID int64  `json:"product_id"`
}

// CheckGuards evaluates the guards of an import, stores them in p.Guards and
// returns those that tripped. Only empty-source applies: the others measure
// changes to matched items, and an import changes none.
func (p *ImportPlan) CheckGuards() (tripped []plan.Guard) {
	g := plan.Guard{Name: plan.GuardEmptySource, Limit: decimal.FromInt(1),
		Value: decimal.FromInt(int64(p.Source.Items)), Tripped: p.Source.Items < 1}
	p.Guards = []plan.Guard{g}
	if g.Tripped {
		tripped = append(tripped, g)
	}
	return tripped
}

// ImportSummary holds the contract's counts in items (the SKUs KeyCRM holds are
// matched and unchanged, the offers to create are missing_in_target) and what
// would be created.
type ImportSummary struct {
	plan.Summary
	Products   int `json:"create_products"`
	Variants   int `json:"create_offers"`
	Categories int `json:"create_categories"`
}

// MarshalJSON keeps names and URLs holding & readable, as plan.Plan does.
func (p ImportPlan) MarshalJSON() ([]byte, error) {
	type bare ImportPlan
	return marshalNoEscape(bare(p))
}

// NewCategory is a category to create. Parent names the parent: an existing
// category's id, or (ParentID 0) the path of one created earlier in the plan; a
// root has neither.
type NewCategory struct {
	Path       string `json:"path"`
	Name       string `json:"name"`
	ParentID   int64  `json:"parent_id,omitempty"`
	ParentPath string `json:"parent_path,omitempty"`
}

// NewProduct is one "create" entry. ProductID is set when the product exists
// already (some of its variants were imported before) and only variants are added.
type NewProduct struct {
	Key         string   `json:"key"`
	ProductID   int64    `json:"product_id,omitempty"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Currency    string   `json:"currency_code,omitempty"`
	Category    string   `json:"category,omitempty"`
	CategoryID  int64    `json:"category_id,omitempty"`
	Pictures    []string `json:"pictures"`
	// HasVariants is set for products created through POST /products and
	// POST /products/{id}/offers; the others go through POST /products/import.
	HasVariants bool       `json:"has_variants"`
	Variants    []NewOffer `json:"variants"`
	Rows        []int      `json:"rows"`
}

// NewOffer is one sellable unit of a new product (the product itself when it has
// no variants): the body KeyCRM gets, and the source row it came from.
type NewOffer struct {
	keycrm.OfferCreate
	Row int `json:"row"`
}

// Existing is what KeyCRM holds for the source's SKUs: every offer found by a
// SKU-filtered read, and the category tree.
type Existing struct {
	Offers     []keycrm.Offer
	Categories *Categories
}

// ImportOptions shape an import plan.
type ImportOptions struct {
	Source plan.Source
	APIURL string
	// CreateCategories lets the plan create missing categories; without it their
	// products are reported as problems.
	CreateCategories bool
}

// group is the rows of one product: its parent row, if any, and its units.
type group struct {
	key      string
	parent   *catalog.Item
	variants []*catalog.Item
}

// PlanImport computes the import plan. It reads no file and sends no request.
func PlanImport(c *Collector, ex Existing, opt ImportOptions) *ImportPlan {
	apiURL := opt.APIURL
	p := &ImportPlan{Version: plan.Version, Command: CmdImport, DryRun: true, Source: opt.Source,
		Target:  plan.Target{Location: "keycrm", APIURL: &apiURL, WarehouseIDs: []int64{}},
		Changes: []plan.Change{}, MissingInTarget: []plan.Missing{},
		Categories: []NewCategory{}, Create: []NewProduct{}, Existing: []plan.Missing{}, Guards: []plan.Guard{}}
	held := offersBySKU(ex.Offers)
	p.Duplicates = targetDuplicates(held)
	units, order := c.units()
	groups, parentRows := groupUnits(units, order)
	cats := ex.Categories
	if cats == nil {
		cats = NewCategories(nil)
	}
	planned := map[string]bool{}
	for _, g := range groups {
		if np, ok := p.planGroup(c, g, held, parentRows, cats, opt.CreateCategories, planned); ok {
			p.Create = append(p.Create, np)
		}
	}
	p.Problems = c.Problems()
	if p.Problems == nil {
		p.Problems = []catalog.Problem{}
	}
	slices.SortStableFunc(p.Problems, func(a, b catalog.Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Row, b.Row))
	})
	p.count()
	return p
}

// groupUnits groups the units by parent_sku (else their own SKU), in source order.
// parentRows says whether any group has a parent row of its own.
func groupUnits(units map[string]*catalog.Item, order []string) ([]*group, bool) {
	byKey := map[string]*group{}
	var groups []*group
	isParent := map[string]bool{}
	for _, sku := range order {
		if ps := units[sku].ParentSKU; ps != "" && ps != sku {
			isParent[ps] = true
		}
	}
	parentRows := false
	for _, sku := range order {
		it := units[sku]
		key := cmp.Or(it.ParentSKU, sku)
		g := byKey[key]
		if g == nil {
			g = &group{key: key}
			byKey[key] = g
			groups = append(groups, g)
		}
		if isParent[sku] && it.ParentSKU == "" {
			g.parent = it
			parentRows = true
			continue
		}
		g.variants = append(g.variants, it)
	}
	return groups, parentRows
}

func (p *ImportPlan) planGroup(c *Collector, g *group, held map[string][]keycrm.Offer, parentRows bool,
	cats *Categories, create bool, planned map[string]bool) (NewProduct, bool) {
	if len(g.variants) == 0 {
		c.addProblem(g.parent, catalog.FieldSKU, g.parent.SKU, "parent product has no variant rows; nothing to sell")
		return NewProduct{}, false
	}
	card := g.parent
	hasVariants := card != nil || g.variants[0].ParentSKU != ""
	if card == nil {
		if parentRows && hasVariants {
			for _, v := range g.variants {
				c.addProblem(v, catalog.FieldParentSKU, v.ParentSKU, "the parent row of this variant is missing from the source")
			}
			return NewProduct{}, false
		}
		card = g.variants[0]
	}
	// A group is created whole or not at all: a problem row anywhere in it leaves
	// every row out, so a rerun after the fix does not meet a half-built product.
	if c.groupBad(g) {
		return NewProduct{}, false
	}
	name := strings.TrimSpace(card.Name)
	if card != g.parent {
		name = commonName(g.variants)
	}
	np := NewProduct{Key: g.key, Name: name, Description: card.Description,
		Currency: strings.ToUpper(strings.TrimSpace(card.Currency)), HasVariants: hasVariants, Pictures: pictures(card)}
	if card == g.parent {
		np.Rows = append(np.Rows, card.Pos.Row)
	}
	if np.Name == "" {
		c.addProblem(card, catalog.FieldName, "", "a new product needs a name")
		return NewProduct{}, false
	}
	var productIDs []int64
	for _, v := range g.variants {
		offers := held[v.SKU]
		if len(offers) > 0 {
			p.Existing = append(p.Existing, plan.Missing{SKU: v.SKU, OfferID: offers[0].ID})
			productIDs = append(productIDs, offers[0].ProductID)
			continue
		}
		np.Variants = append(np.Variants, newOffer(v, hasVariants, name))
		np.Rows = append(np.Rows, v.Pos.Row)
	}
	if len(np.Variants) == 0 {
		return NewProduct{}, false
	}
	if len(productIDs) > 0 {
		slices.Sort(productIDs)
		if productIDs = slices.Compact(productIDs); len(productIDs) > 1 {
			c.addProblem(card, catalog.FieldParentSKU, g.key,
				fmt.Sprintf("the variants already in KeyCRM belong to %d products; merge them in KeyCRM first", len(productIDs)))
			return NewProduct{}, false
		}
		np.ProductID = productIDs[0]
		return np, true
	}
	if card.Category == "" {
		return np, true
	}
	id, found, path, err := cats.Resolve(card.Category)
	np.Category = PathKey(path)
	switch {
	case err != nil:
		c.addProblem(card, catalog.FieldCategory, card.Category, err.Error())
		return NewProduct{}, false
	case found == len(path):
		np.CategoryID = id
	case !create:
		c.addProblem(card, catalog.FieldCategory, card.Category,
			fmt.Sprintf("category %q is not in KeyCRM; create it there or pass --create-categories", PathKey(path[:found+1])))
		return NewProduct{}, false
	default:
		p.addCategories(path, found, id, planned)
	}
	return np, true
}

// groupBad reports whether any row of the group had a problem.
func (c *Collector) groupBad(g *group) bool {
	if g.parent != nil && c.bad[g.parent.SKU] {
		return true
	}
	for _, v := range g.variants {
		if c.bad[v.SKU] {
			return true
		}
	}
	return false
}

// addCategories plans the missing tail of a path once, however many products
// need it.
func (p *ImportPlan) addCategories(path []string, found int, parentID int64, planned map[string]bool) {
	for i := found; i < len(path); i++ {
		key := PathKey(path[:i+1])
		if planned[key] {
			continue
		}
		planned[key] = true
		nc := NewCategory{Path: key, Name: path[i]}
		if i == found {
			nc.ParentID = parentID
		} else {
			nc.ParentPath = PathKey(path[:i])
		}
		p.Categories = append(p.Categories, nc)
	}
}

// commonName names a card taken from its variants: what their names share, cut at
// a word ("Кросівки «Вітер» (41)" and "… (42)" give "Кросівки «Вітер»"), else the
// first variant's name.
func commonName(variants []*catalog.Item) string {
	first := strings.TrimSpace(variants[0].Name)
	p, whole := first, true
	for _, v := range variants[1:] {
		n := strings.TrimSpace(v.Name)
		for !strings.HasPrefix(n, p) {
			_, size := utf8.DecodeLastRuneInString(p)
			p = p[:len(p)-size]
		}
		whole = whole && n == p
	}
	if !whole || p != first {
		p = p[:max(strings.LastIndex(p, " "), 0)]
	}
	if p = strings.TrimRight(p, " (-–,/"); p == "" {
		return first
	}
	return p
}

func pictures(it *catalog.Item) []string {
	out := make([]string, 0, min(len(it.ImageURLs), catalog.MaxImages))
	for _, u := range it.ImageURLs {
		if len(out) < catalog.MaxImages {
			out = append(out, strings.TrimSpace(u))
		}
	}
	return out
}

// PropCharacteristic names the property a variant gets from its name when the
// source gives it none (see characteristic).
const PropCharacteristic = "Характеристика"

// characteristic reads a variant's distinguishing value from a name of the form
// "<product name> (<value>)": how 1C shows a characteristic ("Ботинки (37)") when
// the exchange carries its name but not its ХарактеристикиТовара. Without it the
// variants would look alike on KeyCRM's card.
func characteristic(name, card string) (catalog.Property, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(name), card)
	if !ok || card == "" {
		return catalog.Property{}, false
	}
	rest = strings.TrimSpace(rest)
	if len(rest) < 3 || rest[0] != '(' || rest[len(rest)-1] != ')' {
		return catalog.Property{}, false
	}
	return catalog.Property{Name: PropCharacteristic, Value: strings.TrimSpace(rest[1 : len(rest)-1])}, true
}

func newOffer(it *catalog.Item, variant bool, card string) NewOffer {
	o := keycrm.OfferCreate{SKU: it.SKU, Barcode: strings.TrimSpace(it.Barcode),
		Price: numPtr(it.Price), PurchasedPrice: numPtr(it.PurchasedPrice),
		Weight: numPtr(it.Weight), Length: numPtr(it.Length), Width: numPtr(it.Width), Height: numPtr(it.Height)}
	if variant {
		props := it.Properties
		if pr, ok := characteristic(it.Name, card); ok && len(props) == 0 {
			props = []catalog.Property{pr}
		}
		for _, pr := range props {
			o.Properties = append(o.Properties, keycrm.OfferProperty{Name: pr.Name, Value: pr.Value})
		}
		if len(it.ImageURLs) > 0 {
			o.ImageURL = strings.TrimSpace(it.ImageURLs[0])
		}
	}
	return NewOffer{OfferCreate: o, Row: it.Pos.Row}
}

func numPtr(n catalog.Num) *decimal.Decimal {
	if !n.Known {
		return nil
	}
	return &n.V
}

func (p *ImportPlan) count() {
	s := &p.Summary
	s.Categories = len(p.Categories)
	s.Matched = len(p.Existing)
	s.Unchanged = s.Matched
	s.Duplicates = len(p.Duplicates)
	s.Problems = len(p.Problems)
	p.Source.Items = s.Matched
	simple, read := 0, 0
	p.Requests = len(p.Categories)
	for _, np := range p.Create {
		s.Products++
		s.Variants += len(np.Variants)
		for _, v := range np.Variants {
			p.MissingInTarget = append(p.MissingInTarget, plan.Missing{SKU: v.SKU})
		}
		p.Source.Items += len(np.Variants)
		read += len(np.Variants)
		if !np.HasVariants {
			simple++
			continue
		}
		if np.ProductID == 0 {
			p.Requests++
		}
		p.Requests += ceilDiv(len(np.Variants), keycrm.MaxOfferCreate)
	}
	s.MissingInTarget = s.Variants
	p.Requests += ceilDiv(simple, keycrm.MaxProductImport) + ceilDiv(read, readBatch)
}

// readBatch is how many SKUs one filtered read resolves (a page of 50).
const readBatch = 50

func ceilDiv(n, d int) int { return (n + d - 1) / d }

func offersBySKU(offers []keycrm.Offer) map[string][]keycrm.Offer {
	m := map[string][]keycrm.Offer{}
	for _, o := range offers {
		if o.SKU != "" {
			m[o.SKU] = append(m[o.SKU], o)
		}
	}
	return m
}

// targetDuplicates lists the SKUs several KeyCRM offers hold, by SKU: they are
// never matched, created or changed.
func targetDuplicates(held map[string][]keycrm.Offer) []plan.Duplicate {
	out := []plan.Duplicate{}
	for _, sku := range sortedKeys(held) {
		if len(held[sku]) > 1 {
			d := plan.Duplicate{SKU: sku}
			for _, o := range held[sku] {
				d.OfferIDs = append(d.OfferIDs, o.ID)
			}
			out = append(out, d)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// SKUs returns every SKU the collector holds, for the SKU-filtered read of KeyCRM.
func (c *Collector) SKUs() []string {
	seen := map[string]bool{}
	var out []string
	for _, it := range c.items {
		if it.SKU != "" && !seen[it.SKU] {
			seen[it.SKU] = true
			out = append(out, it.SKU)
		}
	}
	return out
}
