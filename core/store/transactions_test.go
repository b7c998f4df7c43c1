package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

var _ = Describe("the store's faster transactions", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var s *store.Store

		BeforeEach(func() { s = db.Store() })

		It("shares one transaction among callers and undoes a failing caller's work alone", func(ctx SpecContext) {
			boom := errors.New("boom")
			var wg sync.WaitGroup
			errs := make([]error, 24)
			for i := range errs {
				wg.Go(func() {
					errs[i] = s.InTxShared(ctx, func(ctx context.Context, tx *store.Tx) error {
						if err := tx.CreateUser(ctx, newUser(fmt.Sprint("user", i), fmt.Sprintf("user%d@example.com", i))); err != nil {
							return err
						}
						if i%3 == 0 {
							return boom // after writing: the savepoint must take the user back
						}
						return nil
					})
				})
			}
			wg.Wait()
			for i, err := range errs {
				_, found := s.UserByEmail(ctx, fmt.Sprintf("user%d@example.com", i))
				if i%3 == 0 {
					Expect(err).To(MatchError(boom))
					Expect(found).To(MatchError(store.ErrNotFound))
				} else {
					Expect(err).NotTo(HaveOccurred())
					Expect(found).NotTo(HaveOccurred())
				}
			}
		})

		// SQLite rolls a whole transaction back when a write inside it is
		// interrupted, as a statement is when its context ends; the calls
		// after it in a shared transaction would then run outside any
		// transaction and commit on their own, their callers told that it
		// failed. Each caller told "stored" must find its work, and each
		// told otherwise must not.
		expectTruthfulCallers := func(ctx context.Context, told map[string]error) {
			for name, err := range told {
				_, found := s.UserByEmail(ctx, name+"@example.com")
				if err == nil {
					Expect(found).To(Succeed(), "%s was told its work is committed", name)
				} else {
					Expect(found).To(MatchError(store.ErrNotFound), "%s was told %v, yet its work is committed", name, err)
				}
			}
		}

		It("lets no caller whose context ends mid-statement undo the others' work, or commit it half", func(ctx SpecContext) {
			leaving, leave := context.WithCancel(ctx)
			defer leave()
			expectTruthfulCallers(ctx, shareWithLongWrite(ctx, s, leaving, func(ctx context.Context) (context.Context, func()) {
				time.AfterFunc(100*time.Millisecond, leave) // the caller leaves while the write runs
				return ctx, func() {}
			}))
		})

		It("ends a shared transaction for every caller once a write of one is interrupted", func(ctx SpecContext) {
			expectTruthfulCallers(ctx, shareWithLongWrite(ctx, s, ctx, func(ctx context.Context) (context.Context, func()) {
				return context.WithTimeout(ctx, 100*time.Millisecond) // a bound of the caller's own
			}))
		})

		It("tells a caller who leaves while its transaction runs the truth; on SQLite the transaction runs to its end", func(ctx SpecContext) {
			leaving, leave := context.WithCancel(ctx)
			defer leave()
			time.AfterFunc(100*time.Millisecond, leave) // while the long write runs
			err := s.InTx(leaving, func(ctx context.Context, tx *store.Tx) error {
				if err := tx.CreateUser(ctx, newUser("before", "before@example.com")); err != nil {
					return err
				}
				if _, err := tx.Bun().ExecContext(ctx, longWrite); err != nil {
					return err
				}
				return tx.CreateUser(ctx, newUser("after", "after@example.com"))
			})
			if s.Dialect() == store.SQLite {
				// An interrupted statement would roll the whole transaction
				// back; its writes are local and short, so none is.
				Expect(err).NotTo(HaveOccurred())
			}
			expectTruthfulCallers(ctx, map[string]error{"before": err, "after": err})
		})

		It("commits webhooks waiting for SQLite's connection before the rest of a shared transaction", func(ctx SpecContext) {
			if s.Dialect() != store.SQLite {
				Skip("PostgreSQL's connections work in parallel: no webhook waits for a shared transaction")
			}
			received := func() error {
				ev := &store.Event{CRM: "klicktipp", Action: "add", Method: "POST", ReceivedAt: time.Now().UTC()}
				_, err := s.SaveReceived(ctx, []*store.Event{ev})
				return err
			}
			// The first webhook's statement is prepared for keeps after its
			// commit, on the connection again; a running hub has done that.
			Expect(received()).To(Succeed())

			// A call that has held the connection long enough with webhooks
			// waiting is followed by their commit, not by the next call.
			held := holdSharer(ctx, s)
			saved := make(chan error, 1)
			first := make(chan error, 1)
			go func() {
				first <- s.InTxShared(ctx, func(context.Context, *store.Tx) error {
					go func() { saved <- received() }()
					// This runs on the sharer's goroutine: errors, not Gomega.
					deadline := time.Now().Add(5 * time.Second)
					for !store.Receiving(s) {
						if time.Now().After(deadline) {
							return errors.New("the webhook never waited for the connection")
						}
						time.Sleep(time.Millisecond)
					}
					time.Sleep(store.MakeWayAfter)
					return nil
				})
			}()
			time.Sleep(50 * time.Millisecond) // the first call queues first
			second := make(chan error, 1)
			go func() {
				second <- s.InTxShared(ctx, func(context.Context, *store.Tx) error {
					select {
					case err := <-saved:
						return err
					case <-time.After(5 * time.Second):
						return errors.New("the webhooks still wait for the shared transaction")
					}
				})
			}()
			time.Sleep(50 * time.Millisecond) // both wait behind the held call
			held()
			Expect(<-first).To(Succeed())
			Expect(<-second).To(Succeed())
		})

		It("runs every call of a shared transaction however long webhooks wait", func(ctx SpecContext) {
			if s.Dialect() != store.SQLite {
				Skip("PostgreSQL has no shared transactions")
			}
			defer store.PretendReceiving(s)()
			held := holdSharer(ctx, s)
			var wg sync.WaitGroup
			errs := make([]error, 3)
			for i := range errs {
				wg.Go(func() {
					errs[i] = s.InTxShared(ctx, func(ctx context.Context, tx *store.Tx) error {
						time.Sleep(store.MakeWayAfter) // each call alone holds the connection long enough
						return tx.CreateUser(ctx, newUser(fmt.Sprint("user", i), fmt.Sprintf("user%d@example.com", i)))
					})
				})
			}
			time.Sleep(50 * time.Millisecond) // all wait behind the held call
			held()
			wg.Wait()
			for i, err := range errs {
				Expect(err).NotTo(HaveOccurred())
				Expect(s.UserByEmail(ctx, fmt.Sprintf("user%d@example.com", i))).Error().NotTo(HaveOccurred())
			}
		})

		It("answers a shared call whose context ended without running it", func(ctx SpecContext) {
			done, cancel := context.WithCancel(ctx)
			cancel()
			ran := false
			err := s.InTxShared(done, func(ctx context.Context, tx *store.Tx) error { ran = true; return nil })
			Expect(err).To(MatchError(context.Canceled))
			Expect(ran).To(BeFalse())
		})

		It("counts the time SQLite's connection spends in transactions, by what each was for", func(ctx SpecContext) {
			const nap = 20 * time.Millisecond
			before := s.ConnectionUse()
			Expect(s.InTx(ctx, func(context.Context, *store.Tx) error { time.Sleep(nap); return nil })).To(Succeed())
			_, err := s.SaveReceived(ctx, []*store.Event{{CRM: "klicktipp", Action: "add", Method: "POST", ReceivedAt: time.Now().UTC()}})
			Expect(err).NotTo(HaveOccurred())
			// Three calls queued behind a held one share a transaction.
			held := holdSharer(ctx, s)
			var wg sync.WaitGroup
			errs := make([]error, 3)
			for i := range errs {
				wg.Go(func() {
					errs[i] = s.InTxShared(ctx, func(context.Context, *store.Tx) error { time.Sleep(nap); return nil })
				})
			}
			time.Sleep(50 * time.Millisecond) // all wait behind the held call
			held()
			wg.Wait()
			Expect(errs).To(HaveEach(Succeed()))

			used := s.ConnectionUse()
			if s.Dialect() != store.SQLite {
				Expect(used).To(BeZero(), "PostgreSQL's connections work in parallel: nothing to count")
				return
			}
			Expect(used.Other - before.Other).To(BeNumerically(">=", nap))
			Expect(used.Webhooks - before.Webhooks).To(BeNumerically(">", 0))
			Expect(used.Shared - before.Shared).To(BeNumerically(">=", 3*nap))
			Expect(used.SharedTransactions - before.SharedTransactions).To(BeEquivalentTo(2))
			Expect(used.SharedCalls - before.SharedCalls).To(BeEquivalentTo(4))
		})

		It("commits, then makes the commit durable when asked", func(ctx SpecContext) {
			now := time.Now().UTC()
			ev := &store.Event{CRM: "klicktipp", Action: "add", Method: "POST", Status: store.StatusReceived,
				ReceivedAt: now, UpdatedAt: now, NextAttemptAt: now}
			durable, err := s.InTxSyncLater(ctx, func(ctx context.Context, tx *store.Tx) error {
				return tx.InsertEvents(ctx, []*store.Event{ev})
			})
			Expect(err).NotTo(HaveOccurred())
			Expect(durable()).To(Succeed())
			Expect(s.EventByID(ctx, ev.ID)).To(HaveField("Action", "add"))

			_, err = s.InTxSyncLater(ctx, func(ctx context.Context, tx *store.Tx) error { return errors.New("boom") })
			Expect(err).To(MatchError("boom"))

			// On SQLite the flush is of the log the commit went to: were
			// its name wrong, the flush would find no file and flush nothing.
			if wal := store.WALPath(s); wal != "" {
				Expect(wal).To(BeAnExistingFile())
			}
		})

		It("runs a statement first met inside a transaction, whose connection may be the only one", func(ctx SpecContext) {
			// The store prepares its hot statements on SQLite; preparing
			// one for keeps takes a connection, which the transaction
			// holds: it must be prepared for the transaction alone.
			fresh, err := store.Open(ctx, db.URL()) // the same database, nothing prepared yet
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(fresh.Close)
			u := newUser("anna", "anna@example.com")
			Expect(fresh.CreateUser(ctx, u)).To(Succeed())
			for range 2 { // first met inside, then prepared for keeps
				Expect(fresh.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
					_, err := tx.CRMTags(ctx, u.ID, "klicktipp")
					return err
				})).To(Succeed())
			}
		}, SpecTimeout(10*time.Second))

		Describe("a webhook's received line", func() {
			It("is made up from the row until the webhook is decoded, then written once", func(ctx SpecContext) {
				ev := addEvent(ctx, s, "klicktipp", "", store.StatusReceived)
				lines, err := s.EventActivity(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(lines).To(ConsistOf(HaveField("Message", "Received add webhook.")))
				Expect(lines[0].At).To(BeTemporally("~", ev.ReceivedAt, time.Millisecond))
				stored, err := s.RecentActivity(ctx, 10, 0)
				Expect(err).NotTo(HaveOccurred())
				Expect(stored).To(BeEmpty())

				// The plugin was away: the webhook waits, still received.
				ev, err = s.EventByID(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.SaveDecoded(ctx, ev) })).To(Succeed())
				// Then it is decoded.
				ev, err = s.EventByID(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				ev.Decoded, ev.ContactID, ev.Status = true, "1", store.StatusPending
				Expect(s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.SaveDecoded(ctx, ev) })).To(Succeed())

				lines, err = s.EventActivity(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(lines).To(ConsistOf(HaveField("Message", "Received add webhook.")))
				Expect(lines[0].ID).NotTo(BeZero())
			})
		})
	})
})

// longWrite is a write that takes a while and deletes nothing.
const longWrite = `DELETE FROM users WHERE id IN (
	WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 300000) SELECT -x FROM n)`

// shareWithLongWrite has two calls share one transaction: the first, under
// first, writes the user "leaving" and then a long write (deleting
// nothing) under the context writeCtx makes of its own; the second writes
// the user "staying". It returns what each caller was told.
func shareWithLongWrite(ctx context.Context, s *store.Store, first context.Context,
	writeCtx func(context.Context) (context.Context, func())) map[string]error {
	release := holdSharer(ctx, s) // so that the next two calls share a transaction
	left := make(chan error, 1)
	go func() {
		left <- s.InTxShared(first, func(ctx context.Context, tx *store.Tx) error {
			if err := tx.CreateUser(ctx, newUser("leaving", "leaving@example.com")); err != nil {
				return err
			}
			ctx, done := writeCtx(ctx)
			defer done()
			_, err := tx.Bun().ExecContext(ctx, longWrite)
			return err
		})
	}()
	time.Sleep(50 * time.Millisecond) // the leaving call queues first (order only: either way the callers must be told the truth)
	staying := make(chan error, 1)
	go func() {
		staying <- s.InTxShared(ctx, func(ctx context.Context, tx *store.Tx) error {
			return tx.CreateUser(ctx, newUser("staying", "staying@example.com"))
		})
	}()
	time.Sleep(50 * time.Millisecond) // both wait behind the held call
	release()
	return map[string]error{"leaving": <-left, "staying": <-staying}
}

// holdSharer keeps the store's shared transactions busy with a call of
// its own until release, so that the calls made meanwhile wait together
// and then share a transaction.
func holdSharer(ctx context.Context, s *store.Store) (release func()) {
	holding, done := make(chan struct{}), make(chan struct{})
	occupied := make(chan error, 1)
	go func() {
		occupied <- s.InTxShared(ctx, func(context.Context, *store.Tx) error { close(holding); <-done; return nil })
	}()
	<-holding
	return func() {
		close(done)
		Expect(<-occupied).To(Succeed())
	}
}
