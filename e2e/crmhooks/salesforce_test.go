package crmhooks_test

import (
	"net/http"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/notify/smtptest"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/plugins/salesforce/fakesalesforce"
)

// salesforceAck is the answer that ends Salesforce's retries of a
// message, byte for byte as WP Fusion sends it.
const salesforceAck = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><notificationsResponse xmlns:ns2="urn:sobject.enterprise.soap.sforce.com" xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soap:Body></soap:Envelope>`

// foreignOrg is another org's id.
const foreignOrg = "00D5e000000Zk3QEAS"

var _ = Describe("Salesforce's Outbound Messages, acknowledged at the door and applied per contact", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("acks a message of three notifications, applies each contact once, refuses another org's and takes a redelivery without a second effect", func(ctx SpecContext) {
			fake := harness.StartSalesforce()
			DeferCleanup(fake.Close)
			anna := fake.AddContact(map[string]any{"Email": "anna@example.com", "FirstName": "Anna", "LastName": "Muster"}, "Customers")
			ben := fake.AddContact(map[string]any{"Email": "ben@example.com", "FirstName": "Ben", "LastName": "Beispiel"}, "Customers", "VIP")
			carla := fake.AddContact(map[string]any{"Email": "carla@example.com", "FirstName": "Carla", "LastName": "Cruz"})
			mail, err := smtptest.Start(smtptest.Options{})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(mail.Close)

			hub := startHub(ctx, harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(), SMTP: mail,
				CRMs: map[string]harness.CRM{"salesforce": fake.CRM(salesforce)}}, "salesforce")
			send := sender(hub)
			addAndWelcome := url.Values{"action": {"add"}, "send_notification": {"true"}}
			message := fakesalesforce.OutboundMessage(fake.OrgID, "04k5e000000TiZyAAK",
				fakesalesforce.Notification{ID: "04l5e00000A1bCdAAA", RecordID: anna, Email: "anna@example.com"},
				fakesalesforce.Notification{ID: "04l5e00000A1bCeAAA", RecordID: ben, Email: "ben@example.com"},
				fakesalesforce.Notification{ID: "04l5e00000A1bCfAAA", RecordID: carla},
			)
			// settled waits until n rows (requests' first items and their
			// other items) are stored and final.
			settled := func(n int) {
				GinkgoHelper()
				Eventually(func() []harness.Outcome { return events(ctx, hub, "salesforce") }).Should(
					And(HaveLen(n), HaveEach(HaveField("Status", final))))
			}

			By("a message of three notifications: 200 text/xml, the Ack envelope exactly")
			reply := send(hub.SalesforceRequest(ctx, addAndWelcome, message))
			Expect(reply.Status).To(Equal(http.StatusOK), string(reply.Body))
			Expect(reply.Header.Get("Content-Type")).To(HavePrefix("text/xml"))
			Expect(string(reply.Body)).To(Equal(salesforceAck))

			By("three items, one per contact, each created with its topics as tags")
			settled(3)
			requests := events(ctx, hub, "salesforce")
			var first string
			for _, r := range requests {
				if r.RequestID == "" {
					first = r.ID
				}
			}
			Expect(first).NotTo(BeEmpty())
			Expect(event(ctx, hub, first).Items).To(HaveExactElements(
				And(HaveField("ContactID", anna), HaveField("Status", "done"), HaveField("Outcome", "created")),
				And(HaveField("ContactID", ben), HaveField("Status", "done"), HaveField("Outcome", "created")),
				And(HaveField("ContactID", carla), HaveField("Status", "done"), HaveField("Outcome", "created")),
			))
			topic := func(name string) OmegaMatcher {
				return And(HaveField("CRM", "salesforce"), HaveField("Name", name), HaveField("ID", HavePrefix("0TO")))
			}
			Expect(users(ctx, hub, "salesforce")).To(ConsistOf(
				And(HaveField("Email", "anna@example.com"), HaveField("FirstName", "Anna"), HaveField("LastName", "Muster"),
					HaveField("Contacts", ConsistOf(harness.Contact{CRM: "salesforce", ContactID: anna})),
					HaveField("Tags", ConsistOf(topic("Customers")))),
				And(HaveField("Email", "ben@example.com"), HaveField("FirstName", "Ben"),
					HaveField("Contacts", ConsistOf(harness.Contact{CRM: "salesforce", ContactID: ben})),
					HaveField("Tags", ConsistOf(topic("Customers"), topic("VIP")))),
				And(HaveField("Email", "carla@example.com"), HaveField("LastName", "Cruz"),
					HaveField("Contacts", ConsistOf(harness.Contact{CRM: "salesforce", ContactID: carla})),
					HaveField("Tags", BeEmpty())),
			))
			Eventually(mail.Mails).Should(HaveLen(3), "one welcome mail per user created")
			// PostgreSQL serves a change once every older transaction has
			// ended: it may show a moment after the users.
			Eventually(func() []string { return changes(ctx, hub) }).Should(ConsistOf("user.created", "user.created", "user.created"))
			stamped := userStamps(ctx, hub)

			By("a message of another org: 403 SOAP fault, nothing stored")
			reply = send(hub.SalesforceRequest(ctx, addAndWelcome, fakesalesforce.OutboundMessage(foreignOrg, "04k5e000000TiZyAAK",
				fakesalesforce.Notification{ID: "04l5e00000A1bCgAAA", RecordID: anna})))
			Expect(reply.Status).To(Equal(http.StatusForbidden), string(reply.Body))
			Expect(reply.Header.Get("Content-Type")).To(HavePrefix("text/xml"))
			Expect(string(reply.Body)).To(And(ContainSubstring("<soapenv:Fault>"), ContainSubstring("<faultcode>soapenv:Client</faultcode>")))
			Expect(events(ctx, hub, "salesforce")).To(HaveLen(3))

			By("the same message delivered again: acked, applied, with no second user, mail or change")
			reply = send(hub.SalesforceRequest(ctx, addAndWelcome, message))
			Expect(reply.Status).To(Equal(http.StatusOK), string(reply.Body))
			Expect(string(reply.Body)).To(Equal(salesforceAck))
			settled(6)
			for _, r := range events(ctx, hub, "salesforce") {
				if r.RequestID == "" && r.ID != first {
					Expect(event(ctx, hub, r.ID).Items).To(HaveExactElements(
						HaveField("ContactID", anna), HaveField("ContactID", ben), HaveField("ContactID", carla)))
				}
			}
			Expect(events(ctx, hub, "salesforce")).To(HaveEach(HaveField("Status", "done")))
			Expect(userStamps(ctx, hub)).To(Equal(stamped), "no user changed")
			Expect(users(ctx, hub, "salesforce")).To(HaveLen(3))
			Expect(mail.Mails()).To(HaveLen(3), "no second welcome mail")

			By("a later change of one contact: its change is the only one since the first delivery")
			// The feed serves changes in commit order: once this one shows,
			// any the redelivery had made would show before it.
			fake.AddContact(map[string]any{"Id": carla, "Email": "carla@example.com", "FirstName": "Carla Maria", "LastName": "Cruz"})
			reply = send(hub.SalesforceRequest(ctx, url.Values{"action": {"update"}}, fakesalesforce.OutboundMessage(fake.OrgID, "04k5e000000TiZzAAK",
				fakesalesforce.Notification{ID: "04l5e00000A1bChAAA", RecordID: carla})))
			Expect(string(reply.Body)).To(Equal(salesforceAck))
			settled(7)
			Eventually(func() []string { return changes(ctx, hub) }).Should(
				HaveExactElements("user.created", "user.created", "user.created", "user.updated"))
			Expect(users(ctx, hub, "salesforce")).To(ContainElement(And(HaveField("ID", Not(BeEmpty())), HaveField("FirstName", "Carla Maria"))))
		})
	})
})
