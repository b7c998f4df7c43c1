package inbox

import (
	"context"
	"time"

	"github.com/crmhub/crmhub/core/store"
)

// Wait returns the event once it is final — or, for an event merged into
// another, that event's own row once it is final; for a request of
// several items, the request with its items (ev.Items) once every item is
// — or what it is when ctx ends. Events finished by another process are
// seen by polling the store.
func (in *Inbox) Wait(ctx context.Context, id int64) (*store.Event, error) {
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	asked := id
	for {
		changed := in.final.wait() // before reading, so no notify is missed
		// The reads outlive ctx, so a caller whose wait ran out still gets
		// the event as it is.
		rctx := context.WithoutCancel(ctx)
		ev, err := in.store.Reader().EventByID(rctx, id)
		if err != nil {
			return nil, err
		}
		// Only the request asked about answers with its items: an event
		// merged into a request's first item answers with that row alone.
		if store.Final(ev.Status) && ev.CoalescedInto != nil && (id != asked || ev.ItemCount <= 1) {
			id = *ev.CoalescedInto
			continue
		}
		final := store.Final(ev.Status)
		if id == asked {
			if final, err = in.withItems(rctx, ev); err != nil {
				return nil, err
			}
		}
		if final {
			return ev, nil
		}
		select {
		case <-ctx.Done():
			return ev, nil
		case <-changed:
		case <-poll.C:
		}
	}
}

// withItems reads the items of a request of several items into ev.Items,
// each merged item shown with the outcome of the event it was merged into,
// and reports whether the request (every item) is final.
func (in *Inbox) withItems(ctx context.Context, ev *store.Event) (bool, error) {
	if err := in.store.Reader().WithItems(ctx, ev); err != nil {
		return false, err
	}
	if ev.Items == nil {
		return store.Final(ev.Status), nil
	}
	for i, it := range ev.Items {
		if !store.Final(it.Status) || it.CoalescedInto == nil {
			continue
		}
		into, err := in.mergedOutcome(ctx, *it.CoalescedInto)
		if err != nil {
			return false, err
		}
		shown := *into
		shown.ID, shown.RequestID, shown.ItemIndex, shown.Items = it.ID, it.RequestID, it.ItemIndex, nil
		shown.CoalescedInto = &into.ID
		ev.Items[i] = &shown
	}
	return store.Final(store.RequestStatus(ev.Items)), nil
}

// mergedOutcome is the event id was merged into, followed to the end.
func (in *Inbox) mergedOutcome(ctx context.Context, id int64) (*store.Event, error) {
	for {
		ev, err := in.store.Reader().EventByID(ctx, id)
		if err != nil || !store.Final(ev.Status) || ev.CoalescedInto == nil {
			return ev, err
		}
		id = *ev.CoalescedInto
	}
}
