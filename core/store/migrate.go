package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun/migrate"

	"github.com/crmhub/crmhub/core/store/migrations"
)

// migrationLockID is the PostgreSQL advisory lock that serialises hubs
// migrating one database at the same time ("crmhub" in ASCII).
const migrationLockID = 0x63726d687562

// Migrate brings the schema up to date. Running it again is a no-op; hubs
// starting together on one PostgreSQL database migrate once.
func (s *Store) Migrate(ctx context.Context) error {
	return s.withMigrationLock(ctx, func() error {
		m := migrate.NewMigrator(s.db, migrations.Migrations, migrate.WithMarkAppliedOnSuccess(true))
		if err := m.Init(ctx); err != nil {
			return fmt.Errorf("store: init migrations: %w", err)
		}
		if _, err := m.Migrate(ctx); err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		return nil
	})
}

// Migrated reports whether every migration this binary knows has been
// applied. (A store migrated further by a newer hub counts as migrated:
// migrations only add.)
func (s *Store) Migrated(ctx context.Context) (bool, error) {
	m := migrate.NewMigrator(s.db, migrations.Migrations)
	all, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return false, fmt.Errorf("store: read migrations: %w", err)
	}
	return len(all.Unapplied()) == 0, nil
}

// withMigrationLock runs fn holding the advisory lock on PostgreSQL.
// SQLite serves one process, whose single connection already serialises.
func (s *Store) withMigrationLock(ctx context.Context, fn func() error) error {
	if s.dialect != Postgres {
		return fn()
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migration lock: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockID); err != nil {
		return fmt.Errorf("store: take migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrationLockID) //nolint:errcheck // closing the session frees it too
	return fn()
}
