package keycrmmock

import "net/http"

// listCategories is GET /products/categories.
func listCategories(st *store, c *call) reply {
	q := c.r.URL.Query()
	ids := filterIDs(q.Get("filter[category_id]"))
	parents := filterIDs(q.Get("filter[parent_id]"))
	categories := st.categories
	if ids != nil || parents != nil {
		categories = nil
		for _, cat := range st.categories {
			switch {
			case ids != nil && !ids[cat.ID]:
			case parents != nil && (cat.ParentID == nil || !parents[*cat.ParentID]):
			default:
				categories = append(categories, cat)
			}
		}
	}
	return reply{http.StatusOK, paginate(c.r, categories, false, func(cat *Category) Category { return *cat })}
}

// createCategory is POST /products/categories. Names need not be unique, as in
// KeyCRM's UI.
func createCategory(st *store, c *call) reply {
	body, ok := parseBody(c.body)
	if !ok {
		return invalid(body.errs)
	}
	cat := &Category{}
	if name := body.text("name", true); name != nil {
		cat.Name = *name
	}
	if id, ok := body.integer("parent_id"); ok {
		if _, known := st.categoryByID[id]; known {
			cat.ParentID = &id
		} else {
			body.errs.add("parent_id", "The selected parent_id is invalid.")
		}
	}
	if len(body.errs) > 0 {
		return invalid(body.errs)
	}
	st.addCategory(cat)
	return reply{http.StatusCreated, *cat}
}
