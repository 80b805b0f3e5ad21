//go:build !linux

package plan

// adviseHuge does nothing where MADV_HUGEPAGE does not exist.
func adviseHuge([]entry) {}
