package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"
)

// Final reports whether an event status is final: done, failed or dead.
func Final(status string) bool {
	return status == StatusDone || status == StatusFailed || status == StatusDead
}

// Outcomes the inbox sets itself; the engine sets the others.
const (
	OutcomeCoalesced      = "coalesced"
	OutcomeInvalidPayload = "invalid_payload"
	OutcomeNotFound       = "contact_not_found"
	OutcomeCRMError       = "crm_error" // another terminal answer of the plugin; its message is kept
	OutcomeGaveUp         = "gave_up"
)

// ErrLeaseLost: another worker took the event over; this one must not
// record anything about it.
var ErrLeaseLost = errors.New("event lease lost to another worker")

// InsertEvents stores received webhooks and sets their IDs: one row
// each, so that a commit of many costs little. Their "received" activity
// line is written when they are first decoded (see receivedLine). Call it
// in a transaction.
func (q *Queries) InsertEvents(ctx context.Context, events []*Event) error {
	if len(events) == 0 {
		return nil
	}
	if err := insert(ctx, q, events); err != nil {
		return fmt.Errorf("store: insert events: %w", err)
	}
	return nil
}

// InsertReceived stores webhooks just received and sets their IDs, as
// InsertEvents does, writing only what is known of a webhook on receipt:
// its CRM, action and parameters, the request, and ReceivedAt, which is
// also its first UpdatedAt and NextAttemptAt. The rest of each row, and
// of each event, is as every received event starts. On SQLite this binds
// 12 values a row instead of 26: the insert is ingest's largest cost.
func (q *Queries) InsertReceived(ctx context.Context, events []*Event) error {
	for _, ev := range events {
		ev.Status, ev.UpdatedAt, ev.NextAttemptAt = StatusReceived, ev.ReceivedAt, ev.ReceivedAt
	}
	if q.dialect == Postgres {
		return q.insertReceivedPG(ctx, events)
	}
	if err := inChunks(len(events), func(lo, hi int) error {
		return q.insertReceivedRows(ctx, events[lo:hi])
	}); err != nil {
		return fmt.Errorf("store: insert events: %w", err)
	}
	return nil
}

// On SQLite a batch of webhooks is inserted a few rows to a statement:
// each statement opens the table and its indexes, and bumps the
// AUTOINCREMENT counter, once, and database/sql's work per call is done
// once. The rows of one statement are 1, 2, 4, … maxRowsPerInsert, so that
// a handful of texts stay prepared whatever the batch's size. In
// BenchmarkEventLifecycle a webhook's insert took 25–29 µs, against 32–37
// with a statement a row.
const maxRowsPerInsert = 64

// inChunks calls insert for consecutive chunks of n rows, one statement
// each: as many rows as the largest power of two left, at most
// maxRowsPerInsert.
func inChunks(n int, insert func(lo, hi int) error) error {
	for lo := 0; lo < n; {
		rows := 1
		for rows*2 <= min(n-lo, maxRowsPerInsert) {
			rows *= 2
		}
		if err := insert(lo, lo+rows); err != nil {
			return err
		}
		lo += rows
	}
	return nil
}

// textsByRows is a statement's texts for the chunks of inChunks, by their
// rows: text(n) for n = 1, 2, 4, … maxRowsPerInsert.
func textsByRows(text func(rows int) string) map[int]string {
	texts := map[int]string{}
	for n := 1; n <= maxRowsPerInsert; n *= 2 {
		texts[n] = text(n)
	}
	return texts
}

// insertReceivedRows inserts events in one statement of as many rows and
// sets their IDs. SQLite inserts a VALUES list's rows in its order, each
// numbered one more than the row before (AUTOINCREMENT, and no other
// writer within a statement): the IDs are the n that end at the last one.
func (q *Queries) insertReceivedRows(ctx context.Context, events []*Event) error {
	stmt, err := q.prepared(ctx, insertReceivedSQL[len(events)])
	if err != nil {
		return err
	}
	args := make([]any, 0, receivedValues*len(events))
	for _, ev := range events {
		var body any // NULL for no body, as bun writes it
		if ev.Body != nil {
			body = ev.Body
		}
		at := ev.ReceivedAt.UTC().Format(bunTime)
		args = append(args, ev.CRM, ev.Action, ev.Role, ev.SendNotification, ev.Method,
			ev.Query, ev.Header, ev.ContentType, body, at, at, at)
	}
	res, err := stmt.ExecContext(ctx, args...)
	if err != nil {
		return err
	}
	last, err := res.LastInsertId()
	if err != nil {
		return err
	}
	for i, ev := range events {
		ev.ID = last - int64(len(events)-1-i)
	}
	return nil
}

// receivedValues is how many values a row of insertReceivedSQL binds.
const receivedValues = 12

// insertReceivedSQL holds InsertReceived's statements on SQLite by their
// rows, each a power of two up to maxRowsPerInsert; the columns left out
// are NULL. Each row binds received_at three times, with plain ?s: the
// driver looks up every numbered parameter's name (?10i+10) in a list
// of all of them, which made binding 64 rows quadratic, slower than
// binding two values more a row.
var insertReceivedSQL = textsByRows(func(n int) string {
	row := fmt.Sprintf("(%s, '%s', FALSE, '', '', '', 0, 0, '', '', 0, '')", placeholders(receivedValues), StatusReceived)
	return `INSERT INTO events (crm, action, role, send_notification, method, query, header,
	content_type, body, received_at, updated_at, next_attempt_at, status, decoded, contact_id, email, contact,
	item_index, item_count, outcome, message, attempts, lease_owner) VALUES ` + repeatRow(row, n)
})

// insertReceivedPG is InsertReceived on PostgreSQL: one statement for the
// whole batch, each column's values an array, so that its one text is
// prepared whatever the batch's size (a multi-row VALUES would be a text
// of its own for every size). The ids come back in the arrays' order.
func (q *Queries) insertReceivedPG(ctx context.Context, events []*Event) error {
	if !q.prepares() {
		return q.InsertEvents(ctx, events) // one multi-row statement
	}
	var crm, action, role, notify, method, query, header, contentType, body, at pgArray
	for _, ev := range events {
		crm.add(ev.CRM)
		action.add(ev.Action)
		role.add(ev.Role)
		notify.add(strconv.FormatBool(ev.SendNotification))
		method.add(ev.Method)
		query.add(ev.Query)
		header.add(ev.Header)
		contentType.add(ev.ContentType)
		body.addBytes(ev.Body)
		at.add(ev.ReceivedAt.UTC().Format(bunTime))
	}
	var ids []int64
	if err := q.scanAll(ctx, insertReceivedPGSQL, []any{crm.String(), action.String(), role.String(), notify.String(),
		method.String(), query.String(), header.String(), contentType.String(), body.String(), at.String()}, &ids); err != nil {
		return fmt.Errorf("store: insert events: %w", err)
	}
	if len(ids) != len(events) {
		return fmt.Errorf("store: insert events: %d ids for %d events", len(ids), len(events))
	}
	for i, ev := range events {
		ev.ID = ids[i]
	}
	return nil
}

// insertReceivedPGSQL is insertReceivedPG's statement; the columns left
// out are NULL, as on SQLite.
const insertReceivedPGSQL = `INSERT INTO events (crm, action, role, send_notification, method, query, header,
	content_type, body, received_at, updated_at, next_attempt_at, status, decoded, contact_id, email, contact,
	item_index, item_count, outcome, message, attempts, lease_owner)
	SELECT crm, action, role, notify, method, query, header, content_type, body, at, at, at,
		'` + StatusReceived + `', FALSE, '', '', '', 0, 0, '', '', 0, ''
	FROM unnest(?::text[], ?::text[], ?::text[], ?::boolean[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bytea[], ?::timestamptz[])
		WITH ORDINALITY AS r (crm, action, role, notify, method, query, header, content_type, body, at, n)
	ORDER BY n
	RETURNING id`

// receivedLine is the activity line that says a webhook arrived, stamped
// with its time of receipt.
func receivedLine(ev *Event) *Activity {
	return &Activity{At: ev.ReceivedAt, CRM: ev.CRM, EventID: &ev.ID, Level: LevelInfo,
		Message: fmt.Sprintf("Received %s webhook.", ev.Action)}
}

// neverSaved reports whether nothing was recorded about a received
// webhook since it was stored: its row is as ingest wrote it.
func neverSaved(ev *Event) bool { return ev.UpdatedAt.Equal(ev.ReceivedAt) }

// EventByID returns one event, or ErrNotFound.
func (q *Queries) EventByID(ctx context.Context, id int64) (*Event, error) {
	ev := new(Event)
	err := q.idb.NewSelect().Model(ev).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read event %d: %w", id, err)
	}
	return ev, nil
}

// Backlog counts the events that are not final yet.
func (q *Queries) Backlog(ctx context.Context) (int, error) {
	n, err := q.idb.NewSelect().Model((*Event)(nil)).
		Where("status IN (?)", bun.In([]string{StatusReceived, StatusPending, StatusRetrying, StatusProcessing})).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: count backlog: %w", err)
	}
	return int(n), nil
}

// Undecoded returns up to limit due events of crm that no plugin has read
// yet, oldest first.
func (q *Queries) Undecoded(ctx context.Context, crm string, now time.Time, limit int) ([]*Event, error) {
	var evs []*Event
	// The status is written in, as in dueEvents.
	err := q.scanAll(ctx, selectColumns[Event](q)+" WHERE crm = ? AND status = '"+StatusReceived+"' AND next_attempt_at <= ? ORDER BY id"+boundLimit,
		[]any{crm, now, limit}, &evs)
	if err != nil {
		return nil, fmt.Errorf("store: read undecoded %s events: %w", crm, err)
	}
	return evs, nil
}

// MarkDecoded records the contact a plugin read from a received event and
// queues it for processing. An event already decoded (by another hub) is
// left alone.
func (q *Queries) MarkDecoded(ctx context.Context, id int64, contactID, email string) error {
	now := time.Now().UTC()
	_, err := q.idb.NewUpdate().Model((*Event)(nil)).
		Set("decoded = ?, contact_id = ?, email = ?, status = ?, next_attempt_at = ?, updated_at = ?",
			true, contactID, email, StatusPending, now, now).
		Where("id = ? AND status = ?", id, StatusReceived).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: mark event %d decoded: %w", id, err)
	}
	return nil
}

// Finish gives an event its final status and outcome; what it was
// decoded to (its contact, e-mail and decoded flag) is not written. With
// a non-empty lease (a Claim's) it only succeeds while that claim holds
// the event (ErrLeaseLost otherwise) and releases the claim's contact
// lease too.
func (q *Queries) Finish(ctx context.Context, ev *Event, lease string) error {
	now := time.Now().UTC()
	ev.UpdatedAt, ev.FinishedAt = now, &now
	ev.LeaseOwner, ev.LeaseUntil = "", nil
	// On SQLite, setting the contact again, even to the same value, would
	// rewrite the event's entry in the index of a contact's events: for a
	// contact with a long history that made a finish cost a third more
	// (docs/performance.md).
	query := `UPDATE events SET status = ?, outcome = ?, message = ?, user_id = ?, attempts = ?, coalesced_into = ?,
		lease_owner = ?, lease_until = ?, updated_at = ?, finished_at = ? WHERE id = ?`
	args := []any{ev.Status, ev.Outcome, ev.Message, ev.UserID, ev.Attempts, ev.CoalescedInto,
		ev.LeaseOwner, ev.LeaseUntil, ev.UpdatedAt, ev.FinishedAt, ev.ID}
	if lease != "" {
		query += " AND lease_owner = ?"
		args = append(args, lease)
	}
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: finish event %d: %w", ev.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrLeaseLost
	}
	if lease != "" {
		return q.ReleaseContact(ctx, ev.CRM, ev.ContactID, lease)
	}
	return nil
}

// Reschedule puts a claimed event back in line: status (pending, retrying,
// received or dead), next attempt time and message, releasing its leases.
// It fails with ErrLeaseLost when the claim named by lease no longer holds
// the event.
func (q *Queries) Reschedule(ctx context.Context, ev *Event, lease string) error {
	ev.UpdatedAt = time.Now().UTC()
	if ev.Status == StatusDead {
		ev.FinishedAt = &ev.UpdatedAt
	}
	ev.LeaseOwner, ev.LeaseUntil = "", nil
	res, err := q.idb.NewUpdate().Model(ev).
		Column("status", "outcome", "message", "attempts", "next_attempt_at", "lease_owner", "lease_until",
			"updated_at", "finished_at").
		WherePK().Where("lease_owner = ?", lease).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: reschedule event %d: %w", ev.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrLeaseLost
	}
	return q.ReleaseContact(ctx, ev.CRM, ev.ContactID, lease)
}
