package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// OutcomeIgnored ends an item the plugin ignored, or a request that names
// no contact.
const OutcomeIgnored = "ignored"

// ErrNotReceived is SaveDecoded's answer for an event that is no longer
// received: another hub of the store decoded it first (decoding claims
// nothing, so hubs sharing a PostgreSQL may read the same request).
var ErrNotReceived = errors.New("the event is no longer received")

// SaveDecoded is SaveDecodedEvents for one event; an event no longer
// received answers ErrNotReceived.
func (q *Queries) SaveDecoded(ctx context.Context, ev *Event) error {
	saved, err := q.SaveDecodedEvents(ctx, []*Event{ev})
	if err == nil && len(saved) == 0 {
		return fmt.Errorf("store: record decoded event %d: %w", ev.ID, ErrNotReceived)
	}
	return err
}

// SaveDecodedEvents records what decoding made of received events: each
// one's contact, e-mail, action, carried contact and item count, and its
// status (pending, final, or still received for a later attempt). It
// returns the events it saved, in order. An event no longer received is
// left alone and left out, so the caller adds no items and no activity of
// its own decode for it. The first save of a request writes its
// "received" line, which ingest left out. On PostgreSQL it takes two
// statements for all the events, as the decoder saves a plugin's whole
// batch at once: a round trip per event held decoding to a few hundred
// webhooks a second.
func (q *Queries) SaveDecodedEvents(ctx context.Context, evs []*Event) ([]*Event, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	var first []*Event
	for _, ev := range evs {
		if ev.RequestID == nil && neverSaved(ev) {
			first = append(first, ev)
		}
	}
	now := time.Now().UTC()
	for _, ev := range evs {
		ev.UpdatedAt = now
		if Final(ev.Status) {
			ev.FinishedAt = &now
		}
	}
	var saved []*Event
	var err error
	if q.dialect == Postgres {
		saved, err = q.saveDecodedTogether(ctx, evs)
	} else {
		saved, err = q.saveDecodedRows(ctx, evs)
	}
	if err != nil {
		return nil, err
	}
	var lines []*Activity
	for _, ev := range first {
		if slices.Contains(saved, ev) {
			lines = append(lines, receivedLine(ev))
		}
	}
	return saved, q.AddActivity(ctx, lines...)
}

// decodedColumns are the columns a decode sets besides updated_at, with
// their types on PostgreSQL.
var decodedColumns = []struct{ name, pgType string }{
	{"decoded", "boolean"}, {"contact_id", "text"}, {"email", "text"}, {"action", "text"}, {"contact", "text"},
	{"item_count", "integer"}, {"status", "text"}, {"outcome", "text"}, {"message", "text"}, {"attempts", "integer"},
	{"next_attempt_at", "timestamptz"}, {"finished_at", "timestamptz"},
}

// decodedValues are ev's values of decodedColumns.
func decodedValues(ev *Event) []any {
	return []any{ev.Decoded, ev.ContactID, ev.Email, ev.Action, ev.Contact, ev.ItemCount, ev.Status, ev.Outcome, ev.Message,
		ev.Attempts, ev.NextAttemptAt, ev.FinishedAt}
}

// saveDecodedRows saves decodes a few rows to a statement (SQLite; see
// inChunks), each an UPDATE joined to its rows of VALUES that returns the
// ids of the rows it found still received. A statement a row took 3–5 µs
// more per decoded webhook in BenchmarkEventLifecycle.
func (q *Queries) saveDecodedRows(ctx context.Context, evs []*Event) ([]*Event, error) {
	saved := make([]*Event, 0, len(evs))
	err := inChunks(len(evs), func(lo, hi int) error {
		chunk := evs[lo:hi]
		args := make([]any, 0, 1+len(chunk)*(1+len(decodedColumns)))
		args = append(args, chunk[0].UpdatedAt) // the same for the whole batch
		for _, ev := range chunk {
			args = append(args, ev.ID)
			args = append(args, decodedValues(ev)...)
		}
		var ids []int64
		if err := q.scanAll(ctx, saveDecodedSQL[len(chunk)], args, &ids); err != nil {
			return fmt.Errorf("store: record %d decoded events: %w", len(chunk), err)
		}
		for _, ev := range chunk {
			if slices.Contains(ids, ev.ID) {
				saved = append(saved, ev)
			}
		}
		return nil
	})
	return saved, err
}

// saveDecodedSQL holds saveDecodedRows' statements by their rows, each a
// power of two up to maxRowsPerInsert. VALUES names its columns column1,
// column2, …: the event's id, then decodedColumns.
var saveDecodedSQL = textsByRows(func(n int) string {
	set := make([]string, len(decodedColumns))
	for i, c := range decodedColumns {
		set[i] = fmt.Sprintf("%s = v.column%d", c.name, i+2)
	}
	return "UPDATE events SET " + strings.Join(set, ", ") + ", updated_at = ?" +
		" FROM (VALUES " + rows(n, 1+len(decodedColumns)) + ") AS v" +
		" WHERE events.id = v.column1 AND events.status = '" + StatusReceived + "' RETURNING events.id"
})

// saveDecodedTogether saves decodes in one statement (PostgreSQL), after
// one that locks the rows in id order. Hubs decode without claiming, so
// two may save the same rows at once: one order keeps them from
// deadlocking, and a row another hub is saving right now is skipped, as
// one it saved already. Each value is cast: a column of VALUES that holds
// only NULLs or quoted times would be text.
func (q *Queries) saveDecodedTogether(ctx context.Context, evs []*Event) ([]*Event, error) {
	ids := make([]any, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
	}
	var locked []int64
	if err := q.varying().scanAll(ctx, "SELECT id FROM events WHERE id IN ("+placeholders(len(ids))+") AND status = ? ORDER BY id FOR UPDATE SKIP LOCKED",
		append(ids, StatusReceived), &locked); err != nil {
		return nil, fmt.Errorf("store: lock %d decoded events: %w", len(evs), err)
	}
	// The rows locked are still received, and stay so until this commits.
	evs = slices.DeleteFunc(slices.Clone(evs), func(ev *Event) bool { return !slices.Contains(locked, ev.ID) })
	if len(evs) == 0 {
		return nil, nil
	}
	names, set, typed := []string{"id"}, make([]string, len(decodedColumns)), []string{"?::bigint"}
	for i, c := range decodedColumns {
		names = append(names, c.name)
		set[i] = c.name + " = v." + c.name
		typed = append(typed, "?::"+c.pgType)
	}
	args := make([]any, 0, 2+len(evs)*len(typed))
	args = append(args, evs[0].UpdatedAt)
	for _, ev := range evs {
		args = append(args, ev.ID)
		args = append(args, decodedValues(ev)...)
	}
	query := "UPDATE events SET " + strings.Join(set, ", ") + ", updated_at = ?" +
		" FROM (VALUES " + repeatRow("("+strings.Join(typed, ", ")+")", len(evs)) + ") AS v (" + strings.Join(names, ", ") + ")" +
		" WHERE events.id = v.id"
	if _, err := q.varying().exec(ctx, query, args...); err != nil {
		return nil, fmt.Errorf("store: record %d decoded events: %w", len(evs), err)
	}
	return evs, nil
}

// InsertItems stores the items 1.. of decoded requests as events of
// their own and sets their IDs. Call it in the transaction that records
// the requests' decode.
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
		return fmt.Errorf("store: insert %d request items: %w", len(items), err)
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
