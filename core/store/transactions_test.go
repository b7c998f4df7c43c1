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

		It("answers a shared call whose context ended without running it", func(ctx SpecContext) {
			done, cancel := context.WithCancel(ctx)
			cancel()
			ran := false
			err := s.InTxShared(done, func(ctx context.Context, tx *store.Tx) error { ran = true; return nil })
			Expect(err).To(MatchError(context.Canceled))
			Expect(ran).To(BeFalse())
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
	holding, release := make(chan struct{}), make(chan struct{})
	occupied := make(chan error, 1)
	go func() { // holds the sharer, so that the next two calls share a transaction
		occupied <- s.InTxShared(ctx, func(context.Context, *store.Tx) error { close(holding); <-release; return nil })
	}()
	<-holding
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
	close(release)
	Expect(<-occupied).To(Succeed())
	return map[string]error{"leaving": <-left, "staying": <-staying}
}
