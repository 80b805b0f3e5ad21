package catalogplan

import (
	"context"
	"fmt"

	"github.com/keycrm-sync/keycrm-sync/internal/connector"
	"github.com/keycrm-sync/keycrm-sync/internal/plan"
)

// Read opens a source with the registry and collects every row of it. It returns
// the plan's source block too: the location as shown (credentials masked), the
// format and the digest of the bytes read.
func Read(ctx context.Context, reg *connector.Registry, location string, opt connector.ReadOptions) (*Collector, plan.Source, error) {
	loc, err := connector.ParseLocation(location)
	if err != nil {
		return nil, plan.Source{}, err
	}
	src := plan.Source{Location: loc.String()}
	r, err := reg.Open(ctx, location, opt)
	if err != nil {
		return nil, src, err
	}
	c := NewCollector()
	if err := r.Read(ctx, c); err != nil {
		_ = r.Close() // the read error is the one worth reporting
		return nil, src, fmt.Errorf("read %s: %w", src.Location, err)
	}
	info := r.Info()
	if info.Header != nil {
		c.columns = info.Header.Columns
	}
	src.Format = info.Format
	if info.SHA256 != "" {
		src.SHA256 = &info.SHA256
	}
	if err := r.Close(); err != nil {
		return nil, src, fmt.Errorf("close %s: %w", src.Location, err)
	}
	return c, src, nil
}
