package store

import (
	"context"
	"fmt"
)

// EventAttempts returns the attempts at applying an event, first first.
func (q *Queries) EventAttempts(ctx context.Context, eventID int64) ([]EventAttempt, error) {
	var attempts []EventAttempt
	err := q.idb.NewSelect().Model(&attempts).Where("event_id = ?", eventID).Order("number", "id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: read attempts of event %d: %w", eventID, err)
	}
	return attempts, nil
}
