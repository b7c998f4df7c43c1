package inbox

import (
	"context"

	"github.com/crmhub/crmhub/core/store"
)

// Replay re-queues the failed and dead events the filter selects, each
// with an activity line, and returns their ids.
func (in *Inbox) Replay(ctx context.Context, f store.ReplayFilter) ([]int64, error) {
	var ids []int64
	err := in.store.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if ids, err = tx.Replay(ctx, f); err != nil {
			return err
		}
		lines := make([]*store.Activity, len(ids))
		for i := range ids {
			lines[i] = &store.Activity{EventID: &ids[i], Message: "Replayed: queued again."}
		}
		return tx.AddActivity(ctx, lines...)
	})
	if err != nil {
		return nil, err
	}
	in.backlog.Add(int64(len(ids)))
	in.Kick()
	return ids, nil
}
