package durability_test

import (
	"context"
	"syscall"

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

			const workers = 4
			hub, err := harness.Start(ctx, bins, harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(), KlickTipp: kt, Workers: workers})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() { reportLogs(hub); Expect(hub.Stop()).To(Succeed()) })
			t.key = hub.Config.AccessKey

			// Webhooks keep coming until the plugin is back, so there is
			// always work for it to hold.
			acks := newAcked()
			stopLoad := make(chan struct{})
			load := harness.Load{URL: hub.URL, Connections: 8, Rate: 400, Hook: t.hook, OnAnswer: acks.record, Stop: stopLoad}
			done := make(chan harness.Result, 1)
			go func() { done <- load.Run(ctx) }()

			By("holding KlickTipp's answers until every worker waits on a call")
			// Once every contact has its user no event hashes a password:
			// with KlickTipp stalled, a worker can only wait on its call.
			Eventually(ctx, func() int { return userCount(ctx, db.Store()) }).Should(Equal(len(t.contacts)))
			release := kt.Stall()
			DeferCleanup(release)
			// Claimed events wait for a free worker with their attempts open
			// too: once more are open than there are workers, every worker
			// is in a call.
			Eventually(ctx, func() int { return len(openAttempts(ctx, db.Store())) }).Should(BeNumerically(">", workers))

			By("killing the plugin with those calls in flight")
			plugins := hub.PluginPIDs()
			Expect(plugins).To(HaveLen(1))
			Expect(syscall.Kill(plugins[0], syscall.SIGKILL)).To(Succeed())
			release()
			Eventually(hub.PluginPIDs).Should(ConsistOf(Not(Equal(plugins[0]))), "the host starts the plugin again")

			close(stopLoad)
			var result harness.Result
			Eventually(done).Should(Receive(&result))
			Expect(result.Refused+result.Failed).To(BeZero(), "webhooks are acknowledged whatever the plugin does: %v", result.Statuses)
			Expect(acks.trouble()).To(BeEmpty())
			ids := acks.all()
			Eventually(ctx, func() []string { return unsettled(ctx, db.Store(), ids) }).Should(BeEmpty())
			Expect(hub.Running()).To(BeTrue())

			By("reading the attempts of the events the kill interrupted")
			for id, ev := range eventsByID(ctx, db.Store()) {
				Expect(ev.Attempts).To(BeNumerically("<=", 1), "event %d: the plugin's death cost no attempt; its attempts: %+v",
					id, attempts(ctx, db.Store(), id))
			}
			interrupted := 0
			for id := range ids {
				tries := attempts(ctx, db.Store(), id)
				if len(tries) < 2 {
					continue
				}
				interrupted++
				last := len(tries) - 1
				for _, try := range tries[:last] {
					Expect(try.Error).To(ContainSubstring("plugin not available"), "event %d: only the plugin stopped it", id)
				}
				Expect(tries[last]).To(And(HaveField("Error", ""), HaveField("FinishedAt", Not(BeNil()))),
					"event %d: tried again after the restart, it was applied", id)
			}
			Expect(interrupted).To(BeNumerically(">", 0), "the kill interrupted events")
			expectOneUserPerContact(ctx, db.Store(), t, ids)
		})
	})
})

// openAttempts lists the events whose current attempt has not ended.
func openAttempts(ctx context.Context, st *store.Store) []int64 {
	var ids []int64
	Expect(st.DB().NewSelect().Model((*store.EventAttempt)(nil)).Column("event_id").
		Where("finished_at IS NULL").Scan(ctx, &ids)).To(Succeed())
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
