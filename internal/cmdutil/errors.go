package cmdutil

import (
	"errors"
	"fmt"
)

// UsageError is a mistake in the command line: a flag value, a missing flag, a
// combination the contract forbids. The CLI prints it with a hint to --help.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// UsageErrorf formats a UsageError.
func UsageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ErrDifferences means diff found differences: the plan it printed is the answer,
// so nothing more is printed and the exit code is 1.
var ErrDifferences = errors.New("differences found")

// SilentError carries an exit status for an outcome the command already reported
// in full (for example doctor's failed checks); the CLI prints nothing more.
type SilentError struct{ Err error }

func (e *SilentError) Error() string { return e.Err.Error() }
func (e *SilentError) Unwrap() error { return e.Err }
