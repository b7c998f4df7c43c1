package apps

import (
	"context"
	"sync"
	"time"

	"github.com/crmhub/crmhub/core/store"
)

// Feed serves the change feed: every user event in commit order, to
// readers that follow a cursor (see store.ChangesAfter for why each is
// read exactly once), long-polling when none are new.
type Feed struct {
	st   *store.Store
	poll time.Duration

	mu      sync.Mutex
	changed chan struct{} // closed by Notify

	closed    chan struct{} // closed by Close
	closeOnce sync.Once
}

// NewFeed returns a feed over st.
func NewFeed(st *store.Store) *Feed {
	return &Feed{st: st, poll: time.Second, changed: make(chan struct{}), closed: make(chan struct{})}
}

// Notify wakes the readers waiting for changes (after an event of this
// hub committed); other hubs' changes are found by polling.
func (f *Feed) Notify() {
	f.mu.Lock()
	defer f.mu.Unlock()
	close(f.changed)
	f.changed = make(chan struct{})
}

// Close ends the waiting reads at once with an empty page, and reads
// from then on do not wait: a long-poll must not hold up the hub's stop.
func (f *Feed) Close() {
	f.closeOnce.Do(func() { close(f.closed) })
}

func (f *Feed) wakeup() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

// Read returns up to limit changes after the cursor. When there are none,
// it waits up to wait for one, or until the feed is closed.
func (f *Feed) Read(ctx context.Context, after store.ChangeCursor, limit int, wait time.Duration) ([]store.FeedChange, error) {
	deadline := time.Now().Add(wait)
	for {
		woken := f.wakeup()
		changes, err := f.st.Reader().ChangesAfter(ctx, after, limit)
		if err != nil || len(changes) > 0 {
			return changes, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, nil
		}
		timer := time.NewTimer(min(left, f.poll))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, nil
		case <-f.closed:
			timer.Stop()
			return nil, nil
		case <-woken:
		case <-timer.C:
		}
		timer.Stop()
	}
}
