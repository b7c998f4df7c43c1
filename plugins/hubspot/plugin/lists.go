package plugin

import (
	"context"
	"sync"
	"time"

	"github.com/crmhub/crmhub/plugins/hubspot/api"
)

// listMaxAge is how long list names are trusted before a refresh.
const listMaxAge = 10 * time.Minute

// listCache keeps the account's lists by id, so a contact's memberships
// are named without a call per list. A membership of a list it does not
// know (made since) refreshes it.
type listCache struct {
	fetch func(context.Context) ([]api.List, error)

	mu      sync.Mutex
	byID    map[string]api.List
	fetched time.Time
}

// lookup returns the lists of these ids, refreshing first when one is
// unknown or the cache is old.
func (c *listCache) lookup(ctx context.Context, ids []string) (map[string]api.List, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	stale := c.byID == nil || time.Since(c.fetched) > listMaxAge
	for _, id := range ids {
		if _, ok := c.byID[id]; !ok {
			stale = true
		}
	}
	if stale {
		if err := c.refreshLocked(ctx); err != nil {
			return nil, err
		}
	}
	return c.byID, nil
}

// all refreshes and returns every list.
func (c *listCache) all(ctx context.Context) (map[string]api.List, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refreshLocked(ctx); err != nil {
		return nil, err
	}
	return c.byID, nil
}

func (c *listCache) refreshLocked(ctx context.Context) error {
	lists, err := c.fetch(ctx)
	if err != nil {
		return err
	}
	byID := make(map[string]api.List, len(lists))
	for _, l := range lists {
		byID[string(l.ID)] = l
	}
	c.byID, c.fetched = byID, time.Now()
	return nil
}
