package plugin

import (
	"context"
	"sync"
	"time"

	"github.com/crmhub/crmhub/sdk"
)

// tagTTL is how long tag names are trusted: a tag renamed in KlickTipp
// shows under its new name at the latest this much later.
const tagTTL = 10 * time.Minute

// tagCache keeps the account's tag names (GET /tag) so that naming a
// contact's tags costs no call. It refreshes when its list is older than
// its TTL, and at once when a contact carries a tag id it does not know (a
// tag created since); an id still unknown after that refresh does not
// cause another until the next. Concurrent callers share one refresh.
type tagCache struct {
	fetch func(context.Context) (map[string]string, error)
	ttl   time.Duration
	now   func() time.Time
	// gate is held by the one refresh in flight.
	gate chan struct{}

	mu        sync.Mutex
	names     map[string]string // id → name; nil before the first fetch
	absent    map[string]bool   // ids the last refresh was asked for and lacked
	fetchedAt time.Time
	refreshes uint64
}

func newTagCache(fetch func(context.Context) (map[string]string, error)) *tagCache {
	return &tagCache{fetch: fetch, ttl: tagTTL, now: time.Now, gate: make(chan struct{}, 1)}
}

// name returns ids as tags with their names; a tag KlickTipp does not list
// keeps an empty name.
func (c *tagCache) name(ctx context.Context, ids []string) ([]sdk.Tag, error) {
	if refreshes, stale := c.needsRefresh(ids); stale {
		if err := c.refresh(ctx, refreshes, ids); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	tags := make([]sdk.Tag, len(ids))
	for i, id := range ids {
		tags[i] = sdk.Tag{ID: id, Name: c.names[id]}
	}
	return tags, nil
}

// needsRefresh reports whether the names are too old or lack one of ids
// not already looked for, and which refresh the names come from.
func (c *tagCache) needsRefresh(ids []string) (refreshes uint64, stale bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.names == nil || c.now().Sub(c.fetchedAt) >= c.ttl {
		return c.refreshes, true
	}
	for _, id := range ids {
		if _, known := c.names[id]; !known && !c.absent[id] {
			return c.refreshes, true
		}
	}
	return c.refreshes, false
}

// refresh fetches the names unless another caller has done so since
// refresh number seen; ids that the new names still lack are remembered.
func (c *tagCache) refresh(ctx context.Context, seen uint64, ids []string) error {
	select {
	case c.gate <- struct{}{}:
	case <-ctx.Done():
		return sdk.Retryable(ctx.Err(), 0)
	}
	defer func() { <-c.gate }()

	c.mu.Lock()
	done := c.refreshes != seen
	if done {
		c.markAbsent(ids)
	}
	c.mu.Unlock()
	if done {
		return nil
	}
	names, err := c.fetch(ctx)
	if err != nil {
		return err
	}
	c.store(names, ids...)
	return nil
}

// store replaces the names with a fresh list, fetched for the ids asked.
// The ids it lacks are marked in the same step: a caller that looked in
// between would otherwise take them for new and refresh once more.
func (c *tagCache) store(names map[string]string, asked ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.names = names
	c.absent = map[string]bool{}
	c.fetchedAt = c.now()
	c.refreshes++
	c.markAbsent(asked)
}

// markAbsent remembers which of ids the names lack; c.mu is held.
func (c *tagCache) markAbsent(ids []string) {
	for _, id := range ids {
		if _, known := c.names[id]; !known {
			c.absent[id] = true
		}
	}
}
