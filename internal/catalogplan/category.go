package catalogplan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

// Categories is KeyCRM's category tree, for resolving the source's names and paths.
type Categories struct {
	children map[int64][]keycrm.Category // by parent id; 0 holds the roots
	slashed  map[string]bool             // names that contain "/"
}

// NewCategories indexes the categories read from GET /products/categories.
func NewCategories(list []keycrm.Category) *Categories {
	c := &Categories{children: map[int64][]keycrm.Category{}, slashed: map[string]bool{}}
	for _, cat := range list {
		var parent int64
		if cat.ParentID != nil {
			parent = *cat.ParentID
		}
		c.children[parent] = append(c.children[parent], cat)
		if strings.Contains(cat.Name, "/") {
			c.slashed[strings.TrimSpace(cat.Name)] = true
		}
	}
	return c
}

// SplitPath splits a category value into its names, root first (see the package
// doc for the separators). Empty segments are dropped.
func SplitPath(s string) []string {
	sep := "/"
	if strings.Contains(s, ">") {
		sep = ">"
	}
	var out []string
	for _, seg := range strings.Split(s, sep) {
		if seg = strings.TrimSpace(seg); seg != "" {
			out = append(out, seg)
		}
	}
	return out
}

var errAmbiguous = errors.New("ambiguous category")

// Resolve finds the deepest existing category along the path. It returns that
// category's id (0 when not even the root exists) and how many segments it covers;
// the rest would have to be created.
func (c *Categories) Resolve(value string) (id int64, found int, path []string, err error) {
	path = SplitPath(value)
	if !strings.Contains(value, ">") && len(path) > 1 {
		for i := range path {
			for j := i + 2; j <= len(path); j++ {
				if joined := strings.Join(path[i:j], "/"); c.slashed[joined] {
					return 0, 0, path, fmt.Errorf("%w: KeyCRM has a category named %q, so %q could be a path or that name; write the path with \">\" (%s)",
						errAmbiguous, joined, value, strings.Join(path, " > "))
				}
			}
		}
	}
	for found < len(path) {
		var hits []keycrm.Category
		for _, cat := range c.children[id] {
			if strings.TrimSpace(cat.Name) == path[found] {
				hits = append(hits, cat)
			}
		}
		if len(hits) == 0 {
			break
		}
		if len(hits) > 1 {
			return 0, 0, path, fmt.Errorf("%w: KeyCRM has %d categories named %q under one parent (ids %d and %d)",
				errAmbiguous, len(hits), path[found], hits[0].ID, hits[1].ID)
		}
		id = hits[0].ID
		found++
	}
	return id, found, path, nil
}

// Child returns the category named name directly under parent (0: a root), or
// nil.
func (c *Categories) Child(parent int64, name string) *keycrm.Category {
	for _, cat := range c.children[parent] {
		if strings.TrimSpace(cat.Name) == name {
			return &cat
		}
	}
	return nil
}

// PathKey is the identity of a category path in plans and results: its names
// joined with " > ".
func PathKey(path []string) string { return strings.Join(path, " > ") }
