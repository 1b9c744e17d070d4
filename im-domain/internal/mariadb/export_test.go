package mariadb

import (
	"context"
	"slices"
)

// MigrateWithout applies every migration except the given versions: the
// schema an older release left, for testing a migration over existing data.
func (d *DB) MigrateWithout(ctx context.Context, versions ...int) error {
	all, err := migrations()
	if err != nil {
		return err
	}
	return d.migrate(ctx, slices.DeleteFunc(all, func(m Migration) bool { return slices.Contains(versions, m.Version) }))
}
