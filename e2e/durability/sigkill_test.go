package durability_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
)

var _ = Describe("A hub killed with SIGKILL under load", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("keeps every acknowledged webhook and applies each of its items once it is back, making no duplicate user", func(ctx SpecContext) {
			kt := harness.StartKlickTipp()
			DeferCleanup(kt.Close)
			// Half the webhooks are KlickTipp's, half name two to four of
			// 200 test contacts each: about 5,000 items in all.
			m := mixed{single: traffic{contacts: seedContacts(kt, 200)}, contacts: 200}

			// On PostgreSQL the restarted hub takes over the killed one's
			// events when their leases run out: keep that short.
			hub, err := harness.Start(ctx, bins, harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(), KlickTipp: kt,
				TestPlugin: testPlugin, Lease: 3 * time.Second})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() { reportLogs(hub); Expect(hub.Stop()).To(Succeed()) })
			waitForPlugins(ctx, hub)
			m.single.key = hub.Config.AccessKey

			acks := newAcked()
			// A webhook that gets no answer while the hub is down is sent
			// again, as a CRM would.
			load := harness.Load{URL: hub.URL, Connections: 8, Count: 2000, Hook: m.hook, OnAnswer: acks.record, Resend: true}
			loadCtx, stopLoad := context.WithCancel(ctx)
			DeferCleanup(stopLoad)
			done := make(chan harness.Result, 1)
			go func() { done <- load.Run(loadCtx) }()

			By("killing the hub once a third of the webhooks are in")
			Eventually(acks.count).Should(BeNumerically(">=", 700))
			plugins := hub.PluginPIDs()
			Expect(plugins).To(HaveLen(2))
			Expect(hub.Kill()).To(Succeed())
			killedAt := acks.count()
			for _, pid := range plugins {
				Eventually(func() bool { return harness.Alive(pid) }).Should(BeFalse(),
					"the plugins of a killed hub exit on their own")
			}

			By("starting it again while the load goes on")
			Expect(hub.Restart(ctx)).To(Succeed())
			var result harness.Result
			Eventually(done).Should(Receive(&result))
			Expect(acks.trouble()).To(BeEmpty())
			Expect(result.Refused).To(BeZero(), "no webhook was refused: %v", result.Statuses)
			Expect(acks.count()).To(Equal(2000), "every webhook was acknowledged in the end, %d of them after the restart", 2000-killedAt)

			By("waiting until every item of every acknowledged webhook is applied")
			ids := acks.all()
			Eventually(ctx, func() []string { return unsettled(ctx, db.Store(), ids) }).WithPolling(time.Second).Should(BeEmpty())
			Expect(itemTrouble(ctx, db.Store(), m, ids)).To(BeEmpty())
			expectUsers(ctx, db.Store(), m.added(ids))
		})
	})
})
