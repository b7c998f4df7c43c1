package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ReplayFilter selects the events to re-queue; empty fields match all.
type ReplayFilter struct {
	IDs    []int64
	Status string // failed or dead; empty: both
	CRM    string
}

// Replay re-queues failed and dead events: attempts start again from
// zero, and an event no plugin could read is read again. An id of a
// request selects its failed and dead items too. Events in any
// other status are left alone. It returns the ids re-queued.
func (q *Queries) Replay(ctx context.Context, f ReplayFilter) ([]int64, error) {
	now := time.Now().UTC()
	upd := q.idb.NewUpdate().Model((*Event)(nil)).
		// An item whose contact is known runs again from its decoded data;
		// one whose e-mail found no contact looks it up again; a request
		// no plugin could read is read again.
		Set("status = CASE WHEN decoded AND contact_id <> '' THEN ? ELSE ? END", StatusPending, StatusReceived).
		Set("attempts = 0, outcome = '', message = '', next_attempt_at = ?, updated_at = ?, finished_at = NULL", now, now).
		// A contact the webhook carried is as old as the webhook: newer
		// events of the contact may have been applied since, so a replay
		// asks the CRM for the contact as it is now.
		Set("contact = ''").
		ApplyQueryBuilder(f.where)
	var ids []int64
	if err := upd.Returning("id").Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("store: replay events: %w", err)
	}
	return ids, nil
}

// where narrows a query to the replayable events f selects: failed or
// dead (or f.Status), and f's ids and CRM when given.
func (f ReplayFilter) where(q bun.QueryBuilder) bun.QueryBuilder {
	statuses := []string{StatusFailed, StatusDead}
	if f.Status != "" {
		statuses = []string{f.Status}
	}
	q = q.Where("status IN (?)", bun.In(statuses))
	if len(f.IDs) > 0 {
		q = q.Where("(id IN (?) OR request_id IN (?))", bun.In(f.IDs), bun.In(f.IDs))
	}
	if f.CRM != "" {
		q = q.Where("crm = ?", f.CRM)
	}
	return q
}
