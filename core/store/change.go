package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// NextChange numbers the next event of a user — 1, 2, 3, … — and
// returns the user as it is now, both of which the event carries, in one
// statement. Call it in the transaction that changes the user, which
// holds the user's lock.
func (q *Queries) NextChange(ctx context.Context, userID int64) (*User, int64, error) {
	var row numberedUser
	err := q.scanOne(ctx, "UPDATE users SET change_seq = change_seq + 1 WHERE id = ? RETURNING "+columns[numberedUser](q),
		[]any{userID}, &row)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: number the change of user %d: %w", userID, err)
	}
	return &row.User, row.ChangeSeq, nil
}

// numberedUser is a user with the number of its latest event.
type numberedUser struct {
	User      `bun:",extend"`
	ChangeSeq int64 `bun:"change_seq,notnull"`
}

// AddChange writes a user event to the change feed and queues it for
// delivery to each of apps. Call it in the transaction that made the
// change, so the event exists exactly when the change does.
func (q *Queries) AddChange(ctx context.Context, c *Change, apps []string) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now().UTC()
	}
	if err := insert(ctx, q, []*Change{c}); err != nil {
		return fmt.Errorf("store: add %s of user %d: %w", c.Type, c.UserID, err)
	}
	rows := make([]*AppDelivery, len(apps))
	for i, app := range apps {
		rows[i] = &AppDelivery{App: app, ChangeID: c.ID, UserID: c.UserID, Status: DeliveryPending,
			NextAttemptAt: c.CreatedAt, CreatedAt: c.CreatedAt, UpdatedAt: c.CreatedAt}
	}
	if err := insert(ctx, q, rows); err != nil {
		return fmt.Errorf("store: queue %s of user %d for apps: %w", c.Type, c.UserID, err)
	}
	return nil
}

// ChangeCursor is a place in the change feed: the feed runs in the order of
// the writing transaction (Xact, always 0 on SQLite), then of the id.
type ChangeCursor struct {
	Xact uint64
	ID   int64
}

// String is the cursor as the API hands it out.
func (c ChangeCursor) String() string {
	return strconv.FormatUint(c.Xact, 10) + "-" + strconv.FormatInt(c.ID, 10)
}

// ErrBadCursor: a cursor this store never handed out.
var ErrBadCursor = errors.New("not a change feed cursor")

// ParseChangeCursor reads a cursor made by String; "" is the feed's start.
func ParseChangeCursor(s string) (ChangeCursor, error) {
	if s == "" {
		return ChangeCursor{}, nil
	}
	x, id, ok := strings.Cut(s, "-")
	xact, err1 := strconv.ParseUint(x, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil || n < 0 {
		return ChangeCursor{}, ErrBadCursor
	}
	return ChangeCursor{Xact: xact, ID: n}, nil
}

// FeedChange is a change as the feed serves it.
type FeedChange struct {
	Change
	Cursor ChangeCursor
}

type feedRow struct {
	ID        int64     `bun:"id"`
	Xact      string    `bun:"xact_text"`
	Type      string    `bun:"type"`
	UserID    int64     `bun:"user_id"`
	Sequence  int64     `bun:"sequence"`
	Data      string    `bun:"data"`
	CreatedAt time.Time `bun:"created_at"`
}

// ChangesAfter returns up to limit changes after the cursor, in feed order.
// A reader that follows the last one's cursor reads every change exactly
// once, however transactions commit:
//
// On PostgreSQL ids are taken when a row is inserted, not when it commits,
// so a younger transaction may commit a higher id while an older one still
// holds a lower one; a reader going by id alone would pass it. The feed
// therefore runs by the writing transaction's id and serves only rows of
// transactions older than every transaction still running (the snapshot's
// xmin): they are all committed, and no later commit can sort before them.
// On SQLite the single writer commits in id order.
func (q *Queries) ChangesAfter(ctx context.Context, after ChangeCursor, limit int) ([]FeedChange, error) {
	// The text of xact is named xact_text: ORDER BY takes a bare name for
	// an output column before a table's, and the text of transaction
	// numbers sorts "1000001" before "999999".
	query := `SELECT id, CAST(xact AS TEXT) AS xact_text, type, user_id, sequence, data, created_at FROM changes
WHERE (xact, id) > (?, ?) ORDER BY xact, id LIMIT ?`
	if q.dialect == Postgres {
		query = `SELECT id, CAST(xact AS TEXT) AS xact_text, type, user_id, sequence, data, created_at FROM changes
WHERE (xact, id) > (CAST(CAST(? AS TEXT) AS XID8), ?) AND xact < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY xact, id LIMIT ?`
	}
	var rows []feedRow
	xact := strconv.FormatUint(after.Xact, 10)
	if err := q.idb.NewRaw(query, bun.Safe(xact), after.ID, limit).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: read changes after %s: %w", after, err)
	}
	out := make([]FeedChange, len(rows))
	for i, r := range rows {
		x, err := strconv.ParseUint(r.Xact, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("store: read changes: transaction id %q: %w", r.Xact, err)
		}
		out[i] = FeedChange{
			Change: Change{ID: r.ID, UserID: r.UserID, Type: r.Type, Sequence: r.Sequence, Data: r.Data, CreatedAt: r.CreatedAt},
			Cursor: ChangeCursor{Xact: x, ID: r.ID},
		}
	}
	return out, nil
}

// ChangesOf returns a user's changes, oldest first.
func (q *Queries) ChangesOf(ctx context.Context, userID int64) ([]Change, error) {
	var out []Change
	if err := q.idb.NewSelect().Model(&out).Where("user_id = ?", userID).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: read changes of user %d: %w", userID, err)
	}
	return out, nil
}

// PruneChanges deletes the changes made before `before` that no app still
// waits for, with their finished deliveries, and reports how many.
func (q *Queries) PruneChanges(ctx context.Context, before time.Time) (int, error) {
	res, err := q.idb.NewDelete().Model((*Change)(nil)).
		Where("created_at < ?", before.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM app_deliveries d WHERE d.change_id = change.id AND d.status IN (?))",
			bun.In([]string{DeliveryPending, DeliverySending})).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: prune changes: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune changes: %w", err)
	}
	return int(n), nil
}

// ChangeTypes returns the type of each of the changes ids (user.created,
// user.updated), by id; an id that no longer exists is left out.
func (q *Queries) ChangeTypes(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Change
	if err := q.idb.NewSelect().Model(&rows).Column("id", "type").Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: read the types of %d changes: %w", len(ids), err)
	}
	for _, c := range rows {
		out[c.ID] = c.Type
	}
	return out, nil
}
