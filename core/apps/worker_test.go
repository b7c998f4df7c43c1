package apps_test

import (
	"context"
	"net/http"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

var _ = Describe("Worker", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			s    *store.Store
			rc   *receiver
			opts apps.Options
		)
		BeforeEach(func() {
			s = db.Store()
			rc = newReceiver()
			DeferCleanup(rc.srv.Close)
			opts = apps.Options{
				Apps:        []apps.App{{Name: "shop", URL: rc.srv.URL, Secret: testSecret}},
				MaxAttempts: 4, BackoffInitial: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
				Timeout: 2 * time.Second, Poll: 20 * time.Millisecond,
			}
		})
		run := func(w *apps.Worker) {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); w.Run(ctx) }()
			DeferCleanup(func() { cancel(); <-done })
		}

		It("posts each user event signed, with a webhook-id stable across retries, and marks it delivered", func(ctx SpecContext) {
			id := addChange(ctx, s, 1, 1, "shop")
			fails := 2
			rc.answerWith(func(received) int {
				if fails > 0 {
					fails--
					return http.StatusInternalServerError
				}
				return http.StatusNoContent
			})
			run(apps.New(s, opts, nil))

			Eventually(rc.messages).WithTimeout(10 * time.Second).Should(Equal([]received{
				{ID: apps.MessageID(id), Type: "user.updated", UserID: "1", Sequence: 1}}))
			Eventually(func() map[string]int { return deliveries(ctx, s, "shop") }).Should(Equal(map[string]int{"delivered": 1}))
			Expect(rc.attemptCount()).To(Equal(3))
			Expect(rc.badSignatures()).To(BeZero())
		})

		It("gives up after delivery.max_attempts: the delivery is dead, and replay sends it again", func(ctx SpecContext) {
			addChange(ctx, s, 1, 1, "shop")
			rc.answerWith(func(received) int { return http.StatusServiceUnavailable })
			run(apps.New(s, opts, nil))

			Eventually(func() map[string]int { return deliveries(ctx, s, "shop") }).WithTimeout(10 * time.Second).
				Should(Equal(map[string]int{"dead": 1}))
			Expect(rc.attemptCount()).To(Equal(4))

			rc.answerWith(nil)
			n, err := s.ReplayDeliveries(ctx, "shop", store.DeliveryDead, time.Time{})
			Expect(err).NotTo(HaveOccurred())
			Expect(n).To(Equal(1))
			Eventually(func() map[string]int { return deliveries(ctx, s, "shop") }).WithTimeout(10 * time.Second).
				Should(Equal(map[string]int{"delivered": 1}))
		})

		It("does not retry a message the app answers 410 Gone", func(ctx SpecContext) {
			addChange(ctx, s, 1, 1, "shop")
			rc.answerWith(func(received) int { return http.StatusGone })
			run(apps.New(s, opts, nil))

			Eventually(func() map[string]int { return deliveries(ctx, s, "shop") }).Should(Equal(map[string]int{"dead": 1}))
			Consistently(rc.attemptCount).WithTimeout(500 * time.Millisecond).Should(Equal(1))
		})

		It("counts no answer within delivery.timeout as a failed attempt", func(ctx SpecContext) {
			addChange(ctx, s, 1, 1, "shop")
			slow := make(chan struct{})
			stuck := newReceiver()
			stuck.srv.Config.Handler = http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-slow })
			DeferCleanup(stuck.srv.Close)
			DeferCleanup(func() { close(slow) }) // first: Close waits for the handlers
			opts.Apps[0].URL, opts.Timeout, opts.MaxAttempts = stuck.srv.URL, 100*time.Millisecond, 1
			run(apps.New(s, opts, nil))

			Eventually(func() map[string]int { return deliveries(ctx, s, "shop") }).WithTimeout(10 * time.Second).
				Should(Equal(map[string]int{"dead": 1}))
			rows, _, err := s.ListDeliveries(ctx, store.DeliveryFilter{App: "shop"}, store.Page{Limit: 10})
			Expect(err).NotTo(HaveOccurred())
			Expect(rows[0].LastError).To(ContainSubstring("no answer within"))
		})

		It("delivers one user's events in order, holding the next back while one fails, and other users' meanwhile", func(ctx SpecContext) {
			addChange(ctx, s, 1, 1, "shop")
			addChange(ctx, s, 1, 2, "shop")
			addChange(ctx, s, 1, 3, "shop")
			addChange(ctx, s, 2, 1, "shop")
			var mu sync.Mutex
			failing := true
			rc.answerWith(func(m received) int {
				mu.Lock()
				defer mu.Unlock()
				if m.UserID == "1" && m.Sequence == 1 && failing {
					return http.StatusBadGateway
				}
				return http.StatusOK
			})
			opts.MaxAttempts = 100
			run(apps.New(s, opts, nil))

			Eventually(func() []string { return users(rc.messages()) }).Should(Equal([]string{"2"}))
			Consistently(func() int { return len(rc.messages()) }).WithTimeout(500 * time.Millisecond).Should(Equal(1))

			mu.Lock()
			failing = false
			mu.Unlock()
			Eventually(func() []int64 {
				var seqs []int64
				for _, m := range rc.messages() {
					if m.UserID == "1" {
						seqs = append(seqs, m.Sequence)
					}
				}
				return seqs
			}).WithTimeout(10 * time.Second).Should(Equal([]int64{1, 2, 3}))
		})

		It("leaves the deliveries of an app it does not push to waiting", func(ctx SpecContext) {
			addChange(ctx, s, 1, 1, "shop", "crm-sync")
			run(apps.New(s, opts, nil))
			Eventually(func() map[string]int { return deliveries(ctx, s, "shop") }).Should(Equal(map[string]int{"delivered": 1}))
			Expect(deliveries(ctx, s, "crm-sync")).To(Equal(map[string]int{"pending": 1}))
		})

		It("sends every delivery once when several workers share the store", func(ctx SpecContext) {
			if db.Dialect == store.SQLite {
				Skip("SQLite serves one hub")
			}
			for user := int64(1); user <= 10; user++ {
				for seq := int64(1); seq <= 5; seq++ {
					addChange(ctx, s, user, seq, "shop")
				}
			}
			for range 3 {
				other, err := store.Open(ctx, db.URL())
				Expect(err).NotTo(HaveOccurred())
				DeferCleanup(other.Close)
				run(apps.New(other, opts, nil))
			}
			Eventually(func() int { return len(rc.messages()) }).WithTimeout(20 * time.Second).Should(Equal(50))
			Consistently(rc.attemptCount).WithTimeout(300 * time.Millisecond).Should(Equal(50))
			last := map[string]int64{}
			for _, m := range rc.messages() {
				Expect(m.Sequence).To(Equal(last[m.UserID]+1), "user %s's events in order", m.UserID)
				last[m.UserID] = m.Sequence
			}
		})

		It("sends a signed ping as a test and returns the app's answer", func(ctx SpecContext) {
			rc.answerWith(func(m received) int {
				if m.Type == "ping" {
					return http.StatusAccepted
				}
				return http.StatusBadRequest
			})
			reply, err := apps.New(s, opts, nil).Test(ctx, "shop")
			Expect(err).NotTo(HaveOccurred())
			Expect(reply.Status).To(Equal(http.StatusAccepted))
			Expect(rc.badSignatures()).To(BeZero())

			_, err = apps.New(s, opts, nil).Test(ctx, "nosuch")
			Expect(err).To(MatchError(apps.ErrNoSuchApp))
		})
	})
})

// users lists the users of messages, in order.
func users(msgs []received) []string {
	out := []string{}
	for _, m := range msgs {
		out = append(out, m.UserID)
	}
	return out
}
