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
		It("keeps every acknowledged webhook and applies each once it is back, making no duplicate user", func(ctx SpecContext) {
			kt := harness.StartKlickTipp()
			DeferCleanup(kt.Close)
			t := traffic{contacts: seedContacts(kt, 200)}

			// On PostgreSQL the restarted hub takes over the killed one's
			// events when their leases run out: keep that short.
			hub, err := harness.Start(ctx, bins, harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(), KlickTipp: kt,
				Lease: 3 * time.Second})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() { reportLogs(hub); Expect(hub.Stop()).To(Succeed()) })
			t.key = hub.Config.AccessKey

			acks := newAcked()
			// A webhook that gets no answer while the hub is down is sent
			// again, as KlickTipp would.
			load := harness.Load{URL: hub.URL, Connections: 8, Count: 3000, Hook: t.hook, OnAnswer: acks.record, Resend: true}
			loadCtx, stopLoad := context.WithCancel(ctx)
			DeferCleanup(stopLoad)
			done := make(chan harness.Result, 1)
			go func() { done <- load.Run(loadCtx) }()

			By("killing the hub once a third of the webhooks are in")
			Eventually(acks.count).Should(BeNumerically(">=", 1000))
			plugins := hub.PluginPIDs()
			Expect(plugins).To(HaveLen(1))
			Expect(hub.Kill()).To(Succeed())
			killedAt := acks.count()
			Eventually(func() bool { return harness.Alive(plugins[0]) }).Should(BeFalse(),
				"the plugin of a killed hub exits on its own")

			By("starting it again while the load goes on")
			Expect(hub.Restart(ctx)).To(Succeed())
			var result harness.Result
			Eventually(done).Should(Receive(&result))
			Expect(acks.trouble()).To(BeEmpty())
			Expect(result.Refused).To(BeZero(), "no webhook was refused: %v", result.Statuses)
			Expect(acks.count()).To(Equal(3000), "every webhook was acknowledged in the end, %d of them after the restart", 3000-killedAt)

			By("waiting until every acknowledged webhook is applied")
			ids := acks.all()
			Eventually(ctx, func() []string { return unsettled(ctx, db.Store(), ids) }).Should(BeEmpty())
			expectOneUserPerContact(ctx, db.Store(), t, ids)
		})
	})
})
