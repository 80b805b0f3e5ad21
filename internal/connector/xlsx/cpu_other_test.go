//go:build !unix

package xlsx

import "time"

// cpuTime is not measured here; benchmarks then report 0 CPU ms/op.
func cpuTime() time.Duration { return 0 }
