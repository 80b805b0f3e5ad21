//go:build race

package plan

// raceEnabled skips allocation measurements, which the race detector inflates.
const raceEnabled = true
