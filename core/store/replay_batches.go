package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
)

// ErrNotReplayable: only failed and dead events are replayed.
var ErrNotReplayable = errors.New("only failed and dead events can be replayed")

// ReplayFunc re-queues the events a filter selects and returns their ids:
// the inbox's Replay, which writes an activity line for each.
type ReplayFunc func(ctx context.Context, f ReplayFilter) ([]int64, error)

// ReplayInBatches re-queues the events f selects a batch of size at a
// time, oldest first, through replay, and calls progress (if not nil)
// after each batch with the events re-queued so far and the total found at
// the start. Short batches keep each transaction short — SQLite has one
// writer and webhooks keep arriving — and let a long replay show how far
// it got. It returns how many events were re-queued.
func (s *Store) ReplayInBatches(ctx context.Context, f ReplayFilter, size int, replay ReplayFunc, progress func(done, total int)) (int, error) {
	if f.Status != "" && f.Status != StatusFailed && f.Status != StatusDead {
		return 0, fmt.Errorf("store: replay: status %q: %w", f.Status, ErrNotReplayable)
	}
	total, err := s.replayable(f).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: count events to replay: %w", err)
	}
	done := 0
	for after := int64(0); ; {
		var ids []int64
		err := s.replayable(f).Column("id").Where("id > ?", after).Order("id").Limit(int64(size)).Scan(ctx, &ids)
		if err != nil {
			return done, fmt.Errorf("store: select events to replay: %w", err)
		}
		if len(ids) == 0 {
			return done, nil
		}
		batch := f
		batch.IDs = ids
		replayed, err := replay(ctx, batch)
		if err != nil {
			return done, err
		}
		done += len(replayed)
		after = ids[len(ids)-1]
		if progress != nil {
			progress(done, int(total))
		}
	}
}

// replayable selects the events f selects that Replay would re-queue.
func (q *Queries) replayable(f ReplayFilter) *bun.SelectQuery {
	return q.idb.NewSelect().Model((*Event)(nil)).ApplyQueryBuilder(f.where)
}
