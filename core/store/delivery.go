package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// DeliveryClaim is a delivery taken for sending, with its change.
type DeliveryClaim struct {
	AppDelivery
	Change Change
}

// ClaimDeliveries takes up to limit due deliveries of apps for sending:
// pending ones whose time has come, and ones still sending after their
// lease ran out (their hub stopped mid-way). Per app, only the oldest
// unfinished delivery of a user is due, so a user's changes reach an app
// in order; different users' go in parallel. Each claimed delivery counts
// one more attempt and carries a new lease token, held until now+lease.
// Hubs sharing PostgreSQL never claim the same delivery.
func (s *Store) ClaimDeliveries(ctx context.Context, apps []string, now time.Time, lease time.Duration, limit int) ([]DeliveryClaim, error) {
	if len(apps) == 0 || limit < 1 {
		return nil, nil
	}
	now = now.UTC()
	var claims []DeliveryClaim
	err := s.InTx(ctx, func(ctx context.Context, tx *Tx) error {
		lock := ""
		if tx.dialect == Postgres {
			lock = " FOR UPDATE OF d SKIP LOCKED"
		}
		var due []AppDelivery
		err := tx.idb.NewRaw(`SELECT d.* FROM app_deliveries AS d
WHERE d.app IN (?) AND ((d.status = ? AND d.next_attempt_at <= ?) OR (d.status = ? AND d.lease_until <= ?))
AND NOT EXISTS (SELECT 1 FROM app_deliveries AS e
	WHERE e.app = d.app AND e.user_id = d.user_id AND e.id < d.id AND e.status IN (?, ?))
ORDER BY d.next_attempt_at, d.id LIMIT ?`+lock,
			bun.In(apps), DeliveryPending, now, DeliverySending, now, DeliveryPending, DeliverySending, limit).Scan(ctx, &due)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		changeIDs := make([]int64, len(due))
		for i, d := range due {
			changeIDs[i] = d.ChangeID
		}
		var changes []Change
		if err := tx.idb.NewSelect().Model(&changes).Where("id IN (?)", bun.In(changeIDs)).Scan(ctx); err != nil {
			return err
		}
		byID := make(map[int64]Change, len(changes))
		for _, c := range changes {
			byID[c.ID] = c
		}
		until := now.Add(lease)
		for _, d := range due {
			d.Status, d.Attempts, d.LeaseToken, d.LeaseUntil, d.UpdatedAt = DeliverySending, d.Attempts+1, rand.Text(), &until, now
			if _, err := tx.idb.NewUpdate().Model(&d).
				Column("status", "attempts", "lease_token", "lease_until", "updated_at").WherePK().Exec(ctx); err != nil {
				return err
			}
			claims = append(claims, DeliveryClaim{AppDelivery: d, Change: byID[d.ChangeID]})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", err)
	}
	return claims, nil
}

// DeliveryResult is how one attempt at a delivery went.
type DeliveryResult struct {
	// Status is delivered, dead, or pending to retry at NextAttemptAt.
	Status        string
	NextAttemptAt time.Time
	// ResponseStatus is the app's HTTP status, 0 when it did not answer.
	ResponseStatus int
	Error          string
}

// FinishDelivery records how the claimed delivery went. It reports false,
// changing nothing, when the claim is no longer the delivery's (its lease
// ran out and another hub took it over).
func (q *Queries) FinishDelivery(ctx context.Context, id int64, token string, r DeliveryResult) (bool, error) {
	now := time.Now().UTC()
	upd := q.idb.NewUpdate().Model((*AppDelivery)(nil)).
		Set("status = ?", r.Status).Set("response_status = ?", r.ResponseStatus).Set("last_error = ?", r.Error).
		Set("lease_token = ''").Set("lease_until = NULL").Set("updated_at = ?", now).
		Where("id = ? AND lease_token = ? AND status = ?", id, token, DeliverySending)
	if r.Status == DeliveryPending {
		upd = upd.Set("next_attempt_at = ?", r.NextAttemptAt.UTC())
	} else {
		upd = upd.Set("finished_at = ?", now)
	}
	res, err := upd.Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: record delivery %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: record delivery %d: %w", id, err)
	}
	return n == 1, nil
}

// DeliveryFilter selects deliveries; empty fields match all.
type DeliveryFilter struct {
	App    string
	Status string
	UserID int64
}

// ListDeliveries returns one page of the deliveries f selects, newest first,
// and the cursor of the next page (0 when this is the last).
func (q *Queries) ListDeliveries(ctx context.Context, f DeliveryFilter, p Page) ([]AppDelivery, int64, error) {
	var rows []AppDelivery
	if err := q.listDeliveries(&rows, f, p).Scan(ctx); err != nil {
		return nil, 0, fmt.Errorf("store: list deliveries: %w", err)
	}
	rows, next := cut(p, rows, func(d AppDelivery) int64 { return d.ID })
	return rows, next, nil
}

// listDeliveries selects ListDeliveries' page into rows; a user's
// through app_deliveries_user on PostgreSQL.
func (q *Queries) listDeliveries(rows *[]AppDelivery, f DeliveryFilter, p Page) *bun.SelectQuery {
	sel := q.idb.NewSelect().Model(rows)
	if f.App != "" {
		sel = sel.Where("app = ?", f.App)
	}
	if f.Status != "" {
		sel = sel.Where("status = ?", f.Status)
	}
	if f.UserID != 0 {
		sel = sel.Where("user_id = ?", f.UserID)
	}
	return p.paginate(sel)
}

// ReplayDeliveries sends an app's deliveries of a status (dead or
// delivered) created since `since` again from the first attempt, and
// reports how many.
func (q *Queries) ReplayDeliveries(ctx context.Context, app, status string, since time.Time) (int, error) {
	now := time.Now().UTC()
	res, err := q.idb.NewUpdate().Model((*AppDelivery)(nil)).
		Set("status = ?", DeliveryPending).Set("attempts = 0").Set("next_attempt_at = ?", now).
		Set("updated_at = ?", now).Set("finished_at = NULL").
		Where("app = ? AND status = ? AND created_at >= ?", app, status, since.UTC()).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: replay %s deliveries of %s: %w", status, app, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: replay %s deliveries of %s: %w", status, app, err)
	}
	return int(n), nil
}

// DeliveryCounts counts the deliveries by app and status.
func (q *Queries) DeliveryCounts(ctx context.Context) (map[string]map[string]int, error) {
	var rows []struct {
		App    string `bun:"app"`
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	if err := q.idb.NewSelect().Model((*AppDelivery)(nil)).Column("app", "status").ColumnExpr("COUNT(*) AS n").
		Group("app", "status").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: count deliveries: %w", err)
	}
	out := map[string]map[string]int{}
	for _, r := range rows {
		if out[r.App] == nil {
			out[r.App] = map[string]int{}
		}
		out[r.App][r.Status] = r.N
	}
	return out, nil
}

// DeliveryBacklog counts each app's deliveries not yet delivered or dead.
func (q *Queries) DeliveryBacklog(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		App string `bun:"app"`
		N   int    `bun:"n"`
	}
	if err := q.idb.NewSelect().Model((*AppDelivery)(nil)).Column("app").ColumnExpr("COUNT(*) AS n").
		Where("status IN (?)", bun.In([]string{DeliveryPending, DeliverySending})).
		Group("app").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: count delivery backlog: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.App] = r.N
	}
	return out, nil
}

// ExpireDeliveryLeases makes every delivery marked sending due at once.
// Only for a hub that knows it is alone on its database (SQLite) at start.
func (q *Queries) ExpireDeliveryLeases(ctx context.Context) error {
	if _, err := q.idb.NewUpdate().Model((*AppDelivery)(nil)).Set("lease_until = ?", time.Now().UTC()).
		Where("status = ?", DeliverySending).Exec(ctx); err != nil {
		return fmt.Errorf("store: expire delivery leases: %w", err)
	}
	return nil
}
