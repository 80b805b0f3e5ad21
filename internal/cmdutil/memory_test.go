package cmdutil

import (
	"runtime/debug"
	"testing"
)

// TestGrowMemoryLimit proves the limit follows the inputs read so far and that
// GOMEMLIMIT in the environment wins.
func TestGrowMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetMemoryLimit(old)
		memory.input = 0
	})
	t.Setenv("GOMEMLIMIT", "")
	memory.input = 0
	GrowMemoryLimit(16 << 20)
	GrowMemoryLimit(0) // unknown size: no change
	GrowMemoryLimit(16 << 20)
	if got, want := debug.SetMemoryLimit(-1), int64(memoryBase+memoryPerByte*32<<20); got != want {
		t.Errorf("limit after two 16 MiB inputs = %d, want %d", got, want)
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	GrowMemoryLimit(1 << 30)
	if got, want := debug.SetMemoryLimit(-1), int64(memoryBase+memoryPerByte*32<<20); got != want {
		t.Errorf("with GOMEMLIMIT set, the limit moved to %d", got)
	}
}
