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
// know (made since) refreshes it; an id still unknown after that refresh
// (a list the search does not return) is remembered as absent, so it does
// not cost a refresh on every call until the cache ages out.
type listCache struct {
	fetch func(context.Context) ([]api.List, error)

	mu      sync.Mutex
	byID    map[string]api.List
	absent  map[string]bool
	fetched time.Time
}

// lookup returns the lists of these ids, refreshing first when one is
// unknown or the cache is old.
func (c *listCache) lookup(ctx context.Context, ids []string) (map[string]api.List, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	stale := c.byID == nil || time.Since(c.fetched) > listMaxAge
	for _, id := range ids {
		if _, ok := c.byID[id]; !ok && !c.absent[id] {
			stale = true
		}
	}
	if stale {
		if err := c.refreshLocked(ctx); err != nil {
			return nil, err
		}
		for _, id := range ids {
			if _, ok := c.byID[id]; !ok {
				c.absent[id] = true
			}
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
	c.byID, c.absent, c.fetched = byID, map[string]bool{}, time.Now()
	return nil
}
