package durability_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
)

var _ = Describe("A config reload that changes KlickTipp's settings while webhooks flow", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("ends no event failed or dead, though a proxy on the way still sends the replaced session's cookie", func(ctx SpecContext) {
			kt := harness.StartKlickTipp()
			DeferCleanup(kt.Close)
			// A proxy that keeps cookies: the login of the plugin started for
			// the new settings carries the live session of the one it
			// replaces, and KlickTipp answers it 406 "already logged in".
			kt.KeepCookies(true)
			kt.AddUser("crmhub-api-2", "second-password")
			t := traffic{contacts: seedContacts(kt, 50)}

			hub, err := harness.Start(ctx, bins, harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(), KlickTipp: kt, Workers: 4})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() { reportLogs(hub); Expect(hub.Stop()).To(Succeed()) })
			t.key = hub.Config.AccessKey

			acks := newAcked()
			stopLoad := make(chan struct{})
			load := harness.Load{URL: hub.URL, Connections: 4, Rate: 100, Hook: t.hook, OnAnswer: acks.record, Stop: stopLoad}
			done := make(chan harness.Result, 1)
			go func() { done <- load.Run(ctx) }()
			Eventually(acks.count).Should(BeNumerically(">=", 50))

			By("reloading with another API user while webhooks keep coming")
			before := hub.PluginPIDs()
			Expect(before).To(HaveLen(1))
			Expect(hub.Reload(func(cfg *harness.Config) {
				cfg.Settings = map[string]string{"base_url": kt.URL, "username": "crmhub-api-2", "password": "second-password"}
			})).To(Succeed())
			Eventually(hub.PluginPIDs).Should(ConsistOf(Not(Equal(before[0]))), "new settings start a new plugin")
			Eventually(func() ([]harness.Plugin, error) { return hub.Plugins(ctx) }).
				Should(ConsistOf(HaveField("State", "running")), "the new plugin is configured: KlickTipp's 406 is no bad setting")
			sent := acks.count()
			Eventually(acks.count).Should(BeNumerically(">=", sent+50), "webhooks flow on after the reload")

			close(stopLoad)
			var result harness.Result
			Eventually(done).Should(Receive(&result))
			Expect(result.Refused+result.Failed).To(BeZero(), "webhooks are acknowledged across the reload: %v", result.Statuses)
			Expect(acks.trouble()).To(BeEmpty())
			ids := acks.all()
			Eventually(ctx, func() []string { return unsettled(ctx, db.Store(), ids) }).WithTimeout(2*time.Minute).Should(BeEmpty(),
				"every event is applied: none failed or dead")
			Expect(kt.Sessions()).To(Equal(1), "the replaced session was logged out")
		})
	})
})
