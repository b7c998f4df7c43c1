package apps_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

// feedWait is how long a spec waits for committed changes to show in the
// feed. On PostgreSQL any open transaction on the server holds them back,
// another suite's or another parallel spec's too, so this is generous.
const feedWait = 20 * time.Second

var _ = Describe("Feed", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			s    *store.Store
			feed *apps.Feed
		)
		BeforeEach(func() {
			s = db.Store()
			feed = apps.NewFeed(s)
		})
		// readAll follows the cursor until the feed has nothing new and
		// returns the change ids read, and the last cursor.
		readAll := func(ctx context.Context, after store.ChangeCursor) ([]int64, store.ChangeCursor) {
			var ids []int64
			for {
				changes, err := feed.Read(ctx, after, 2, 0)
				ExpectWithOffset(1, err).NotTo(HaveOccurred())
				if len(changes) == 0 {
					return ids, after
				}
				for _, c := range changes {
					ids = append(ids, c.ID)
					after = c.Cursor
				}
			}
		}
		// follow returns a function that reads on from after each time it
		// is called and returns every id read so far: on PostgreSQL a
		// change shows once every older transaction of the server has
		// ended, other clients' too, so specs read until all are in, for
		// up to feedWait.
		follow := func(ctx context.Context, after store.ChangeCursor) func() []int64 {
			var seen []int64
			return func() []int64 {
				ids, next := readAll(ctx, after)
				seen, after = append(seen, ids...), next
				return seen
			}
		}

		It("serves every change once, in order, a page at a time", func(ctx SpecContext) {
			var want []int64
			for i := int64(1); i <= 5; i++ {
				want = append(want, addChange(ctx, s, i, 1))
			}
			read := follow(ctx, store.ChangeCursor{})
			Eventually(read).WithTimeout(feedWait).Should(Equal(want))
			Consistently(read).WithTimeout(200 * time.Millisecond).Should(Equal(want))
		})

		// On SQLite the store's writer is one connection, which the
		// webhooks' commits need: readers of the feed must not take it.
		It("serves changes while a transaction holds the store's writer", func(ctx SpecContext) {
			want := addChange(ctx, s, 1, 1)
			storetest.HoldWriter(s, nil)
			Eventually(follow(ctx, store.ChangeCursor{})).WithTimeout(feedWait).Should(Equal([]int64{want}))
		}, SpecTimeout(2*feedWait))

		It("waits for a change when none is new", func(ctx SpecContext) {
			_, cursor := readAll(ctx, store.ChangeCursor{})
			go func() {
				defer GinkgoRecover()
				time.Sleep(200 * time.Millisecond)
				addChange(ctx, s, 1, 1)
				feed.Notify()
			}()
			changes, err := feed.Read(ctx, cursor, 10, 10*time.Second)
			Expect(err).NotTo(HaveOccurred())
			Expect(changes).To(HaveLen(1))
		})

		It("ends a waiting read with an empty page when it closes, and waits no more", func(ctx SpecContext) {
			_, cursor := readAll(ctx, store.ChangeCursor{})
			done := make(chan []store.FeedChange)
			go func() {
				defer GinkgoRecover()
				changes, err := feed.Read(ctx, cursor, 10, 10*time.Minute)
				Expect(err).NotTo(HaveOccurred())
				done <- changes
			}()
			Consistently(done).WithTimeout(300*time.Millisecond).ShouldNot(Receive(), "it waits for a change")
			feed.Close()
			Eventually(done).WithTimeout(30*time.Second).Should(Receive(BeEmpty()), "it ends long before its wait")

			changes, err := feed.Read(ctx, cursor, 10, 10*time.Minute)
			Expect(err).NotTo(HaveOccurred())
			Expect(changes).To(BeEmpty())
		})

		// Serial: the open transaction holds back every change of the
		// server, so a spec running beside it would wait as long.
		It("reads a change exactly once although a younger transaction committed a higher id first", Serial, func(ctx SpecContext) {
			if db.Dialect == store.SQLite {
				Skip("SQLite's single writer commits in id order")
			}
			_, cursor := readAll(ctx, store.ChangeCursor{})

			// Transaction A takes id 1 and stays open; B takes id 2 and
			// commits first.
			inserted, release, doneA := make(chan int64), make(chan struct{}), make(chan error)
			go func() {
				doneA <- s.InTx(context.Background(), func(ctx context.Context, tx *store.Tx) error {
					c := &store.Change{UserID: 1, Type: "user.updated", Sequence: 1, Data: "{}"}
					if err := tx.AddChange(ctx, c, nil); err != nil {
						return err
					}
					inserted <- c.ID
					<-release
					return nil
				})
			}()
			idA := <-inserted
			idB := addChange(ctx, s, 2, 1)
			Expect(idB).To(BeNumerically(">", idA))

			// A reader meanwhile must not pass A's id.
			read := follow(ctx, cursor)
			Consistently(read).WithTimeout(time.Second).ShouldNot(ContainElement(idB),
				"B is held back until A, which holds a lower id, commits")

			close(release)
			Expect(<-doneA).To(Succeed())
			Eventually(read).WithTimeout(feedWait).Should(ConsistOf(idA, idB))
		})

		It("runs in the order of the transaction numbers, also where they gain a digit", func(ctx SpecContext) {
			if db.Dialect == store.SQLite {
				Skip("SQLite has no transaction numbers: its feed runs by id")
			}
			// Two changes of transactions long ended, one just below a power
			// of ten and one just above it; the later number has the lower id.
			var current uint64
			Expect(s.DB().NewRaw("SELECT CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT)").Scan(ctx, &current)).To(Succeed())
			power := uint64(10)
			for power*10+1 < current {
				power *= 10
			}
			insert := func(xact uint64) int64 {
				var id int64
				Expect(s.DB().NewRaw(`INSERT INTO changes (xact, user_id, type, sequence, data, created_at)
					VALUES (CAST(CAST(? AS TEXT) AS XID8), 1, 'user.updated', 1, '{}', ?) RETURNING id`,
					xact, time.Now().UTC()).Scan(ctx, &id)).To(Succeed())
				return id
			}
			above := insert(power + 1)
			below := insert(power - 1)

			ids, _ := readAll(ctx, store.ChangeCursor{})
			Expect(ids).To(Equal([]int64{below, above}), "transaction %d before %d", power-1, power+1)
		})

		It("reads each change exactly once while many writers commit concurrently", func(ctx SpecContext) {
			const writers, each = 6, 15
			done := make(chan struct{})
			for w := range writers {
				go func() {
					defer GinkgoRecover()
					for i := range each {
						addChange(context.Background(), s, int64(w), int64(i+1))
					}
					done <- struct{}{}
				}()
			}
			read := follow(ctx, store.ChangeCursor{})
			for finished := 0; finished < writers; {
				select {
				case <-done:
					finished++
				default:
				}
				read() // while they write
			}
			Eventually(read).WithTimeout(feedWait).Should(HaveLen(writers * each))
			seen := read()
			unique := map[int64]bool{}
			for _, id := range seen {
				unique[id] = true
			}
			Expect(unique).To(HaveLen(writers * each))
		})

		It("deletes changes older than the retention that no app waits for", func(ctx SpecContext) {
			old := addChange(ctx, s, 1, 1)
			waiting := addChange(ctx, s, 2, 1, "shop")
			_, err := s.DB().NewUpdate().Model((*store.Change)(nil)).Set("created_at = ?", time.Now().Add(-48*time.Hour).UTC()).
				Where("id IN (?, ?)", old, waiting).Exec(ctx)
			Expect(err).NotTo(HaveOccurred())
			fresh := addChange(ctx, s, 3, 1)

			n, err := apps.Prune(ctx, s, 24*time.Hour)
			Expect(err).NotTo(HaveOccurred())
			Expect(n).To(Equal(1))
			Eventually(follow(ctx, store.ChangeCursor{})).WithTimeout(feedWait).Should(Equal([]int64{waiting, fresh}))
		})
	})
})
