package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// OutcomeIgnored ends an item the plugin ignored, or a request that names
// no contact.
const OutcomeIgnored = "ignored"

// ErrNotReceived is SaveDecoded's answer for an event that is no longer
// received: another hub of the store decoded it first (decoding claims
// nothing, so hubs sharing a PostgreSQL may read the same request).
var ErrNotReceived = errors.New("the event is no longer received")

// SaveDecoded records what decoding made of a received event: its
// contact, e-mail, action, carried contact and item count, and its status
// (pending, final, or still received for a later attempt). An event no
// longer received is left alone and answers ErrNotReceived, so the caller
// adds no items and no activity of its own decode. The first save of a
// request writes its "received" line, which ingest left out.
func (q *Queries) SaveDecoded(ctx context.Context, ev *Event) error {
	first := ev.RequestID == nil && neverSaved(ev)
	ev.UpdatedAt = time.Now().UTC()
	if Final(ev.Status) {
		ev.FinishedAt = &ev.UpdatedAt
	}
	res, err := q.exec(ctx, `UPDATE events SET decoded = ?, contact_id = ?, email = ?, action = ?, contact = ?, item_count = ?,
		status = ?, outcome = ?, message = ?, attempts = ?, next_attempt_at = ?, updated_at = ?, finished_at = ?
		WHERE id = ? AND status = ?`,
		ev.Decoded, ev.ContactID, ev.Email, ev.Action, ev.Contact, ev.ItemCount, ev.Status, ev.Outcome, ev.Message,
		ev.Attempts, ev.NextAttemptAt, ev.UpdatedAt, ev.FinishedAt, ev.ID, StatusReceived)
	if err != nil {
		return fmt.Errorf("store: record decoded event %d: %w", ev.ID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: record decoded event %d: %w", ev.ID, ErrNotReceived)
	}
	if first {
		return q.AddActivity(ctx, receivedLine(ev))
	}
	return nil
}

// InsertItems stores the items 1.. of a decoded request as events of
// their own and sets their IDs. Call it in the transaction that records
// the request's decode.
func (q *Queries) InsertItems(ctx context.Context, items []*Event) error {
	if len(items) == 0 {
		return nil
	}
	now := time.Now().UTC()
	for _, it := range items {
		it.UpdatedAt = now
		if Final(it.Status) {
			it.FinishedAt = &now
		}
	}
	if _, err := q.idb.NewInsert().Model(&items).Returning("id").Exec(ctx); err != nil {
		return fmt.Errorf("store: insert items of request %d: %w", *items[0].RequestID, err)
	}
	return nil
}

// ItemRows returns the items 1.. of request id, in order, without bodies.
func (q *Queries) ItemRows(ctx context.Context, id int64) ([]*Event, error) {
	var evs []*Event
	err := q.idb.NewSelect().Model(&evs).ExcludeColumn("body").
		Where("request_id = ?", id).Order("item_index").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: read items of request %d: %w", id, err)
	}
	return evs, nil
}

// WithItems fills ev.Items when ev is a request of several items: ev
// itself (item 0), then its other items in order. A request of one item
// (or none), and an item row, cost no query.
func (q *Queries) WithItems(ctx context.Context, ev *Event) error {
	if ev.RequestID != nil || ev.ItemCount <= 1 {
		return nil
	}
	rest, err := q.ItemRows(ctx, ev.ID)
	if err != nil {
		return err
	}
	ev.Items = append([]*Event{ev}, rest...)
	return nil
}

// RequestStatus is the status of a request of several items: not final
// while any item is not (then the first such item's status), else dead if
// any item is, else failed if any is, else done.
func RequestStatus(items []*Event) string {
	final := StatusDone
	for _, it := range items {
		switch {
		case !Final(it.Status):
			return it.Status
		case it.Status == StatusDead:
			final = StatusDead
		case it.Status == StatusFailed && final != StatusDead:
			final = StatusFailed
		}
	}
	return final
}
