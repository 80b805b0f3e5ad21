//go:build race

package commerceml

// raceEnabled skips what the race detector makes too slow to be useful.
const raceEnabled = true
