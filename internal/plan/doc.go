// Package plan computes, checks and serialises sync plans. A Plan says what a command
// would change in the target, what it could not match and why; its struct is the JSON
// contract of the command line (cli.md section 8), so a saved plan can be read back by
// `apply PLAN.json`. Computing a plan never writes anything and reads no file and no
// network: the caller streams the source into an Index and hands over a Snapshot of
// the target.
//
// # Flow
//
//	x, _ := plan.NewIndex(plan.IndexOptions{Warehouse: 1})
//	reader.Read(ctx, x)                 // x is the reader's sink
//	_ = x.Finish()
//	p, _ := plan.Compute(x, snapshot, plan.Options{Command: plan.CmdPushStock, MissingZero: zero})
//	tripped := p.CheckGuards(limits, plan.Checks{Source: true, Coverage: zero})
//
// # Rules the contract leaves open, decided here
//
// Items and counts. A planned item is one SKU in one routed KeyCRM warehouse (with
// --warehouse or --warehouse-map), else one SKU; every count in Summary is in these
// items. Several source warehouses routed to one KeyCRM warehouse are summed; a
// duplicate (the same SKU twice in one source warehouse) leaves out the item it is
// routed to, so a partial sum is never written. Fields that are not per warehouse
// (price, purchased_price, name) are compared once per SKU; their entries carry no
// warehouse_id and count towards the SKU's first item (lowest warehouse id), which
// keeps unchanged + changes = matched.
//
// Held-back SKUs. A SKU with a problem row is never written or changed: the row that
// could not be read may have carried part of its stock (another warehouse's row, or
// the right value). It is still matched, and counts as unchanged. Rows of one SKU that
// disagree on a per-SKU field (two prices) make that field unknown and a problem.
//
// Missing entries. missing_in_target lists items (with warehouse_id when routing by
// map). missing_in_source lists KeyCRM offers ({"sku","offer_id"}), is null when the
// snapshot was read only for the source's SKUs and also for delta sources (absence
// from a changes-only source says nothing). With --missing zero, each missing offer is
// set to 0 in every routed KeyCRM warehouse where it holds more than 0; each such
// entry is an item, so unchanged + changes = matched + zeroed items.
//
// Target duplicates. A SKU held by several KeyCRM offers is listed once with its offer
// ids, whether or not the source holds it, and is never matched, missing or zeroed.
// For diff --against LOCATION the target is another source (Index.AsTarget): its
// duplicates carry "side": "target", its problem rows are listed as problems, and the
// SKUs it cannot compare are neither matched nor missing on either side. The plan's
// target.api_url is null then, as source.sha256 is for a database source.
//
// Guards. empty-source reports counts, not fractions: limit 1 ("at least one valid
// item") and value = source.items. A ratio whose denominator is 0 is 1 (and trips)
// when its numerator is positive, else 0; min-coverage with nothing to cover is 1.
// max-price-change measures |to-from|/from over price and purchased_price entries; a
// price set where there was none (from 0) has no relative change and is not measured;
// it is evaluated for plans checked with Checks.Prices and any plan holding a price
// change.
// Limits above 100% are accepted with a % sign (a price may double); a bare number
// above 1 is refused as ambiguous. Revert plans skip empty-source, max-changes and
// min-coverage, which measure a source against the catalogue.
//
// Order. Changes sort by SKU, warehouse id, then field in contract order (quantity,
// price, purchased_price, name); missing entries by SKU and warehouse; duplicates by
// SKU (the source's, then KeyCRM's, then the --against side's); problems by file and
// row, the source's before the target's.
package plan
