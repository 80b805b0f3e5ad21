// Package catalogcmd is what the catalogue commands (import, edit-products) share
// before they plan: settings checked first, the lock, the source read whole and
// KeyCRM read for the source's SKUs.
package catalogcmd

import (
	"context"

	"github.com/keycrm-sync/keycrm-sync/internal/catalogplan"
	"github.com/keycrm-sync/keycrm-sync/internal/cmdutil"
	"github.com/keycrm-sync/keycrm-sync/internal/importer"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
	"github.com/keycrm-sync/keycrm-sync/internal/readflow"
	"github.com/keycrm-sync/keycrm-sync/internal/writeflow"
	"github.com/keycrm-sync/keycrm-sync/pkg/keycrm"
)

// Session is a catalogue command's inputs, read.
type Session struct {
	Client   *keycrm.Client
	Rows     *catalogplan.Collector
	Source   plan.Source
	Existing catalogplan.Existing
	// Release lets the lock go; always safe to call.
	Release func()
}

// Open checks every setting before anything is opened (a bad flag is exit 2 with
// nothing read), takes the lock, reads the source and then KeyCRM: the offers
// holding the source's SKUs, with their cards when withProducts, and the
// category tree.
func Open(ctx context.Context, f *cmdutil.Factory, from string, read *readflow.Flags, write *writeflow.Options, withProducts bool) (*Session, error) {
	readOpt, err := read.Options(f)
	if err != nil {
		return nil, err
	}
	if err := write.Check(f); err != nil {
		return nil, err
	}
	client, err := f.KeyCRM()
	if err != nil {
		return nil, err
	}
	release, err := write.Lock(f)
	if err != nil {
		return nil, err
	}
	s := &Session{Client: client, Release: release}
	if s.Rows, s.Source, err = catalogplan.Read(ctx, f.Formats(), from, readOpt); err != nil {
		release()
		return nil, err
	}
	if s.Existing, err = importer.ReadTarget(ctx, client, s.Rows.SKUs(), withProducts); err != nil {
		release()
		return nil, err
	}
	return s, nil
}
