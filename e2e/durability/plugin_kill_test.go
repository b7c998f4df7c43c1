package durability_test

import (
	"context"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
)

var _ = Describe("A plugin killed while its hub works", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("loses no event: those it held are retried once it is back, at no cost of an attempt", func(ctx SpecContext) {
			kt := harness.StartKlickTipp()
			DeferCleanup(kt.Close)
			t := traffic{contacts: seedContacts(kt, 100)}

			hub, err := harness.Start(ctx, bins, harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(), KlickTipp: kt})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() { reportLogs(hub); Expect(hub.Stop()).To(Succeed()) })
			t.key = hub.Config.AccessKey

			acks := newAcked()
			load := harness.Load{URL: hub.URL, Connections: 8, Count: 1000, Hook: t.hook, OnAnswer: acks.record}
			loadCtx, stopLoad := context.WithCancel(ctx)
			DeferCleanup(stopLoad)
			done := make(chan harness.Result, 1)
			go func() { done <- load.Run(loadCtx) }()

			By("holding KlickTipp's answers once every contact has its user")
			// From here on no event hashes a new password: an event in
			// processing is one whose call to KlickTipp hangs.
			Eventually(ctx, func() int { return userCount(ctx, db.Store()) }).Should(Equal(len(t.contacts)))
			stalled := time.Now()
			release := kt.Stall()
			DeferCleanup(release)
			var held []int64
			Eventually(ctx, func() []int64 {
				held = waitingSince(ctx, db.Store(), stalled)
				return held
			}).ShouldNot(BeEmpty(), "events were taken up after KlickTipp stopped answering")

			By("killing the plugin with those calls in flight")
			plugins := hub.PluginPIDs()
			Expect(plugins).To(HaveLen(1))
			Expect(syscall.Kill(plugins[0], syscall.SIGKILL)).To(Succeed())
			release()
			Eventually(hub.PluginPIDs).Should(ConsistOf(Not(Equal(plugins[0]))), "the host starts the plugin again")

			var result harness.Result
			Eventually(done).Should(Receive(&result))
			Expect(result.OK).To(Equal(1000), "webhooks are acknowledged whatever the plugin does")
			Expect(acks.trouble()).To(BeEmpty())
			ids := acks.all()
			Eventually(ctx, func() []string { return unsettled(ctx, db.Store(), ids) }).Should(BeEmpty())
			Expect(hub.Running()).To(BeTrue())

			By("reading the attempts of the events the plugin held")
			for id, ev := range eventsByID(ctx, db.Store()) {
				Expect(ev.Attempts).To(BeNumerically("<=", 1), "event %d: the plugin's death cost no attempt", id)
			}
			for _, id := range held {
				tries := attempts(ctx, db.Store(), id)
				Expect(len(tries)).To(BeNumerically(">=", 2), "event %d was tried, then tried again after the restart", id)
				last := len(tries) - 1
				for _, try := range tries[:last] {
					Expect(try.Error).To(ContainSubstring("plugin not available"), "event %d: only the plugin stopped it", id)
				}
				Expect(tries[last]).To(And(HaveField("Error", ""), HaveField("FinishedAt", Not(BeNil()))),
					"event %d: its last try applied it", id)
			}
			expectOneUserPerContact(ctx, db.Store(), t, ids)
		})
	})
})

// waitingSince lists the events whose current attempt began after since
// and has not ended.
func waitingSince(ctx context.Context, st *store.Store, since time.Time) []int64 {
	var open []store.EventAttempt
	Expect(st.DB().NewSelect().Model(&open).Where("finished_at IS NULL").Scan(ctx)).To(Succeed())
	var ids []int64
	for _, a := range open {
		if a.StartedAt.After(since) {
			ids = append(ids, a.EventID)
		}
	}
	return ids
}

// userCount counts the users.
func userCount(ctx context.Context, st *store.Store) int {
	n, err := st.DB().NewSelect().Model((*store.User)(nil)).Count(ctx)
	Expect(err).NotTo(HaveOccurred())
	return int(n)
}

// attempts lists an event's attempts, oldest first.
func attempts(ctx context.Context, st *store.Store, eventID int64) []store.EventAttempt {
	var rows []store.EventAttempt
	Expect(st.DB().NewSelect().Model(&rows).Where("event_id = ?", eventID).Order("id").Scan(ctx)).To(Succeed())
	return rows
}
