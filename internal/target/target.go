// Package target defines what a plan is written to. Every write command (push-stock,
// pull-stock, apply, revert, and the shop and catalog commands) plans against a
// Target and hands it to package apply, which batches, journals and reads back the
// same way whatever the target is. A new target is one package implementing Target,
// plus the optional capabilities below that it has.
package target

import (
	"context"
	"io"

	"github.com/keycrm-sync/keycrm-sync/internal/plan"
)

// Need says what a plan needs from the target's current values.
type Need struct {
	// SKUs are the distinct SKUs of the source.
	SKUs []string
	// Full asks for every item the target holds, not only the source's SKUs,
	// because the plan lists (or zeroes) the items the source lacks.
	Full bool
	// Progress, when set, is told how many reads are done and how many there
	// will be (0 while unknown).
	Progress func(done, total int)
}

// Batch is one write: entries of one warehouse (0 for targets without warehouses),
// at most the target's batch size of them.
type Batch struct {
	WarehouseID int64
	Entries     []plan.Change
}

// Target is where a plan's changes are written.
type Target interface {
	// Describe is the plan's target header; Compute fills the warehouse ids.
	Describe() plan.Target
	// Snapshot reads the values a plan compares the source with.
	Snapshot(ctx context.Context, need Need) (plan.Snapshot, error)
	// Fields are the fields the target writes; a saved plan's entries of other
	// fields are refused before anything is sent.
	Fields() []string
	// BatchSize is the most entries one Write carries.
	BatchSize() int
	// Write sends one batch. The entries' To is what to write.
	Write(ctx context.Context, b Batch) error
	// Refused says what a failed Write certainly did not apply: the positions of
	// the entries the error names, when it names some of them (the rest may be
	// sent once more), or all when nothing of the batch was applied. When it
	// says neither, the write may have landed and only a read-back can tell.
	Refused(err error, b Batch) (items []int, all bool)
}

// ReadBacker is a target whose current values can be read for given entries: the
// read-back after a write, the staleness check of a saved plan, and the values a
// revert starts from.
type ReadBacker interface {
	Target
	// Current reads the items the entries name, as they are now.
	Current(ctx context.Context, entries []plan.Change) (plan.Snapshot, error)
}

// A Keeper is a target written whole (a file), whose previous content is kept before
// the first write so that revert can put it back.
type Keeper interface {
	Target
	// Size is the current content's size in bytes; exists is false when there
	// is none yet (a new file).
	Size() (size int64, exists bool, err error)
	// Keep copies the current content to w.
	Keep(w io.Writer) error
	// Restore puts back content Keep copied; a nil r means there was none, and
	// the target is removed.
	Restore(ctx context.Context, r io.Reader) error
}

// A PlanChecker is a target that cannot write every plan its command saves: apply
// asks it before anything is written.
type PlanChecker interface {
	Target
	// CheckPlan says why p cannot be written to the target, or nil.
	CheckPlan(p *plan.Plan) error
}
