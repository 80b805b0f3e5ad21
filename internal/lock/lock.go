// Package lock keeps two write runs from overlapping. It takes an OS file lock on
// <state-dir>/lock, which the kernel releases when the holder dies, so a killed cron
// run never blocks the next one; the holder's pid is written inside for the message
// the second run prints.
package lock

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofrs/flock"
)

// HeldError says another process holds the lock.
type HeldError struct {
	Path string
	PID  int // 0 when the holder's pid could not be read
}

func (e *HeldError) Error() string {
	who := "another keycrm-sync run"
	if e.PID > 0 {
		who = fmt.Sprintf("another keycrm-sync run (pid %d)", e.PID)
	}
	return fmt.Sprintf("%s holds the lock %s; wait for it to finish (a killed run releases it automatically)", who, e.Path)
}

// Lock is a held lock.
type Lock struct {
	fl *flock.Flock
}

// Acquire takes the lock in dir without waiting.
func Acquire(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	path := filepath.Join(dir, "lock")
	fl := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		return nil, &HeldError{Path: path, PID: readPID(path)}
	}
	if err := writePID(path); err != nil {
		_ = fl.Unlock()
		return nil, err
	}
	return &Lock{fl: fl}, nil
}

// Release frees the lock.
func (l *Lock) Release() error {
	return l.fl.Unlock()
}

func writePID(path string) error {
	// The lock file itself stays (removing it would race with a waiting run);
	// only its content changes.
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return fmt.Errorf("write pid to %s: %w", path, err)
	}
	return nil
}

func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}
