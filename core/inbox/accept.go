package inbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/internal/chans"
)

// Errors Accept returns.
var (
	// ErrBacklogFull: more events wait than inbox.max_backlog allows.
	ErrBacklogFull = errors.New("inbox: backlog full")
	// ErrStopped: the inbox takes no more webhooks.
	ErrStopped = errors.New("inbox: stopped")
)

// maxBatch bounds how many webhooks share one commit.
const maxBatch = 512

// linger bounds how long the committer holds a batch open for a crowd of
// webhooks to share its commit; it stops waiting earlier when none has
// arrived for lingerGap, so a crowd that thins out is not kept waiting.
// Only on PostgreSQL: on SQLite a batch is what queued while the one
// before it was flushed (see commitBatch).
const (
	linger    = time.Millisecond
	lingerGap = 100 * time.Microsecond
)

// accepted is a webhook waiting for its commit.
type accepted struct {
	ev   *store.Event
	done chan error
}

// Accept stores ev, a webhook just received, durably and sets its ID
// (store.InsertReceived says which fields are stored). When it returns nil the row is
// committed (fsync'd), so the webhook may be acknowledged. A full backlog
// is ErrBacklogFull; a store that fails is an error, and nothing was
// acknowledged.
func (in *Inbox) Accept(ctx context.Context, ev *store.Event) error {
	if in.backlog.Load() >= int64(in.options().MaxBacklog) {
		return ErrBacklogFull
	}
	ev.ReceivedAt = time.Now().UTC()
	a := &accepted{ev: ev, done: make(chan error, 1)}
	select {
	case <-in.stopped:
		return ErrStopped
	case in.commits <- a:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the row may commit even if the caller leaves: waiting
	// for the answer regardless keeps "nil" meaning "committed".
	if err := <-a.done; err != nil {
		return err
	}
	// commitBatch woke the decoder at the commit; decoding wakes the
	// workers.
	in.backlog.Add(1)
	return nil
}

// commitLoop commits queued webhooks in batches until Stop, then commits
// whatever is still queued.
func (in *Inbox) commitLoop() {
	crowd := false // the last batch had company: more webhooks are on their way
	for {
		select {
		case a := <-in.commits:
			batch := in.gather(a, crowd)
			crowd = len(batch) > 1
			in.commitBatch(batch)
		case <-in.stopped:
			for {
				select {
				case a := <-in.commits:
					in.commitBatch(in.gather(a, false))
				default:
					return
				}
			}
		}
	}
}

// gather collects the webhooks queued behind the first, up to maxBatch.
// On SQLite that is all: they queued while the batch before was flushed.
// On PostgreSQL a webhook that comes alone, after a batch that was alone
// too, is committed at once; in a crowd the batch is held for more to
// share its commit (see linger). The lone webhook must not wait on a
// timer: one shorter than a millisecond sleeps a whole one when the
// process is idle, as Go waits for its timers in epoll, which counts
// milliseconds.
func (in *Inbox) gather(first *accepted, crowd bool) []*accepted {
	batch := chans.Drain(in.commits, []*accepted{first}, maxBatch)
	if in.store.Dialect() == store.SQLite || (len(batch) == 1 && !crowd) || len(batch) == maxBatch {
		return batch
	}
	deadline := time.Now().Add(linger)
	gap := time.NewTimer(lingerGap)
	defer gap.Stop()
	for len(batch) < maxBatch {
		select {
		case a := <-in.commits:
			batch = append(batch, a)
			gap.Reset(min(lingerGap, time.Until(deadline)))
		case <-gap.C:
			return batch
		}
	}
	return batch
}

// commitBatch stores a batch in one transaction and answers each waiter
// once the commit is durable. The next batch waits until then. On SQLite
// the webhooks that arrive while the log is flushed make that batch, one
// commit and one flush for them all. Committing them as they came, each
// commit waiting for the flush under way and then for one of its own,
// made smaller commits, more flushes and longer waits: ingest alone read
// 45–48% of the bare handler's rate against 47–52% now (crmhub-bench, in
// turns).
func (in *Inbox) commitBatch(batch []*accepted) {
	began := time.Now()
	in.received.Store(began.UnixNano())
	events := make([]*store.Event, len(batch))
	for i, a := range batch {
		events[i] = a.ev
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	durable, err := in.store.SaveReceived(ctx, events)
	if err != nil {
		in.answer(batch, err)
		return
	}
	committed := time.Now()
	in.noteStored(events)
	// The rows are committed: decoding them need not wait for the flush.
	// A flush that fails answers 503 but cannot take the rows back, so
	// they would be decoded afterwards all the same.
	nudge(in.wakeDecode)
	err = durable()
	if err == nil {
		in.obs.Committed(waits(batch, began), committed.Sub(began), time.Since(committed))
	}
	in.answer(batch, err)
}

// noteStored raises the highest event id this inbox stored to the
// highest of events, just committed, on SQLite (see lookups).
func (in *Inbox) noteStored(events []*store.Event) {
	if in.store.Dialect() != store.SQLite {
		return
	}
	var highest int64
	for _, ev := range events {
		highest = max(highest, ev.ID)
	}
	for seen := in.stored.Load(); highest > seen; seen = in.stored.Load() {
		if in.stored.CompareAndSwap(seen, highest) {
			return
		}
	}
}

// waits is how long each webhook of a batch waited for its commit, which
// began at began. Accept stamped ReceivedAt in UTC, which keeps no
// monotonic reading, so a clock set back makes a wait negative: none.
func waits(batch []*accepted, began time.Time) []time.Duration {
	d := make([]time.Duration, len(batch))
	for i, a := range batch {
		d[i] = max(0, began.Sub(a.ev.ReceivedAt))
	}
	return d
}

// answer tells each waiter of a batch whether it is stored.
func (in *Inbox) answer(batch []*accepted, err error) {
	if err != nil {
		err = fmt.Errorf("inbox: store webhooks: %w", err)
		in.log.Error("could not store webhooks; answering 503", "webhooks", len(batch), "err", err)
	}
	for _, a := range batch {
		a.done <- err
	}
}

// refreshBacklog counts the unfinished events in the store: at start, and
// now and then, since other processes finish events too.
func (in *Inbox) refreshBacklog(ctx context.Context) error {
	n, err := in.store.Reader().Backlog(ctx)
	if err != nil {
		return err
	}
	in.backlog.Store(int64(n))
	return nil
}
