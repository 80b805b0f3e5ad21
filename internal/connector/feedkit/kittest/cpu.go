package kittest

import (
	"testing"
	"time"
)

// CPUMeter measures the CPU time a benchmark's loop uses. On a machine
// that other processes load, wall-clock MB/s measures the neighbours as much
// as the code; MB/s of CPU time, with the benchmark on one core (-cpu 1,
// GOMAXPROCS=1), is the work rate of that core.
type CPUMeter struct{ start time.Duration }

// StartCPU starts measuring; call it just before the b.Loop loop.
func StartCPU() CPUMeter { return CPUMeter{start: cpuTime()} }

// Report reports the bytes b.SetBytes set, per second of CPU time used
// since StartCPU, as cpu-MB/s (MB of 10⁶ bytes, as MB/s).
func (m CPUMeter) Report(b *testing.B, bytes int64) {
	used := cpuTime() - m.start
	if used <= 0 {
		return
	}
	b.ReportMetric(float64(bytes)*float64(b.N)/used.Seconds()/1e6, "cpu-MB/s")
}
