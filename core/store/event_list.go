package store

import (
	"context"
	"fmt"
)

// Statuses lists every event status, in the order an event goes through
// them.
var Statuses = []string{StatusReceived, StatusPending, StatusProcessing, StatusRetrying, StatusDone, StatusFailed, StatusDead}

// EventFilter selects events for ListEvents; empty fields match all.
type EventFilter struct {
	Status    string
	CRM       string
	ContactID string
}

// ListEvents returns one page of the events f selects, newest first,
// without their bodies, and the cursor of the next page (0 when this is
// the last).
func (q *Queries) ListEvents(ctx context.Context, f EventFilter, p Page) ([]Event, int64, error) {
	var evs []Event
	sel := q.idb.NewSelect().Model(&evs).ExcludeColumn("body")
	if f.Status != "" {
		sel = sel.Where("status = ?", f.Status)
	}
	if f.CRM != "" {
		sel = sel.Where("crm = ?", f.CRM)
	}
	if f.ContactID != "" {
		sel = sel.Where("contact_id = ?", f.ContactID)
	}
	if err := p.paginate(sel).Scan(ctx); err != nil {
		return nil, 0, fmt.Errorf("store: list events: %w", err)
	}
	evs, next := cut(p, evs, func(ev Event) int64 { return ev.ID })
	return evs, next, nil
}
