package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Activity levels.
const (
	LevelInfo    = "info"
	LevelNotice  = "notice"
	LevelWarning = "warning"
	LevelError   = "error"
)

// AddActivity appends lines to the activity log, stamping those without a time.
func (q *Queries) AddActivity(ctx context.Context, lines ...*Activity) error {
	if len(lines) == 0 {
		return nil
	}
	now := time.Now().UTC()
	for _, l := range lines {
		if l.At.IsZero() {
			l.At = now
		}
		if l.Level == "" {
			l.Level = LevelInfo
		}
	}
	if err := insert(ctx, q, lines); err != nil {
		return fmt.Errorf("store: add activity: %w", err)
	}
	return nil
}

// EventActivity returns the activity lines of one event, oldest first. A
// webhook not decoded yet has no line stored; its "received" line is
// made up from its row (see InsertEvents).
func (q *Queries) EventActivity(ctx context.Context, eventID int64) ([]Activity, error) {
	var lines []Activity
	err := q.idb.NewSelect().Model(&lines).Where("event_id = ?", eventID).Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: read activity of event %d: %w", eventID, err)
	}
	if len(lines) > 0 {
		return lines, nil
	}
	ev, err := q.EventByID(ctx, eventID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case ev.RequestID == nil && neverSaved(ev):
		return []Activity{*receivedLine(ev)}, nil
	}
	return nil, nil
}

// UserActivity returns the newest limit activity lines about one user,
// newest first.
func (q *Queries) UserActivity(ctx context.Context, userID int64, limit int) ([]Activity, error) {
	var lines []Activity
	if err := q.userActivity(&lines, userID, limit).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: read activity of user %d: %w", userID, err)
	}
	return lines, nil
}

// userActivity selects UserActivity's lines into lines: through
// activity_user on PostgreSQL, newest first through the table on SQLite.
func (q *Queries) userActivity(lines *[]Activity, userID int64, limit int) *bun.SelectQuery {
	return q.idb.NewSelect().Model(lines).Where("user_id = ?", userID).Order("id DESC").Limit(int64(limit))
}

// RecentActivity returns the newest lines, newest first; beforeID > 0
// pages back from that line.
func (q *Queries) RecentActivity(ctx context.Context, limit int, beforeID int64) ([]Activity, error) {
	var lines []Activity
	sel := q.idb.NewSelect().Model(&lines).Order("id DESC").Limit(int64(limit))
	if beforeID > 0 {
		sel = sel.Where("id < ?", beforeID)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: read activity: %w", err)
	}
	return lines, nil
}
