package cmdutil

import (
	"os"
	"runtime/debug"
	"sync"
)

// The soft memory limit follows the data: a base for the program itself plus a
// multiple of the bytes of every input read so far. An index costs about three
// times its file (a 16 MB million-row CSV becomes 32 MB of entries and 12 MB of
// SKU bytes), and sorting it needs a second copy of the entries and its sort keys
// for a moment. A constant limit would be too low for a big pair of files — the
// collector then runs without pause, as it can never get under it — and
// needlessly high for a small one, where the heap would double before a
// collection.
const (
	memoryBase    = 64 << 20
	memoryPerByte = 4
)

var memory struct {
	sync.Mutex
	input int64
}

// GrowMemoryLimit accounts for an input of n bytes about to be read and raises the
// soft memory limit to match. GOMEMLIMIT in the environment overrides it, as the
// runtime's own setting; inputs of unknown size (a pipe, a URL without a length)
// leave the limit where it is.
func GrowMemoryLimit(n int64) {
	if n <= 0 || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	memory.Lock()
	defer memory.Unlock()
	memory.input += n
	debug.SetMemoryLimit(memoryBase + memoryPerByte*memory.input)
}
