package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Statuses lists every event status, in the order an event goes through
// them.
var Statuses = []string{StatusReceived, StatusPending, StatusProcessing, StatusRetrying, StatusDone, StatusFailed, StatusDead}

// EventFilter selects events for ListEvents; empty fields match all.
type EventFilter struct {
	Status    string
	CRM       string
	Action    string
	ContactID string
	// RequestID selects the items 1.. of one request.
	RequestID int64
	// Since and Until bound when the event was received: Since included,
	// Until not; zero leaves that side open.
	Since, Until time.Time
}

// ListEvents returns one page of the events f selects, newest first,
// without their bodies, and the cursor of the next page (0 when this is
// the last).
func (q *Queries) ListEvents(ctx context.Context, f EventFilter, p Page) ([]Event, int64, error) {
	var evs []Event
	if err := q.listEvents(&evs, f, p).Scan(ctx); err != nil {
		return nil, 0, fmt.Errorf("store: list events: %w", err)
	}
	evs, next := cut(p, evs, func(ev Event) int64 { return ev.ID })
	return evs, next, nil
}

// listEvents selects ListEvents' page into evs.
func (q *Queries) listEvents(evs *[]Event, f EventFilter, p Page) *bun.SelectQuery {
	sel := q.idb.NewSelect().Model(evs).ExcludeColumn("body")
	if f.Status != "" {
		sel = sel.Where("status = ?", f.Status)
	}
	if f.CRM != "" {
		sel = sel.Where("crm = ?", f.CRM)
	}
	if f.Action != "" {
		sel = sel.Where("action = ?", f.Action)
	}
	if f.ContactID != "" {
		// The second condition lets events_crm_contact, which holds only
		// events with a contact, serve the first with the CRM's.
		sel = sel.Where("contact_id = ? AND contact_id <> ''", f.ContactID)
	}
	if f.RequestID != 0 {
		sel = sel.Where("request_id = ?", f.RequestID)
	}
	if !f.Since.IsZero() {
		sel = sel.Where("received_at >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		sel = sel.Where("received_at < ?", f.Until.UTC())
	}
	return p.paginate(sel)
}

// OutcomeCount is how many events received since a moment ended, or stand,
// in one status with one outcome.
type OutcomeCount struct {
	Status  string `bun:"status"`
	Outcome string `bun:"outcome"`
	Count   int    `bun:"n"`
}

// OutcomesSince counts the events received since since by status and
// outcome: what the hub made of its recent webhooks.
func (q *Queries) OutcomesSince(ctx context.Context, since time.Time) ([]OutcomeCount, error) {
	var counts []OutcomeCount
	err := q.idb.NewSelect().Model((*Event)(nil)).
		Column("status", "outcome").ColumnExpr("count(*) AS n").
		Where("received_at >= ?", since.UTC()).
		Group("status", "outcome").Order("status", "outcome").
		Scan(ctx, &counts)
	if err != nil {
		return nil, fmt.Errorf("store: count outcomes since %s: %w", since.Format(time.RFC3339), err)
	}
	return counts, nil
}
