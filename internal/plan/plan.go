package plan

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/keycrm-sync/keycrm-sync/internal/catalog"
)

// Version is the plan format version written into every plan.
const Version = 1

// Names of the commands that make plans, as plans and journals record them. Compute
// never looks at them: what a plan compares and writes is in its Options.
const (
	CmdPushStock = "push-stock"
	CmdPullStock = "pull-stock"
	CmdDiff      = "diff"
	// CmdRevert is the command of a plan built by Revert; it writes whichever
	// fields its entries name.
	CmdRevert = "revert"
)

// Plan is the JSON plan of the command-line contract, field for field. Lists marshal as
// [] when empty; only MissingInSource (and Summary.MissingInSource) may be null, meaning
// "not computed".
type Plan struct {
	Version int     `json:"version"`
	Command string  `json:"command"`
	DryRun  bool    `json:"dry_run"`
	Source  Source  `json:"source"`
	Target  Target  `json:"target"`
	Summary Summary `json:"summary"`
	// Changes holds one entry per item and field, sorted by SKU, warehouse id and
	// field.
	Changes         []Change  `json:"changes"`
	MissingInTarget []Missing `json:"missing_in_target"`
	// MissingInSource is nil when it was not computed: the target was read only for
	// the source's SKUs, or the source holds changes only.
	MissingInSource []Missing `json:"missing_in_source"`
	// NearMatches are the target's SKUs missing in the source that loosely equal
	// a source SKU; omitted when there are none, so the contract's shape holds.
	NearMatches []NearMatch       `json:"near_matches,omitempty"`
	Duplicates  []Duplicate       `json:"duplicates"`
	Problems    []catalog.Problem `json:"problems"`
	Guards      []Guard           `json:"guards"`
	// Warnings are doubts about the run's settings that do not stop it (a
	// --warehouse id KeyCRM never reported); omitted when there are none, so the
	// contract's shape holds.
	Warnings []string `json:"warnings,omitempty"`
	// Result is nil until the plan has been applied.
	Result *Result `json:"result"`
	// Forced is set when --force lets the plan past its tripped guards, so it is
	// not reported as refused. The JSON tells it by the tripped guards and the
	// result.
	Forced bool `json:"-"`
}

// Source describes where the plan's data came from.
type Source struct {
	Location string `json:"location"`
	Format   string `json:"format"`
	// Items counts the valid distinct items: matched + missing_in_target.
	Items int `json:"items"`
	// SHA256 is nil when no bytes were read (a database).
	SHA256 *string `json:"sha256"`
}

// Target describes what the plan compares with or writes to.
type Target struct {
	// Location says which target: "keycrm" for KeyCRM, else the location of a
	// file, feed or database (or the --against location of a diff).
	Location string `json:"location"`
	// Format is the format of a target that is not KeyCRM, when one is written
	// ("csv", "yml"); omitted for KeyCRM, whose plans keep the contract's shape.
	Format string `json:"format,omitempty"`
	// APIURL is nil when the target is not KeyCRM (diff --against LOCATION).
	APIURL *string `json:"api_url"`
	// WarehouseIDs are the KeyCRM warehouses the plan reads or writes; empty when
	// totals over all warehouses are compared.
	WarehouseIDs []int64 `json:"warehouse_ids"`
}

// KeyCRM is the Location of plans that read or write KeyCRM.
const KeyCRM = "keycrm"

// Name is how messages name the target: "KeyCRM", or its location.
func (t Target) Name() string {
	if t.Location == KeyCRM {
		return "KeyCRM"
	}
	return t.Location
}

// Summary holds the plan's counts, in items (one SKU in one KeyCRM warehouse when the
// plan routes by warehouse, else one SKU).
type Summary struct {
	Matched int `json:"matched"`
	// Unchanged + Changes - Zeroed = Matched: Changes counts every item with an
	// entry in Changes[] (the number the confirmation asks about), Zeroed those
	// among them that --missing zero sets to 0, which are missing in the source
	// and so not matched.
	Unchanged       int  `json:"unchanged"`
	Changes         int  `json:"changes"`
	Zeroed          int  `json:"zeroed"`
	MissingInTarget int  `json:"missing_in_target"`
	MissingInSource *int `json:"missing_in_source"`
	Duplicates      int  `json:"duplicates"`
	Problems        int  `json:"problems"`
}

// Change is one field of one item going from the target's current value to a new one.
// For diff, From is the target's value and To the source's. The item is named by its
// target's own key: KeyCRM's offer (and warehouse) id, or the row of a target that has
// rows (a shop database's row id, a file's line); the SKU names it for people.
type Change struct {
	SKU string `json:"sku"`
	// OfferID is 0 (omitted) when the target is not KeyCRM.
	OfferID int64 `json:"offer_id,omitempty"`
	// WarehouseID is 0 (omitted) for fields that are not per warehouse and for
	// stock compared as a total over all warehouses.
	WarehouseID int64 `json:"warehouse_id,omitempty"`
	// Row is the item's row in a target that has rows; 0 (omitted) for KeyCRM
	// and for items a target does not hold yet.
	Row   int64  `json:"row,omitempty"`
	Field string `json:"field"`
	From  Value  `json:"from"`
	To    Value  `json:"to"`
}

// Key identifies the value a change writes, whatever the target: two changes with
// one Key write the same value.
type Key struct {
	SKU                string
	OfferID, Warehouse int64
	Row                int64
	Field              string
}

// Key returns c's Key. The SKU is part of it only for targets that name items by
// nothing else; for KeyCRM the offer id is the key (a SKU can be renamed).
func (c Change) Key() Key {
	k := Key{OfferID: c.OfferID, Warehouse: c.WarehouseID, Row: c.Row, Field: c.Field}
	if c.OfferID == 0 && c.Row == 0 {
		k.SKU = c.SKU
	}
	return k
}

// Item is the Key of the item c changes, whatever its field: two changes with one Item
// count as one item.
func (c Change) Item() Key {
	k := c.Key()
	k.Field = ""
	return k
}

// Missing is an item one side has and the other lacks.
type Missing struct {
	SKU string `json:"sku"`
	// OfferID names the KeyCRM offer of a SKU missing in the source.
	OfferID int64 `json:"offer_id,omitempty"`
	// WarehouseID names the KeyCRM warehouse of an item missing in the target
	// when the plan routes by --warehouse-map.
	WarehouseID int64 `json:"warehouse_id,omitempty"`
}

// Duplicate is a SKU left out of the plan because one side holds it more than once.
type Duplicate struct {
	SKU string `json:"sku"`
	// Warehouse is the source's warehouse for per-warehouse sources: the same SKU
	// twice in one warehouse is the duplicate.
	Warehouse string `json:"warehouse,omitempty"`
	// Rows are the source rows holding the item (1-based, header counted).
	Rows []int `json:"rows,omitempty"`
	// OfferIDs are the KeyCRM offers sharing the SKU.
	OfferIDs []int64 `json:"offer_ids,omitempty"`
	// Side is "target" for a duplicate in the --against location of a diff, whose
	// rows would otherwise read like the source's; omitted otherwise.
	Side string `json:"side,omitempty"`
}

// SideTarget marks a Duplicate found in a source read as the target.
const SideTarget = "target"

// Result is what applying the plan did.
type Result struct {
	RunID   string `json:"run_id"`
	Applied int    `json:"applied"`
	Failed  int    `json:"failed"`
	// Unconfirmed were sent but not read back (the read-back failed), so they
	// are neither applied nor failed; runs RUN_ID --check settles them.
	Unconfirmed int `json:"unconfirmed"`
	// Requests counts every HTTP attempt of the run, retries and 429s included.
	Requests int `json:"requests"`
}

// planJSON has Plan's fields without its methods, so MarshalJSON can use the default
// encoding without recursing.
type planJSON Plan

// MarshalJSON writes the contract shape: nil lists become [] so a plan built by hand
// (or by a future command) can never print null where the contract promises a list.
// MissingInSource keeps nil, which means "not computed".
func (p Plan) MarshalJSON() ([]byte, error) {
	q := planJSON(p)
	q.Target.WarehouseIDs = orEmpty(q.Target.WarehouseIDs)
	q.Changes = orEmpty(q.Changes)
	q.MissingInTarget = orEmpty(q.MissingInTarget)
	q.Duplicates = orEmpty(q.Duplicates)
	q.Problems = orEmpty(q.Problems)
	q.Guards = orEmpty(q.Guards)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// SKUs and names often hold & < >; escaping them as \u0026 would make the plan
	// harder to read and grep. The outer encoder still escapes if it was asked to.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(q); err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Ignore names the classes diff --ignore leaves out of its verdict; they are still
// listed in the plan.
type Ignore struct {
	MissingInSource, MissingInTarget, Duplicates, Problems bool
}

// Differs is diff's verdict: true when any entry changes, or any SKU is missing on a
// side, or any item is left out for a duplicate or a problem, in a class not ignored.
// Left-out items count because nothing was compared for them: "in sync" would be a
// claim about stock nobody looked at.
func (p *Plan) Differs(ign Ignore) bool {
	return len(p.Changes) > 0 ||
		(!ign.MissingInTarget && len(p.MissingInTarget) > 0) ||
		(!ign.MissingInSource && len(p.MissingInSource)+len(p.NearMatches) > 0) ||
		(!ign.Duplicates && len(p.Duplicates) > 0) ||
		(!ign.Problems && len(p.Problems) > 0)
}

// ZeroesMissing reports whether the plan sets offers absent from the source to 0, as
// push-stock --missing zero does. `apply PLAN.json` uses it to re-evaluate
// min-coverage: a saved plan does not record the flag, but only zeroing entries need
// that guard, and they are recognisable because their SKU is listed as missing in
// the source.
func (p *Plan) ZeroesMissing() bool { return p.ZeroedMissing() > 0 }

// ZeroedMissing counts the change entries that set offers absent from the source to
// 0 (--missing zero), from the lists alone, so a plan read back is measured by what
// it would write rather than by its summary.
func (p *Plan) ZeroedMissing() int {
	if len(p.MissingInSource) == 0 {
		return 0
	}
	missing := make(map[string]bool, len(p.MissingInSource))
	for _, m := range p.MissingInSource {
		missing[m.SKU] = true
	}
	n := 0
	for _, c := range p.Changes {
		if missing[c.SKU] {
			n++
		}
	}
	return n
}
