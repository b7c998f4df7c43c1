package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/uptrace/bun"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
)

// settleTime lets a freshly started hub and plugin come to rest before
// their idle memory is read.
const settleTime = 2 * time.Second

// applyTimeout bounds the wait for a batch of webhooks to be applied.
const applyTimeout = 2 * time.Minute

// endToEnd is what one hub did with webhooks that reach users.
type endToEnd struct {
	create, update batch
	// steady are the steady runs after the users were created and after
	// the update_tags.
	steady [2]harness.Result
	memory memory
}

// batch is a burst of webhooks, sent as fast as the hub takes them, and
// how long it took from the first sent to the last applied.
type batch struct {
	sent    harness.Result
	events  int
	elapsed time.Duration
	// unapplied counts events that ended other than done and applied
	// (failed, dead, or coalesced into another).
	unapplied int
}

func (b batch) perSecond() float64 { return float64(b.events) / b.elapsed.Seconds() }

// measureEndToEnd runs a hub whose plugin talks to a fake KlickTipp with
// o.users contacts: it creates a user for each (add), times update_tags
// at a steady o.rate, sends o.rounds update_tags per user, and times the
// steady rate again, now with more events in the store.
func measureEndToEnd(ctx context.Context, bins harness.Binaries, kind storeKind, o options) (endToEnd, error) {
	var got endToEnd
	dir, err := os.MkdirTemp("", "crmhub-bench-")
	if err != nil {
		return got, err
	}
	defer os.RemoveAll(dir)
	db, err := newDatabase(ctx, kind, dir, o.pgURL)
	if err != nil {
		return got, err
	}
	defer db.drop()
	kt := harness.StartKlickTipp()
	defer kt.Close()
	contacts := seed(kt, o.users)

	hub, err := harness.Start(ctx, bins, harness.Config{Dir: dir, Database: db.url, KlickTipp: kt, LogLevel: "warn"})
	if err != nil {
		return got, err
	}
	defer stopHub(hub)
	if err := hub.WaitForPlugin(ctx, "klicktipp", "running"); err != nil {
		return got, err
	}
	st, err := store.Open(ctx, db.url)
	if err != nil {
		return got, err
	}
	defer st.Close()

	time.Sleep(settleTime)
	got.memory.hubIdle, got.memory.pluginIdle = rssOf(hub)
	sampler := sampleMemory(hub)
	defer sampler.stop()

	progress("  end-to-end: add, creating %d users", o.users)
	got.create, err = sendAndApply(ctx, hub, st, o, o.users, func(i int) harness.Hook {
		return hub.Hook("add", harness.Outbound(contacts[i].id, contacts[i].email))
	})
	if err != nil {
		return got, fmt.Errorf("add: %w", err)
	}
	if got.steady[0], err = steadyRun(ctx, hub, st, o, contacts); err != nil {
		return got, err
	}
	progress("  end-to-end: update_tags, %d per user", o.rounds)
	got.update, err = sendAndApply(ctx, hub, st, o, o.users*o.rounds, func(i int) harness.Hook {
		c := contacts[i%o.users]
		// Each round asks another role, which update_tags does not use:
		// no two webhooks are alike, so none is coalesced into another
		// and every one is applied.
		return hub.Hook("update_tags", harness.Outbound(c.id, c.email)).With("role", roles[(i/o.users)%len(roles)])
	})
	if err != nil {
		return got, fmt.Errorf("update_tags: %w", err)
	}
	got.memory.hubLoad, got.memory.pluginLoad = sampler.stop()
	got.steady[1], err = steadyRun(ctx, hub, st, o, contacts)
	return got, err
}

// steadyRun sends update_tags at a steady o.rate for o.steady, each with
// ?wait= so the client times it from sending to applied.
func steadyRun(ctx context.Context, hub *harness.Hub, st *store.Store, o options, contacts []contact) (harness.Result, error) {
	stored, err := lastEventID(ctx, st)
	if err != nil {
		return harness.Result{}, err
	}
	progress("  end-to-end: update_tags at %.0f/s for %s, each waiting for its outcome (%d events stored)", o.rate, o.steady, stored)
	steady := harness.Load{URL: hub.URL, Connections: o.connections, Rate: o.rate, Duration: o.steady,
		Hook: func(i int) harness.Hook {
			c := contacts[i%len(contacts)]
			return hub.Hook("update_tags", harness.Outbound(c.id, c.email)).With("wait", "30s")
		}}
	return steady.Run(ctx), ctx.Err()
}

// roles are distinct values of the role parameter.
var roles = []string{"", "subscriber", "customer", "member"}

type contact struct{ id, email string }

// seed adds n contacts with two tags and a name to the fake.
func seed(kt *harness.KlickTipp, n int) []contact {
	kt.AddTag("11", "Kunde")
	kt.AddTag("12", "Premium")
	contacts := make([]contact, n)
	for i := range contacts {
		email := fmt.Sprintf("bench%06d@example.com", i)
		id := kt.AddSubscriber(fakeklicktipp.Subscriber{Email: email, ManualTags: []string{"11", "12"},
			Fields: map[string]string{"fieldFirstName": "Kim", "fieldLastName": "Bench"}})
		contacts[i] = contact{id: id, email: email}
	}
	return contacts
}

// sendAndApply sends n webhooks over o.connections connections as fast as
// the hub takes them, then waits until all n events are final, and times
// the whole from the first webhook sent.
func sendAndApply(ctx context.Context, hub *harness.Hub, st *store.Store, o options, n int, hook func(i int) harness.Hook) (batch, error) {
	after, err := lastEventID(ctx, st)
	if err != nil {
		return batch{}, err
	}
	start := time.Now()
	load := harness.Load{URL: hub.URL, Connections: o.connections, Count: n, Hook: hook}
	b := batch{sent: load.Run(ctx), events: n}
	if b.sent.OK != n {
		return b, nil // reported as a failure
	}
	ctx, cancel := context.WithTimeout(ctx, applyTimeout)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		final, err := countEvents(ctx, st, after, store.StatusDone, store.StatusFailed, store.StatusDead)
		if err != nil {
			return b, err
		}
		if final >= n {
			break
		}
		select {
		case <-ctx.Done():
			return b, fmt.Errorf("%d of %d events applied after %s: %w", final, n, applyTimeout, ctx.Err())
		case <-tick.C:
		}
	}
	b.elapsed = time.Since(start)
	applied, err := countApplied(ctx, st, after)
	b.unapplied = n - applied
	return b, err
}

func lastEventID(ctx context.Context, st *store.Store) (int64, error) {
	var id int64
	err := st.DB().NewSelect().Model((*store.Event)(nil)).ColumnExpr("coalesce(max(id), 0)").Scan(ctx, &id)
	if err != nil {
		return 0, fmt.Errorf("read the last event id: %w", err)
	}
	return id, nil
}

// countEvents counts the events after id in one of the statuses.
func countEvents(ctx context.Context, st *store.Store, after int64, statuses ...string) (int, error) {
	n, err := st.DB().NewSelect().Model((*store.Event)(nil)).
		Where("id > ? AND status IN (?)", after, bun.In(statuses)).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return int(n), nil
}

// countApplied counts the events after id that were applied themselves.
func countApplied(ctx context.Context, st *store.Store, after int64) (int, error) {
	n, err := st.DB().NewSelect().Model((*store.Event)(nil)).
		Where("id > ? AND status = ? AND coalesced_into IS NULL", after, store.StatusDone).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count applied events: %w", err)
	}
	return int(n), nil
}

// steadyFailure describes a steady run in which an event was not final
// within its wait, or a webhook was refused.
func steadyFailure(r harness.Result) string {
	if msg := failure(r); msg != "" {
		return msg
	}
	if late := r.Sent - r.Statuses[http.StatusOK]; late > 0 {
		return fmt.Sprintf("%d of %d not applied within their wait", late, r.Sent)
	}
	return ""
}
