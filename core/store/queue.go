package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// QueueCount is how many events of one CRM are in one status.
type QueueCount struct {
	CRM    string `bun:"crm"`
	Status string `bun:"status"`
	Count  int    `bun:"n"`
}

// QueueDepth counts, per CRM, the events still in the queue (received,
// pending, processing, retrying) and the dead ones waiting for a replay.
// Done and failed events are left out: they only grow, and counting them
// would read the whole table.
func (q *Queries) QueueDepth(ctx context.Context) ([]QueueCount, error) {
	var counts []QueueCount
	err := q.idb.NewSelect().Model((*Event)(nil)).
		Column("crm", "status").ColumnExpr("count(*) AS n").
		Where("status IN (?)", bun.In([]string{StatusReceived, StatusPending, StatusProcessing, StatusRetrying, StatusDead})).
		Group("crm", "status").Order("crm", "status").
		Scan(ctx, &counts)
	if err != nil {
		return nil, fmt.Errorf("store: count queued events: %w", err)
	}
	return counts, nil
}
