package migrations

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

func init() {
	// A user's page shows the user's newest activity lines and deliveries
	// to apps. Without an index by user, each read goes through the table
	// newest first, to its end for a user with fewer rows than the page
	// shows: most users. On PostgreSQL, the production store, such an
	// index costs a write nothing measurable. On SQLite it is left out:
	// each commit would write a page of the index for each user it
	// touches, and an activity line (one or more for every event) took
	// 46 µs to write instead of 10, on the one connection every event
	// waits for.
	Migrations.MustRegister(func(ctx context.Context, db *bun.DB) error {
		if db.Dialect().Name() != dialect.PG {
			return nil
		}
		return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for _, stmt := range []string{
				`CREATE INDEX activity_user ON activity (user_id, id) WHERE user_id IS NOT NULL`,
				`CREATE INDEX app_deliveries_user ON app_deliveries (user_id, id)`,
			} {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w", stmt, err)
				}
			}
			return nil
		})
	}, nil)
}
