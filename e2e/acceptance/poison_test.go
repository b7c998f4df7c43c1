package acceptance_test

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/internal/testbin"
	"github.com/crmhub/crmhub/internal/testplugin"
	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
)

var _ = Describe("a webhook its plugin cannot take", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			cfg harness.Config
			hub *harness.Hub
		)

		BeforeEach(func() {
			plugin, err := testbin.Build("github.com/crmhub/crmhub/internal/testplugin/cmd/testplugin", "crmhub-plugin-test")
			Expect(err).NotTo(HaveOccurred())
			cfg = harness.Config{
				Dir: GinkgoT().TempDir(), Database: db.URL(), TestPlugin: plugin,
				MaxAttempts: 3, BackoffInitial: 200 * time.Millisecond, BackoffMax: time.Second,
			}
		})

		JustBeforeEach(func(ctx SpecContext) {
			var err error
			hub, err = harness.Start(ctx, bins, cfg)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() {
				if CurrentSpecReport().Failed() {
					AddReportEntry("hub log", hub.LogTail(80))
				}
				Expect(hub.Stop()).To(Succeed())
			})
			Expect(hub.WaitForPlugin(ctx, "test", "running")).To(Succeed())
		})

		// send posts an add for contact to the test CRM and returns its id.
		send := func(ctx SpecContext, contact string) string {
			GinkgoHelper()
			hook := harness.Hook{CRM: "test", Action: "add", Key: hub.Config.AccessKey, Form: url.Values{"contact_id": {contact}}}
			reply, err := hub.Send(ctx, hook)
			Expect(err).NotTo(HaveOccurred())
			Expect(reply.Status).To(Equal(http.StatusAccepted), string(reply.Body))
			got, err := reply.Outcome()
			Expect(err).NotTo(HaveOccurred())
			return got.ID
		}
		event := func(ctx SpecContext, id string) func() harness.EventDetail {
			return func() harness.EventDetail {
				ev, err := hub.Event(ctx, id)
				Expect(err).NotTo(HaveOccurred())
				return ev
			}
		}

		DescribeTable("ends dead with the reason after its attempts, while the webhooks before and after it are applied",
			func(ctx SpecContext, poison, reason string) {
				before, bad, after := send(ctx, testplugin.Anna.ID), send(ctx, poison), send(ctx, testplugin.Ben.ID)

				Eventually(event(ctx, before)).Should(HaveField("Outcome.Status", "done"))
				Eventually(event(ctx, after)).Should(HaveField("Outcome.Status", "done"))
				Eventually(event(ctx, bad), time.Minute).Should(HaveField("Outcome.Status", "dead"))
				Expect(event(ctx, bad)()).To(And(
					HaveField("Outcome.Outcome", "gave_up"),
					HaveField("Outcome.Message", ContainSubstring(reason)),
				))

				By("taking the webhooks that come after it")
				later := send(ctx, testplugin.Anna.ID)
				Eventually(event(ctx, later)).Should(HaveField("Outcome.Status", "done"))
			},
			Entry("a decoder that panics on it", testplugin.PanicOnDecode, "decoding this webhook panicked"),
			Entry("a plugin that dies decoding it", testplugin.CrashOnDecode, "the plugin died decoding this webhook alone"),
		)
	})
})

var _ = Describe("a large webhook", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("of 6 MiB is applied end to end when server.max_body allows 8 MiB", func(ctx SpecContext) {
			kt := harness.StartKlickTipp()
			DeferCleanup(kt.Close)
			anna := kt.AddSubscriber(fakeklicktipp.Subscriber{Email: "anna@example.com",
				Fields: map[string]string{"fieldFirstName": "Anna"}})
			hub, err := harness.Start(ctx, bins, harness.Config{
				Dir: GinkgoT().TempDir(), Database: db.URL(), KlickTipp: kt, MaxBody: "8MiB",
			})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() {
				if CurrentSpecReport().Failed() {
					AddReportEntry("hub log", hub.LogTail(60))
				}
				Expect(hub.Stop()).To(Succeed())
			})

			form := harness.Outbound(anna, "anna@example.com")
			form.Set("Notes", strings.Repeat("x", 6<<20))
			got := final(ctx, hub, hub.Hook("add", form).With("wait", "30s"))
			Expect(got).To(And(HaveField("Status", "done"), HaveField("Outcome", "created"), HaveField("ContactID", anna)))
		})
	})
})
