//go:build !race

package kittest

// RaceEnabled tells tests to skip what the race detector makes too slow to
// be useful (a million generated records).
const RaceEnabled = false
