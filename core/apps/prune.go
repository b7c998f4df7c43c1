package apps

import (
	"context"
	"log/slog"
	"time"

	"github.com/crmhub/crmhub/core/store"
)

// pruneEvery is how often old changes and sign-in failures are deleted.
const pruneEvery = 10 * time.Minute

// Prune deletes the changes older than retention that no app still waits
// for, and the sign-in failures too old to count.
func Prune(ctx context.Context, st *store.Store, retention time.Duration) (int, error) {
	now := time.Now()
	n, err := st.PruneChanges(ctx, now.Add(-retention))
	if err != nil {
		return 0, err
	}
	return n, st.PruneSignInFailures(ctx, now.Add(-failureWindow))
}

// RunPruner prunes at start and every ten minutes until ctx ends, with
// the retention retention() returns at the time.
func RunPruner(ctx context.Context, st *store.Store, retention func() time.Duration, log *slog.Logger) {
	tick := time.NewTicker(pruneEvery)
	defer tick.Stop()
	for {
		n, err := Prune(ctx, st, retention())
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("could not delete old changes", "err", err)
		case n > 0:
			log.Info("deleted changes older than changes.retention", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
