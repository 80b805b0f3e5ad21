//go:build linux

package plan

import (
	"syscall"
	"unsafe"
)

// adviseHuge asks the kernel to back the memory of es with 2 MB pages where it
// can (MADV_HUGEPAGE). With transparent huge pages in "madvise" mode, the default
// of many distributions, nothing else asks for them, and the index's large slices,
// written once each, would take a page fault every 4 KB: for a million-row diff,
// a third of its page faults and a tenth of its CPU. The advice is only advice: an
// error (an older kernel, huge pages off) changes nothing.
//
// Slices smaller than a huge page cannot hold one and are left alone.
func adviseHuge(es []entry) {
	n := uintptr(cap(es)) * unsafe.Sizeof(entry{})
	if n < hugePage {
		return
	}
	_ = syscall.Madvise(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(es))), n), syscall.MADV_HUGEPAGE)
}

const hugePage = 2 << 20
