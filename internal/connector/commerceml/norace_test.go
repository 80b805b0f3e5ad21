//go:build !race

package commerceml

const raceEnabled = false
