package acceptance_test

import (
	"net/http"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/internal/testbin"
	"github.com/crmhub/crmhub/internal/testplugin"
)

var _ = Describe("one request naming several contacts", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("applies each contact on its own, and a wait answers once all are final, with every item", func(ctx SpecContext) {
			plugin, err := testbin.Build("github.com/crmhub/crmhub/internal/testplugin/cmd/testplugin", "crmhub-plugin-test")
			Expect(err).NotTo(HaveOccurred())
			hub, err := harness.Start(ctx, bins, harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(), TestPlugin: plugin})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() {
				if CurrentSpecReport().Failed() {
					AddReportEntry("hub log", hub.LogTail(80))
				}
				Expect(hub.Stop()).To(Succeed())
			})
			Expect(hub.WaitForPlugin(ctx, "test", "running")).To(Succeed())

			ids := testplugin.Anna.ID + ",404404," + testplugin.Ben.ID
			hook := harness.Hook{CRM: "test", Action: "add", Key: hub.Config.AccessKey,
				Form: url.Values{"contact_id": {ids}}}.With("wait", "20s")
			reply, err := hub.Send(ctx, hook)
			Expect(err).NotTo(HaveOccurred())
			Expect(reply.Status).To(Equal(http.StatusOK), string(reply.Body))
			got, err := reply.Outcome()
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Status).To(Equal("failed"), "one item failed, none dead: the request failed")
			Expect(got.Items).To(HaveExactElements(
				And(HaveField("ID", got.ID), HaveField("ContactID", testplugin.Anna.ID), HaveField("Status", "done"), HaveField("Outcome", "created")),
				And(HaveField("RequestID", got.ID), HaveField("ContactID", "404404"), HaveField("Status", "failed"), HaveField("Outcome", "contact_not_found")),
				And(HaveField("RequestID", got.ID), HaveField("ContactID", testplugin.Ben.ID), HaveField("Status", "done"), HaveField("Outcome", "created")),
			))

			users, err := hub.Users(ctx, url.Values{"crm": {"test"}})
			Expect(err).NotTo(HaveOccurred())
			Expect(users).To(ConsistOf(HaveField("Email", testplugin.Anna.Email), HaveField("Email", testplugin.Ben.Email)))

			item, err := hub.Event(ctx, got.Items[2].ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(item.RequestID).To(Equal(got.ID))
			Expect(hub.LogTail(400)).To(MatchRegexp(`get contact.*event_id\W{1,3}`+got.Items[2].ID+`\b`),
				"the plugin's log line names the item's event")
		})
	})
})
