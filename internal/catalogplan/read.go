package catalogplan

import (
	"context"
	"fmt"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
)

// Read opens a source with the registry and collects every row of it. The
// source's info (format, digest, fields) comes back for the plan's source block.
func Read(ctx context.Context, reg *connector.Registry, location string, opt connector.ReadOptions) (*Collector, connector.SourceInfo, error) {
	r, err := reg.Open(ctx, location, opt)
	if err != nil {
		return nil, connector.SourceInfo{}, err
	}
	c := NewCollector()
	if err := r.Read(ctx, c); err != nil {
		_ = r.Close() // the read error is the one worth reporting
		return nil, connector.SourceInfo{}, fmt.Errorf("read %s: %w", location, err)
	}
	info := r.Info()
	if err := r.Close(); err != nil {
		return nil, info, fmt.Errorf("close %s: %w", location, err)
	}
	return c, info, nil
}
