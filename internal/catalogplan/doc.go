// Package catalogplan plans the catalogue commands: `import` (create the products
// whose SKUs KeyCRM lacks) and `edit-products` (make existing offers and product
// cards equal to the source). Planning is pure: the caller streams the source into a
// Collector and hands over what it read from KeyCRM; nothing here sends a request.
//
// # Rules the contract leaves open, decided here
//
// Grouping. A row's group is its parent_sku, else its own SKU. A row whose SKU is
// another row's parent_sku is the parent row (WooCommerce's "variable" product): it
// gives the card (name, description, category, pictures) and is not itself a
// sellable unit, because KeyCRM keeps SKUs on offers and a product with variants
// sells only its variants. Sources without parent rows (YML group_id, CommerceML
// characteristics) take the card from the group's first variant. When the source
// has parent rows at all, a variant whose parent row is missing is a problem: the
// parent was probably filtered out or mistyped, and guessing its card would create
// a product nobody asked for.
//
// Rows of one SKU. Per-warehouse sources repeat a SKU once per warehouse; rows that
// agree on what the product is (name, parent, properties) are one unit. Rows of one
// SKU that disagree are "one SKU used by two products": every row of that SKU is a
// problem, and its whole group is left out, so nothing is half-created.
//
// Categories. A value holding ">" is a path split at ">" (WooCommerce writes
// "Clothing > Tshirts"), so "/" inside it is literal; otherwise "/" splits the
// path ("Взуття/Кросівки"). A "/"-split path is ambiguous when KeyCRM already holds
// a category whose own name contains "/" and equals a run of the path's segments:
// such rows are problems and say how to write the path unambiguously. Each segment
// is matched by exact name (surrounding spaces trimmed) among the children of the
// previous one; two siblings of one name make the path ambiguous as well.
//
// Limits. KeyCRM's contract (openapi.yaml) declares no maxLength for names; the
// account's database keeps names in 255-character columns (Laravel's default
// string), so longer names are problems rather than a 422 in the middle of a batch.
package catalogplan
