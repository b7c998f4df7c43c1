package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// QueueOutbox adds a side effect to deliver once the transaction commits.
// It reports false, without an error, when the user already has an item of
// this kind: a repeated creation step never queues a second welcome mail.
// Status and NextAttemptAt default to pending and now.
func (q *Queries) QueueOutbox(ctx context.Context, item *OutboxItem) (bool, error) {
	now := time.Now().UTC()
	item.CreatedAt = now
	if item.Status == "" {
		item.Status = OutboxPending
	}
	if item.NextAttemptAt.IsZero() {
		item.NextAttemptAt = now
	}
	res, err := q.idb.NewInsert().Model(item).On("CONFLICT DO NOTHING").Returning("id").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: queue %s for user %d: %w", item.Kind, item.UserID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: queue %s for user %d: %w", item.Kind, item.UserID, err)
	}
	return n == 1, nil
}

// OutboxClaim is an outbox item taken for delivery.
type OutboxClaim struct {
	OutboxItem
	// Interrupted means an earlier delivery was claimed and never
	// finished — the hub stopped while sending — so the side effect may
	// already have happened once.
	Interrupted bool
}

// ClaimOutbox takes up to limit due items for delivery: pending items whose
// time has come, and items still marked sending after their claim ran out
// (their hub stopped mid-way). Each is marked sending until `until` and
// counts one more attempt. Hubs sharing PostgreSQL never claim the same item.
func (s *Store) ClaimOutbox(ctx context.Context, now, until time.Time, limit int) ([]OutboxClaim, error) {
	var claims []OutboxClaim
	err := s.InTx(ctx, func(ctx context.Context, tx *Tx) error {
		var items []OutboxItem
		sel := tx.idb.NewSelect().Model(&items).
			Where("status IN (?) AND next_attempt_at <= ?", bun.In([]string{OutboxPending, OutboxSending}), now.UTC()).
			Order("next_attempt_at", "id").Limit(int64(limit))
		if tx.dialect == Postgres {
			sel = sel.For("UPDATE SKIP LOCKED")
		}
		if err := sel.Scan(ctx); err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		ids := make([]int64, len(items))
		for i, it := range items {
			ids[i] = it.ID
		}
		if _, err := tx.idb.NewUpdate().Model((*OutboxItem)(nil)).
			Set("status = ?", OutboxSending).Set("attempts = attempts + 1").Set("next_attempt_at = ?", until.UTC()).
			Where("id IN (?)", bun.In(ids)).Exec(ctx); err != nil {
			return err
		}
		for _, it := range items {
			c := OutboxClaim{OutboxItem: it, Interrupted: it.Status == OutboxSending}
			c.Status, c.Attempts, c.NextAttemptAt = OutboxSending, it.Attempts+1, until.UTC()
			claims = append(claims, c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim outbox items: %w", err)
	}
	return claims, nil
}

// MarkOutboxSent records a delivered item and wipes its secret.
func (q *Queries) MarkOutboxSent(ctx context.Context, id int64) error {
	return q.finishOutbox(ctx, id, OutboxSent, "")
}

// MarkOutboxFailed records an item given up on and wipes its secret.
func (q *Queries) MarkOutboxFailed(ctx context.Context, id int64, lastErr string) error {
	return q.finishOutbox(ctx, id, OutboxFailed, lastErr)
}

func (q *Queries) finishOutbox(ctx context.Context, id int64, status, lastErr string) error {
	if _, err := q.idb.NewUpdate().Model((*OutboxItem)(nil)).
		Set("status = ?", status).Set("secret = NULL").Set("last_error = ?", lastErr).
		Set("done_at = ?", time.Now().UTC()).
		Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("store: mark outbox item %d %s: %w", id, status, err)
	}
	return nil
}

// RescheduleOutbox puts an item back to pending, due at next.
func (q *Queries) RescheduleOutbox(ctx context.Context, id int64, next time.Time, lastErr string) error {
	if _, err := q.idb.NewUpdate().Model((*OutboxItem)(nil)).
		Set("status = ?", OutboxPending).Set("next_attempt_at = ?", next.UTC()).Set("last_error = ?", lastErr).
		Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("store: reschedule outbox item %d: %w", id, err)
	}
	return nil
}

// PutBackOutbox returns an item claimed with ClaimOutbox to pending, due
// at next, and takes back the attempt its claim counted: for an item that
// waits on something outside it, such as the secret key its password was
// sealed with.
func (q *Queries) PutBackOutbox(ctx context.Context, id int64, next time.Time, lastErr string) error {
	if _, err := q.idb.NewUpdate().Model((*OutboxItem)(nil)).
		Set("status = ?", OutboxPending).Set("next_attempt_at = ?", next.UTC()).Set("last_error = ?", lastErr).
		Set("attempts = attempts - 1").
		Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("store: put back outbox item %d: %w", id, err)
	}
	return nil
}

// OutboxItems returns a user's outbox items, oldest first.
func (q *Queries) OutboxItems(ctx context.Context, userID int64) ([]OutboxItem, error) {
	var items []OutboxItem
	if err := q.idb.NewSelect().Model(&items).Where("user_id = ?", userID).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: read outbox of user %d: %w", userID, err)
	}
	return items, nil
}

// ExpireOutboxClaims makes every item marked sending due at once, to be
// claimed again as interrupted. Only for a hub that knows it is alone on
// its database (SQLite) at start: another hub's claims would be broken.
func (q *Queries) ExpireOutboxClaims(ctx context.Context) (int, error) {
	res, err := q.idb.NewUpdate().Model((*OutboxItem)(nil)).
		Set("next_attempt_at = ?", time.Now().UTC()).
		Where("status = ?", OutboxSending).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: expire outbox claims: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: expire outbox claims: %w", err)
	}
	return int(n), nil
}
