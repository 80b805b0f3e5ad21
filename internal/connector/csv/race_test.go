//go:build race

package csv

// raceEnabled skips what the race detector makes too slow to be useful.
const raceEnabled = true
