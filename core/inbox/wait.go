package inbox

import (
	"context"
	"time"

	"github.com/crmhub/crmhub/core/store"
)

// Wait returns the event once it is final — or, for an event merged into
// another, that event once it is final — or what it is when ctx ends.
// Events finished by another process are seen by polling the store.
func (in *Inbox) Wait(ctx context.Context, id int64) (*store.Event, error) {
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	for {
		changed := in.final.wait() // before reading, so no notify is missed
		// The read outlives ctx, so a caller whose wait ran out still gets
		// the event as it is.
		ev, err := in.store.EventByID(context.WithoutCancel(ctx), id)
		if err != nil {
			return nil, err
		}
		if store.Final(ev.Status) && ev.CoalescedInto != nil {
			id = *ev.CoalescedInto
			continue
		}
		if store.Final(ev.Status) {
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
