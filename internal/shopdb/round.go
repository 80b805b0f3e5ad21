package shopdb

import (
	"fmt"

	"github.com/keycrm-sync/keycrm-sync/pkg/decimal"
)

// Round is --round: how a decimal KeyCRM stock goes into an integer column.
type Round uint8

// Rounding modes; down is the contract's default, because selling a fraction
// of an item that is not there is worse than hiding it.
const (
	RoundDown Round = iota
	RoundNearest
	// RoundNone refuses a value with a fraction.
	RoundNone
)

// ParseRound reads a --round value; "" is down.
func ParseRound(s string) (Round, error) {
	switch s {
	case "", "down":
		return RoundDown, nil
	case "nearest":
		return RoundNearest, nil
	case "none":
		return RoundNone, nil
	}
	return 0, fmt.Errorf("--round %q: want down, nearest or none", s)
}

// String is the --round value.
func (r Round) String() string {
	return [...]string{"down", "nearest", "none"}[r]
}

// Int turns d into an integer column's value.
func (r Round) Int(d decimal.Decimal) (int64, error) {
	switch {
	case d.IsInteger():
	case r == RoundDown:
		d = d.Floor()
	case r == RoundNearest:
		d = d.Round()
	default:
		return 0, fmt.Errorf("quantity %s has a fraction and the column holds whole numbers (choose --round down or nearest)", d)
	}
	return d.Int64(), nil
}
