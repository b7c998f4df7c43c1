package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/sdk"
)

// workLoop claims due events and hands them to a crew of Workers, until
// Stop; then the crew finishes what was claimed.
//
// Claims run ahead of the crew: claimed events wait in a queue as deep as
// the crew is large, topped up once half of it is taken, so a worker that
// finishes starts its next event at once instead of waiting through a
// claim's round trips (on PostgreSQL the crew sat mostly idle with
// thousands of events due). Each claim's lease is kept from the moment it
// is taken (see hold), so a queued event is not taken over while the
// hub is alive. A worker nudges the loop to top the queue up when it
// takes an event, and when it has applied one that others of its contact
// wait behind (see behind).
func (in *Inbox) workLoop(ctx context.Context) {
	o := in.options()
	workers := o.Workers
	queue := make(chan held, workers)
	places := receivingPlaces(o)
	var crew sync.WaitGroup
	for range workers {
		crew.Go(func() {
			for h := range queue {
				nudge(in.topUp)
				release := in.admit(places)
				in.process(h)
				release()
			}
		})
	}
	defer func() {
		close(queue) // the crew finishes what was claimed, then ends
		crew.Wait()
	}()
	eager := true // claim even for a single free place
	poll := time.NewTicker(o.Poll)
	defer poll.Stop()
	recount := time.NewTicker(5 * time.Second)
	defer recount.Stop()
	for {
		// Top the queue up once half of it is taken, so a claim (a
		// transaction of its own) serves several events; new work and the
		// poll top it up for any free place, so work keeps coming when slow
		// calls free the crew one worker at a time.
		if room := cap(queue) - len(queue); room > 0 && (eager || room >= (workers+1)/2) {
			for _, c := range in.claim(ctx, room) {
				queue <- in.hold(ctx, c) // never blocks: only this loop sends, and room was free
			}
		}
		eager = false
		select {
		case <-in.stopped:
			return
		case <-in.topUp:
		case <-in.wakeWork:
			eager = true
		case <-poll.C:
			eager = true
		case <-recount.C:
			if err := in.refreshBacklog(ctx); err != nil {
				in.log.Warn("count backlog", "err", err)
			}
		}
	}
}

// contactOf is the contact an event is of, as held claims are keyed.
func contactOf(ev *store.Event) [2]string { return [2]string{ev.CRM, ev.ContactID} }

// behind marks the contacts held by this inbox's claims that events just
// decoded are of. A claim passes such an event over while its contact is
// held; it is claimed once the claim's event is applied (see process),
// rather than at the next poll.
func (in *Inbox) behind(evs []*store.Event) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, ev := range evs {
		if _, ok := in.holding[contactOf(ev)]; ok && ev.Status == store.StatusPending {
			in.holding[contactOf(ev)] = true
		}
	}
}

// receivingPlaces makes the places of the workers that may apply events
// while webhooks arrive (inbox.workers_while_receiving), or nil when all
// of them may.
func receivingPlaces(o *Options) chan struct{} {
	if n := o.WorkersWhileReceiving; n > 0 && n < o.Workers {
		return make(chan struct{}, n)
	}
	return nil
}

// receiving reports whether webhooks are arriving: a batch of them was
// taken within Options.ReceivingQuiet.
func (in *Inbox) receiving() bool {
	return time.Since(time.Unix(0, in.received.Load())) < in.options().ReceivingQuiet
}

// admit returns when a worker may start applying an event. While
// webhooks arrive, the workers that start one take a place of the few,
// so that applying leaves cores to taking webhooks and acknowledging
// them; a worker finding none free waits, and goes on without one once
// the webhooks stop. Workers already applying when webhooks start to
// arrive finish without a place. release gives the place back.
func (in *Inbox) admit(places chan struct{}) (release func()) {
	for places != nil && in.receiving() {
		select {
		case places <- struct{}{}:
			return func() { <-places }
		case <-time.After(in.options().ReceivingQuiet): // look again
		}
	}
	return func() {}
}

// held is a claimed event whose leases are being kept: ctx ends when its
// work is done (cancel) or when a renewal finds it taken over.
type held struct {
	store.Claim
	ctx    context.Context
	cancel context.CancelFunc
}

// hold starts keeping a claim's leases, from the claim on: in the queue
// too, since a worker may take a while to come free.
func (in *Inbox) hold(ctx context.Context, c store.Claim) held {
	ctx, cancel := context.WithCancel(ctx)
	go in.keepLease(ctx, c, cancel)
	return held{Claim: c, ctx: ctx, cancel: cancel}
}

// claim takes up to n due events of the CRMs whose plugins are ready and
// not quiet (see quieten). Each claim counts as applying until applied.
func (in *Inbox) claim(ctx context.Context, n int) []store.Claim {
	var ready []string
	in.mu.Lock()
	for _, crm := range in.options().CRMs() {
		if !in.quiet[crm] && in.plugins.Ready(crm) {
			ready = append(ready, crm)
			in.applying[crm]++ // claiming: a quieten now waits for it
		}
	}
	in.mu.Unlock()
	if len(ready) == 0 {
		return nil
	}
	claims, err := in.store.ClaimEvents(ctx, in.owner, ready, time.Now().UTC().Add(in.options().Lease), n)
	in.mu.Lock()
	for _, crm := range ready {
		in.applying[crm]--
	}
	for _, c := range claims {
		in.applying[c.Event.CRM]++
		in.holding[contactOf(c.Event)] = len(c.Waiting) > 0
	}
	in.mu.Unlock()
	if err != nil {
		in.log.Error("claim events", "err", err)
		return nil
	}
	merged := 0
	for _, c := range claims {
		merged += len(c.Coalesced)
	}
	if merged > 0 {
		in.backlog.Add(-int64(merged))
		in.final.notify()
	}
	return claims
}

// process applies one claimed event and records how it ended, under the
// claim's lease only: a worker overtaken after its lease ran out records
// nothing.
func (in *Inbox) process(h held) {
	c, ctx, ev := h.Claim, h.ctx, h.Event
	defer func() {
		h.cancel() // stops keeping the leases
		in.mu.Lock()
		in.applying[ev.CRM]--
		waited := in.holding[contactOf(ev)]
		delete(in.holding, contactOf(ev))
		in.mu.Unlock()
		if waited {
			// The contact is free: its next event need not wait for
			// the poll.
			nudge(in.topUp)
		}
	}()

	log := in.log.With("event", ev.ID, "crm", ev.CRM)
	job := engine.Event{ID: ev.ID, CRM: ev.CRM, Action: ev.Action, ContactID: ev.ContactID,
		Role: ev.Role, SendNotification: ev.SendNotification}
	if ev.Contact != "" {
		job.Contact = new(sdk.Contact)
		if err := json.Unmarshal([]byte(ev.Contact), job.Contact); err != nil {
			in.failed(ctx, ev, c.Lease, sdk.Invalid("read the contact the webhook carried: %w", err))
			return
		}
	} else if contact, ok := in.lookups.take(ev.CRM, ev.ContactID, append([]int64{ev.ID}, c.Coalesced...), ev.Attempts == 1); ok {
		job.Contact = &contact // fetched after this event was stored (see lookups)
		in.obs.SharedLookup(ev.CRM)
	}
	// Read before the contact is fetched: every event numbered up to it
	// was stored before the fetch began (see lookups; 0 on PostgreSQL).
	storedBefore := in.stored.Load()
	// Every plugin call made for the event names it, for the plugin's logs.
	ctx = sdk.WithEventID(ctx, strconv.FormatInt(ev.ID, 10))
	start := time.Now()
	res, err := in.applier.Apply(ctx, job, func(ctx context.Context, tx *store.Tx, res engine.Result) error {
		if res.Fetched != nil {
			// Kept before the commit frees the contact, so the next
			// claim of it finds the contact kept.
			in.lookups.keep(ev.CRM, ev.ContactID, *res.Fetched, c.Waiting, storedBefore)
		}
		ev.Status = store.StatusDone
		if res.Outcome == engine.ContactNotFound || res.Outcome == engine.InvalidPayload {
			ev.Status = store.StatusFailed
		}
		ev.Outcome, ev.Message = string(res.Outcome), res.Message
		if res.UserID != 0 {
			ev.UserID = &res.UserID
		}
		if err := tx.Finish(ctx, ev, c.Lease); err != nil {
			return err
		}
		return tx.CloseAttempt(ctx, ev, c.Lease, ev.Outcome, "")
	})
	in.obs.Attempted(ev.CRM, ev.Action, time.Since(start))
	if err == nil {
		log.Debug("event applied", "outcome", res.Outcome)
		in.obs.Processed(ev.CRM, string(res.Outcome))
		in.backlog.Add(-1)
		in.final.notify()
		return
	}
	in.failed(ctx, ev, c.Lease, err)
}

// failed decides what an error means for the event: wait for the plugin
// at no cost, fail at once, retry later, or give up. It records the
// outcome under lease, the claim's.
func (in *Inbox) failed(ctx context.Context, ev *store.Event, lease string, cause error) {
	log := in.log.With("event", ev.ID, "crm", ev.CRM)
	if errors.Is(cause, store.ErrLeaseLost) {
		log.Warn("another worker took the event over; leaving it to that worker")
		return
	}
	attemptErr := cause.Error()
	// The attempt to close, numbered before a plugin that was down gives
	// the event its attempt back.
	tried := *ev
	v := judge(cause, ev.Attempts, false, in.options())
	if ctx.Err() != nil {
		v = verdict{wait: true} // cancelled (the hub stops, or the lease ran out): not the event's doing
	}
	line, level := v.record(ev, cause, attemptErr)
	switch {
	case v.wait:
		// Not the event's fault: the attempt does not count.
		ev.Status, ev.Attempts, ev.NextAttemptAt = store.StatusPending, ev.Attempts-1, time.Now().UTC()
	case !store.Final(ev.Status):
		ev.Status = store.StatusRetrying
	}
	// Record it even when the hub is stopping.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := in.store.InTxShared(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.CloseAttempt(ctx, &tried, lease, ev.Status, attemptErr); err != nil {
			return err
		}
		if store.Final(ev.Status) {
			if err := tx.Finish(ctx, ev, lease); err != nil {
				return err
			}
		} else if err := tx.Reschedule(ctx, ev, lease); err != nil {
			return err
		}
		return tx.AddActivity(ctx, &store.Activity{CRM: ev.CRM, EventID: &ev.ID, Level: level, Message: line})
	})
	switch {
	case errors.Is(err, store.ErrLeaseLost):
		// Cancelled because the lease ran out: the event is another
		// worker's now, which records its own attempts.
		log.Warn("another worker took the event over; leaving it to that worker")
		return
	case err != nil:
		log.Error("record failed attempt", "err", err)
		return
	}
	log.Warn("event attempt failed", "status", ev.Status, "attempt", ev.Attempts, "err", attemptErr)
	switch ev.Status {
	case store.StatusPending:
		in.obs.WaitedForPlugin(ev.CRM)
	case store.StatusFailed:
		in.obs.Processed(ev.CRM, ev.Outcome)
	default: // retrying, or dead after its last attempt
		in.obs.Retried(ev.CRM)
	}
	if store.Final(ev.Status) {
		in.backlog.Add(-1)
		in.final.notify()
	}
}

// retryDelay is the backoff after n attempts, or longer if the CRM asked
// for it (Retry-After).
func retryDelay(n int, o *Options, err error) time.Duration {
	d := backoff(n, o.BackoffInitial, o.BackoffMax)
	if after, ok := sdk.RetryAfter(err); ok && after > d {
		d = after
	}
	return d
}

// keepLease renews the claim's leases of the event and its contact until
// ctx ends (the event was applied, or is given up); when a renewal finds
// the event taken over, it cancels the work.
func (in *Inbox) keepLease(ctx context.Context, c store.Claim, lost context.CancelFunc) {
	ev := c.Event
	lease := in.options().Lease
	t := time.NewTicker(lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ok, err := in.store.RenewLease(ctx, ev, c.Lease, time.Now().UTC().Add(lease))
			if err != nil {
				in.log.Warn("renew event lease", "event", ev.ID, "err", err)
				continue
			}
			if !ok {
				in.log.Warn("event lease lost; stopping work on it", "event", ev.ID)
				lost()
				return
			}
		}
	}
}
