package acceptance_test

import (
	"bytes"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/internal/testbin"
	"github.com/crmhub/crmhub/sdk/example/acmefake"
)

// The SDK's example plugin is written as an outside author would: it
// lives in the SDK's module and imports nothing of the hub. These specs
// run it with the hub as it is.
var _ = Describe("the SDK's example plugin (Acme), built outside the hub", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var hub *harness.Hub

		BeforeEach(func(ctx SpecContext) {
			plugin, err := testbin.Build("github.com/crmhub/crmhub/sdk/example", "crmhub-plugin-acme")
			Expect(err).NotTo(HaveOccurred())
			acme := acmefake.New()
			DeferCleanup(acme.Close)
			hub, err = harness.Start(ctx, bins, harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(),
				CRMs: map[string]harness.CRM{"acme": {Plugin: plugin, Settings: map[string]string{
					"base_url": acme.URL, "api_key": acmefake.APIKey, "webhook_secret": acmefake.WebhookSecret},
					Fields: map[string]string{"first_name": "first_name"}}}})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() {
				if CurrentSpecReport().Failed() {
					AddReportEntry("hub log", hub.LogTail(80))
				}
				Expect(hub.Stop()).To(Succeed())
			})
			Expect(hub.WaitForPlugin(ctx, "acme", "running")).To(Succeed())
		})

		// post sends an Acme webhook as Acme would, to the URL its guide
		// says to paste, waiting for the outcome.
		post := func(ctx SpecContext, hook acmefake.Webhook) harness.Reply {
			GinkgoHelper()
			q := url.Values{"action": {"update"}, "access_key": {hub.Config.AccessKey}, "wait": {"20s"}}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub.URL+"/hooks/acme?"+q.Encode(), bytes.NewReader(hook.Body))
			Expect(err).NotTo(HaveOccurred())
			for k, vs := range hook.Header {
				req.Header[k] = vs // as Acme spells them; the hub canonicalises them for the plugin
			}
			reply, err := hub.Do(req)
			Expect(err).NotTo(HaveOccurred())
			return reply
		}
		stored := func(ctx SpecContext) []harness.Outcome {
			GinkgoHelper()
			evs, err := hub.Events(ctx, url.Values{"crm": {"acme"}})
			Expect(err).NotTo(HaveOccurred())
			return evs
		}
		event := acmefake.Event{ID: "evt_7001", AccountID: acmefake.AccountID,
			Contacts: []acmefake.Contact{acmefake.Anna, acmefake.Ben}}

		It("makes a user of each contact of a signed webhook", func(ctx SpecContext) {
			r := post(ctx, acmefake.NewWebhook("contact.created", event, time.Now(), acmefake.WebhookSecret))
			Expect(r.Status).To(Equal(http.StatusOK), string(r.Body))
			got, err := r.Outcome()
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Status).To(Equal("done"))
			Expect(got.Items).To(HaveExactElements(
				And(HaveField("ContactID", acmefake.Anna.ID), HaveField("Action", "add"), HaveField("Outcome", "created")),
				And(HaveField("ContactID", acmefake.Ben.ID), HaveField("Action", "add"), HaveField("Outcome", "created")),
			))
			users, err := hub.Users(ctx, url.Values{"crm": {"acme"}})
			Expect(err).NotTo(HaveOccurred())
			Expect(users).To(ConsistOf(
				And(HaveField("Email", acmefake.Anna.Email), HaveField("FirstName", "Anna")),
				And(HaveField("Email", acmefake.Ben.Email), HaveField("FirstName", "Ben")),
			))
		})

		It("refuses a forged webhook with 401 and stores nothing", func(ctx SpecContext) {
			r := post(ctx, acmefake.NewWebhook("contact.created", event, time.Now(), "whsec_not_the_secret"))
			Expect(r.Status).To(Equal(http.StatusUnauthorized), string(r.Body))
			Expect(string(r.Body)).To(ContainSubstring("bad Acme signature"))
			Expect(stored(ctx)).To(BeEmpty())
			users, err := hub.Users(ctx, url.Values{"crm": {"acme"}})
			Expect(err).NotTo(HaveOccurred())
			Expect(users).To(BeEmpty())
		})

		It("answers Acme's subscription check at the door, storing nothing", func(ctx SpecContext) {
			q := url.Values{"acme_challenge": {"chl_5f3a"}, "access_key": {hub.Config.AccessKey}}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, hub.URL+"/hooks/acme?"+q.Encode(), nil)
			Expect(err).NotTo(HaveOccurred())
			r, err := hub.Do(req)
			Expect(err).NotTo(HaveOccurred())
			Expect(r.Status).To(Equal(http.StatusOK))
			Expect(r.Header.Get("Content-Type")).To(HavePrefix("text/plain"))
			Expect(string(r.Body)).To(Equal("chl_5f3a"))
			Expect(stored(ctx)).To(BeEmpty())
		})
	})
})
