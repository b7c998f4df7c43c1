package store

import (
	"context"
	"database/sql"
	"errors"
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
// outcome: what the hub made of its recent webhooks. It reads the events
// numbered after receivedFloor's, not the whole table.
func (q *Queries) OutcomesSince(ctx context.Context, since time.Time) ([]OutcomeCount, error) {
	floor, err := q.receivedFloor(ctx, since.Add(-storedWithin))
	if err != nil {
		return nil, fmt.Errorf("store: count outcomes since %s: %w", since.Format(time.RFC3339), err)
	}
	var counts []OutcomeCount
	if err := q.outcomesSince(floor, since).Scan(ctx, &counts); err != nil {
		return nil, fmt.Errorf("store: count outcomes since %s: %w", since.Format(time.RFC3339), err)
	}
	return counts, nil
}

// outcomesSince counts the events after floor received since since, by
// status and outcome, reading the events by id from floor on.
func (q *Queries) outcomesSince(floor int64, since time.Time) *bun.SelectQuery {
	sel := q.idb.NewSelect().Model((*Event)(nil))
	if q.dialect == SQLite {
		// Its planner would read events_status_id through, for the order
		// of the groups.
		sel = sel.ModelTableExpr(`"events" AS "event" NOT INDEXED`)
	}
	return sel.Column("status", "outcome").ColumnExpr("count(*) AS n").
		Where("id > ? AND received_at >= ?", floor, since.UTC()).
		Group("status", "outcome").Order("status", "outcome")
}

// storedWithin bounds how long after its receipt a webhook is stored: it
// is answered once stored, within moments, and its handler gives up long
// before this.
const storedWithin = 10 * time.Minute

// receivedFloor returns the id of a request received before t, as high as
// a binary search over the ids finds, or 0 when it finds none.
//
// Events are numbered as they are stored: a request within storedWithin
// of its receipt, its items when it is decoded, later. So an event
// received after t+storedWithin has a higher id than any request received
// before t, and reading the events after the floor finds them all. The
// search probes requests alone, each the nearest at or below the middle
// id: an item carries its request's receipt time but was numbered later.
// Requests' receipt times rise with their ids but for moments between
// commits, which may leave the floor lower than it could be, never wrong:
// the request it names was received before t.
func (q *Queries) receivedFloor(ctx context.Context, t time.Time) (int64, error) {
	// Each bound a query of its own, which reads one end of the ids: a
	// query of both would read every id on SQLite.
	var first, last sql.NullInt64
	if err := q.idb.NewRaw("SELECT (SELECT min(id) FROM events), (SELECT max(id) FROM events)").
		Scan(ctx, &first, &last); err != nil {
		return 0, fmt.Errorf("read the range of event ids: %w", err)
	}
	lo, hi, floor := first.Int64, last.Int64, int64(0)
	for lo <= hi {
		mid := lo + (hi-lo)/2
		var id int64
		var receivedAt time.Time
		err := q.idb.NewSelect().Model((*Event)(nil)).Column("id", "received_at").
			Where("id <= ? AND request_id IS NULL", mid).Order("id DESC").Limit(1).Scan(ctx, &id, &receivedAt)
		switch {
		case errors.Is(err, sql.ErrNoRows): // no request at or below mid
			lo = mid + 1
		case err != nil:
			return 0, fmt.Errorf("read the request at or below event %d: %w", mid, err)
		case receivedAt.Before(t):
			floor, lo = id, mid+1
		default:
			hi = id - 1
		}
	}
	return floor, nil
}
