package acceptance_test

import (
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/internal/testbin"
	"github.com/crmhub/crmhub/internal/testplugin"
)

var _ = Describe("a CRM whose plugin checks its webhooks at the door", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var hub *harness.Hub

		BeforeEach(func(ctx SpecContext) {
			plugin, err := testbin.Build("github.com/crmhub/crmhub/internal/testplugin/cmd/testdoor", "crmhub-plugin-testdoor")
			Expect(err).NotTo(HaveOccurred())
			unchecked, err := testbin.Build("github.com/crmhub/crmhub/internal/testplugin/cmd/testplugin", "crmhub-plugin-test")
			Expect(err).NotTo(HaveOccurred())
			hub, err = harness.Start(ctx, bins, harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(),
				DoorPlugin: plugin, TestPlugin: unchecked})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() {
				if CurrentSpecReport().Failed() {
					AddReportEntry("hub log", hub.LogTail(80))
				}
				Expect(hub.Stop()).To(Succeed())
			})
			Expect(hub.WaitForPlugin(ctx, "testdoor", "running")).To(Succeed())
			Expect(hub.WaitForPlugin(ctx, "test", "running")).To(Succeed())
		})

		send := func(ctx SpecContext, method, query, signature string) harness.Reply {
			GinkgoHelper()
			q, err := url.ParseQuery(query)
			Expect(err).NotTo(HaveOccurred())
			q.Set("access_key", hub.Config.AccessKey)
			body := url.Values{"contact_id": {testplugin.Anna.ID}}.Encode()
			req, err := http.NewRequestWithContext(ctx, method, hub.URL+"/hooks/testdoor?"+q.Encode(), strings.NewReader(body))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if signature != "" {
				req.Header.Set(testplugin.DoorSignatureHeader, signature)
			}
			reply, err := hub.Do(req)
			Expect(err).NotTo(HaveOccurred())
			return reply
		}
		stored := func(ctx SpecContext) []harness.Outcome {
			GinkgoHelper()
			evs, err := hub.Events(ctx, url.Values{"crm": {"testdoor"}})
			Expect(err).NotTo(HaveOccurred())
			return evs
		}

		It("answers the handshake, rejects the forged, acknowledges the accepted and asks to retry while the plugin cannot check", func(ctx SpecContext) {
			By("a handshake GET: the plugin's own status and body, nothing stored")
			r := send(ctx, http.MethodGet, "challenge=abc123", "")
			Expect(r.Status).To(Equal(http.StatusOK))
			Expect(string(r.Body)).To(Equal("abc123"))
			Expect(stored(ctx)).To(BeEmpty())

			By("a forged request: 401, nothing stored, counted, one activity line")
			r = send(ctx, http.MethodPost, "action=add", "forged")
			Expect(r.Status).To(Equal(http.StatusUnauthorized))
			Expect(string(r.Body)).To(ContainSubstring(testplugin.DoorRejectReason))
			Expect(stored(ctx)).To(BeEmpty())
			metrics, err := hub.Get(ctx, "/metrics")
			Expect(err).NotTo(HaveOccurred())
			Expect(string(metrics.Body)).To(ContainSubstring(`crmhub_webhooks_rejected_total{crm="testdoor",reason="bad signature"} 1`))
			lines, err := hub.Activity(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(lines).To(ContainElement(And(HaveField("CRM", "testdoor"),
				HaveField("Message", ContainSubstring(testplugin.DoorRejectReason)))))

			By("an accepted request: the plugin's Ack, and the event is applied")
			r = send(ctx, http.MethodPost, "action=add", testplugin.DoorGoodSignature)
			Expect(r.Status).To(Equal(http.StatusOK))
			Expect(r.Header.Get("Content-Type")).To(HavePrefix("text/plain"))
			Expect(string(r.Body)).To(Equal(testplugin.DoorAck))
			Eventually(ctx, func() []harness.Outcome { return stored(ctx) }).Should(ConsistOf(
				And(HaveField("Action", "add"), HaveField("ContactID", testplugin.Anna.ID), HaveField("Outcome", "created"))))

			By("the plugin not configured: 503 with Retry-After, nothing stored")
			Expect(hub.Reload(func(c *harness.Config) { c.DoorSettings = map[string]string{"api_key": "wrong"} })).To(Succeed())
			Expect(hub.WaitForPlugin(ctx, "testdoor", "not_configured")).To(Succeed())
			r = send(ctx, http.MethodPost, "action=add", testplugin.DoorGoodSignature)
			Expect(r.Status).To(Equal(http.StatusServiceUnavailable))
			Expect(r.Header.Get("Retry-After")).NotTo(BeEmpty())
			Expect(stored(ctx)).To(HaveLen(1), "only the accepted request")
		})

		It("knows each CRM's profile from the store after a restart, while the plugins cannot start", func(ctx SpecContext) {
			Expect(hub.Stop()).To(Succeed())
			Expect(hub.Reload(func(c *harness.Config) {
				c.DoorPlugin = c.Dir + "/crmhub-plugin-testdoor" // no such file
				c.TestPlugin = c.Dir + "/crmhub-plugin-test"
			})).To(Succeed())
			Expect(hub.Restart(ctx)).To(Succeed())

			By("the checked CRM: 503 with Retry-After, nothing stored")
			r := send(ctx, http.MethodPost, "action=add", testplugin.DoorGoodSignature)
			Expect(r.Status).To(Equal(http.StatusServiceUnavailable))
			Expect(r.Header.Get("Retry-After")).NotTo(BeEmpty())
			Expect(stored(ctx)).To(BeEmpty())

			By("the unchecked CRM: taken while its plugin is down, as always")
			reply, err := hub.Send(ctx, harness.Hook{CRM: "test", Action: "add", Key: hub.Config.AccessKey,
				Form: url.Values{"contact_id": {testplugin.Anna.ID}}})
			Expect(err).NotTo(HaveOccurred())
			Expect(reply.Status).To(Equal(http.StatusAccepted), string(reply.Body))
		})
	})
})
