package crmhooks_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/plugins/hubspot/fakehubspot"
)

// hubspotEvents is the JSON array HubSpot posts.
func hubspotEvents(events ...map[string]any) []byte {
	GinkgoHelper()
	body, err := json.Marshal(events)
	Expect(err).NotTo(HaveOccurred())
	return body
}

var _ = Describe("HubSpot's webhooks, checked at the door and applied per contact", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("syncs a signed batch per contact, refuses forged and stale requests, replays an old request and takes a workflow's contact", func(ctx SpecContext) {
			fake := harness.StartHubSpot()
			DeferCleanup(fake.Close)
			fake.AddList("7", "Customers", fakehubspot.Manual)
			fake.AddList("8", "Newsletter", fakehubspot.Snapshot)
			fake.AddList("9", "Active last 30 days", fakehubspot.Dynamic) // not a tag: only static lists are
			contact := func(id, email, first, last string, lists ...string) {
				fake.AddContact(fakehubspot.Contact{ID: id, Lists: lists,
					Properties: map[string]string{"email": email, "firstname": first, "lastname": last}})
			}
			contact("701", "anna@example.com", "Anna", "Muster", "7", "9")
			contact("702", "ben@example.com", "Ben", "Beispiel", "8")
			contact("704", "carla@example.com", "Carla", "Cruz", "7")
			contact("705", "dora@example.com", "Dora", "Dorn")

			hub := startHub(ctx, harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(),
				CRMs: map[string]harness.CRM{"hubspot": fake.CRM(hubspot)}}, "hubspot")
			send := sender(hub)
			signed := func(body []byte, at time.Time) func(http.Header, string) {
				return harness.SignedV3(harness.HubSpotClientSecret, body, at)
			}
			addAndWait := url.Values{"action": {"add"}, "wait": {"20s"}}

			By("a signed batch: two known contacts (one with two events), one HubSpot does not know, one deleted")
			batch := hubspotEvents(
				harness.HubSpotEvent(1001, "contact.creation", 701),
				harness.HubSpotEvent(1002, "contact.creation", 702),
				harness.HubSpotEvent(1003, "contact.propertyChange", 701),
				harness.HubSpotEvent(1004, "contact.creation", 799),
				harness.HubSpotEvent(1005, "contact.deletion", 703),
			)
			reply := send(hub.HubSpotRequest(ctx, addAndWait, batch, signed(batch, time.Now())))
			Expect(reply.Status).To(Equal(http.StatusOK), string(reply.Body))
			got, err := reply.Outcome()
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Status).To(Equal("failed"), "final once every item is, failed since one item failed")
			items := HaveExactElements(
				And(HaveField("ID", got.ID), HaveField("ContactID", "701"), HaveField("Status", "done"), HaveField("Outcome", "created")),
				And(HaveField("RequestID", got.ID), HaveField("ContactID", "702"), HaveField("Status", "done"), HaveField("Outcome", "created")),
				And(HaveField("RequestID", got.ID), HaveField("ContactID", "799"), HaveField("Status", "failed"), HaveField("Outcome", "contact_not_found")),
				And(HaveField("RequestID", got.ID), HaveField("ContactID", "703"), HaveField("Status", "done"), HaveField("Outcome", "ignored"),
					HaveField("Message", ContainSubstring("deleted in HubSpot"))),
			)
			Expect(got.Items).To(items)

			By("the admin API tells the same: the request final, its items")
			stored := event(ctx, hub, got.ID)
			Expect(stored.Status).To(Equal("failed"))
			Expect(stored.Items).To(items)

			By("two users, their tags the static lists, their names the mapped properties")
			Expect(users(ctx, hub, "hubspot")).To(ConsistOf(
				And(HaveField("Email", "anna@example.com"), HaveField("FirstName", "Anna"), HaveField("LastName", "Muster"),
					HaveField("Contacts", ConsistOf(harness.Contact{CRM: "hubspot", ContactID: "701"})),
					HaveField("Tags", ConsistOf(harness.Tag{CRM: "hubspot", ID: "7", Name: "Customers"}))),
				And(HaveField("Email", "ben@example.com"), HaveField("FirstName", "Ben"), HaveField("LastName", "Beispiel"),
					HaveField("Contacts", ConsistOf(harness.Contact{CRM: "hubspot", ContactID: "702"})),
					HaveField("Tags", ConsistOf(harness.Tag{CRM: "hubspot", ID: "8", Name: "Newsletter"}))),
			))

			By("a wrong signature: 401, nothing stored, counted")
			before := events(ctx, hub, "hubspot")
			one := hubspotEvents(harness.HubSpotEvent(1006, "contact.creation", 705))
			reply = send(hub.HubSpotRequest(ctx, addAndWait, one,
				harness.SignedV3("not-the-client-secret", one, time.Now())))
			Expect(reply.Status).To(Equal(http.StatusUnauthorized), string(reply.Body))
			Expect(events(ctx, hub, "hubspot")).To(Equal(before))
			Expect(metrics(ctx, hub)).To(ContainSubstring(`crmhub_webhooks_rejected_total{crm="hubspot",reason="bad signature"} 1`))

			By("a right signature over a URL other than the one the hub is reached at: 401")
			reply = send(hub.HubSpotRequest(ctx, addAndWait, one, func(h http.Header, target string) {
				harness.SignedV3(harness.HubSpotClientSecret, one, time.Now())(h, target+"&role=admin")
			}))
			Expect(reply.Status).To(Equal(http.StatusUnauthorized), string(reply.Body))
			Expect(events(ctx, hub, "hubspot")).To(Equal(before))

			By("a right signature six minutes old: 401, nothing stored, counted")
			reply = send(hub.HubSpotRequest(ctx, addAndWait, one, signed(one, time.Now().Add(-6*time.Minute))))
			Expect(reply.Status).To(Equal(http.StatusUnauthorized), string(reply.Body))
			Expect(events(ctx, hub, "hubspot")).To(Equal(before))
			Expect(metrics(ctx, hub)).To(ContainSubstring(`crmhub_webhooks_rejected_total{crm="hubspot",reason="stale timestamp"} 1`))
			Expect(users(ctx, hub, "hubspot")).To(HaveLen(2))

			By("a fresh request whose contact HubSpot refuses to read: accepted, its item failed")
			fake.FailNext(1, http.StatusBadRequest, nil,
				`{"status":"error","message":"Invalid input","correlationId":"5c2b1e0a-e2e0-4f6b-a7b1-000000000001","category":"VALIDATION_ERROR"}`)
			reply = send(hub.HubSpotRequest(ctx, addAndWait, one, signed(one, time.Now())))
			Expect(reply.Status).To(Equal(http.StatusOK), string(reply.Body))
			failed, err := reply.Outcome()
			Expect(err).NotTo(HaveOccurred())
			Expect(failed).To(And(HaveField("ContactID", "705"), HaveField("Status", "failed"), HaveField("Outcome", "crm_error")))

			By("ten minutes later, as the store has it, the request is replayed: its contact synced")
			ageReceipt(ctx, db.Store(), failed.ID, 10*time.Minute)
			Expect(time.Since(eventStamps(ctx, hub, "hubspot", failed.ID).ReceivedAt)).To(BeNumerically(">", 10*time.Minute),
				"the hub reads the aged receipt")
			reply, err = hub.API(ctx, http.MethodPost, "/events/"+failed.ID+"/replay")
			Expect(err).NotTo(HaveOccurred())
			Expect(reply.Status).To(Equal(http.StatusOK), string(reply.Body))
			Eventually(func() harness.Outcome { return event(ctx, hub, failed.ID).Outcome }).Should(
				And(HaveField("Status", "done"), HaveField("Outcome", "created")))
			Expect(users(ctx, hub, "hubspot")).To(ContainElement(And(HaveField("Email", "dora@example.com"),
				HaveField("Contacts", ConsistOf(harness.Contact{CRM: "hubspot", ContactID: "705"})))))

			By("a workflow webhook, one contact in the legacy shape, unsigned as HubSpot sends it: synced")
			reply = send(hub.HubSpotRequest(ctx, addAndWait, harness.HubSpotWorkflow(704, "carla@example.com"), nil))
			Expect(reply.Status).To(Equal(http.StatusOK), string(reply.Body))
			wf, err := reply.Outcome()
			Expect(err).NotTo(HaveOccurred())
			Expect(wf).To(And(HaveField("ContactID", "704"), HaveField("Status", "done"), HaveField("Outcome", "created"),
				HaveField("Items", BeEmpty())))
			Expect(users(ctx, hub, "hubspot")).To(ContainElement(And(HaveField("Email", "carla@example.com"),
				HaveField("FirstName", "Carla"), HaveField("ID", wf.UserID),
				HaveField("Tags", ConsistOf(harness.Tag{CRM: "hubspot", ID: "7", Name: "Customers"})))))
			Expect(users(ctx, hub, "hubspot")).To(HaveLen(4))
		})
	})
})
