package outbound_test

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/salesforce/fakesalesforce"
	"github.com/crmhub/crmhub/plugins/salesforce/outbound"
	"github.com/crmhub/crmhub/sdk"
)

const (
	org18    = "00Dn00000008y2tEAA"
	org15    = "00Dn00000008y2t"
	actionID = "04kn000000000m5AAA"
	kyleID   = "003n000000NOtUbAAL"
)

// salesforceExample is the Outbound Message of Salesforce's documentation,
// as a public listener's README shows it.
const salesforceExample = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>00Dn00000008y2tEAA</OrganizationId>
   <ActionId>04kn000000000m5AAA</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://x.my.salesforce.com/services/Soap/c/41.0/00Dn00000008y2t</EnterpriseUrl>
   <PartnerUrl>https://x.my.salesforce.com/services/Soap/u/41.0/00Dn00000008y2t</PartnerUrl>
   <Notification>
    <Id>04ln0000009JvY4AAK</Id>
    <sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>003n000000NOtUbAAL</sf:Id>
     <sf:Email>kyle@example.com</sf:Email>
     <sf:FirstName>KYLE</sf:FirstName>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`

func contact(i int) fakesalesforce.Notification {
	return fakesalesforce.Notification{
		ID:       fmt.Sprintf("04ln%014d", i),
		RecordID: fmt.Sprintf("003n%011dAAA", i),
		Email:    fmt.Sprintf("c%d@example.com", i), FirstName: "C",
	}
}

func hook(body []byte) sdk.RawWebhook {
	return sdk.RawWebhook{Method: "POST", ContentType: "text/xml; charset=utf-8", Body: body}
}

var _ = Describe("the door", func() {
	It("accepts Salesforce's own example from the configured org", func() {
		Expect(outbound.Check(org18, []byte(salesforceExample)).Decision).To(Equal(sdk.DecisionAccept))
	})
	It("accepts a message whose org id is the configured one's other form (15 vs 18 characters)", func() {
		Expect(outbound.Check(org15, []byte(salesforceExample)).Decision).To(Equal(sdk.DecisionAccept))
		msg := fakesalesforce.OutboundMessage(org15, actionID, contact(1))
		Expect(outbound.Check(org18, msg).Decision).To(Equal(sdk.DecisionAccept))
	})
	It("refuses a foreign org with a SOAP fault and 403, also one that differs only in case", func() {
		for _, foreign := range []string{"00Dn00000008y2uEAA", "00DN00000008y2tEAA", "00Dn00000008y2T"} {
			v := outbound.Check(org18, fakesalesforce.OutboundMessage(foreign, actionID, contact(1)))
			Expect(v.Decision).To(Equal(sdk.DecisionReject), foreign)
			Expect(v.RejectStatus()).To(Equal(403))
			Expect(v.Answer.ContentType).To(HavePrefix("text/xml"))
			Expect(string(v.Answer.Body)).To(ContainSubstring("<faultcode>soapenv:Client</faultcode>"))
			Expect(v.Reason).To(ContainSubstring("another organization"))
		}
	})
	DescribeTable("refuses what is not an Outbound Message with a SOAP fault and 400",
		func(body string) {
			v := outbound.Check(org18, []byte(body))
			Expect(v.Decision).To(Equal(sdk.DecisionReject))
			Expect(v.RejectStatus()).To(Equal(400))
			Expect(string(v.Answer.Body)).To(HavePrefix(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>`))
		},
		Entry("an empty body", ""),
		Entry("JSON", `{"OrganizationId":"00Dn00000008y2tEAA"}`),
		Entry("broken XML", salesforceExample[:400]),
		Entry("another SOAP call", `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><login/></soapenv:Body></soapenv:Envelope>`),
		Entry("no notifications", string(fakesalesforce.OutboundMessage(org18, actionID))),
		Entry("an empty OrganizationId", strings.Replace(salesforceExample, org18, "", 1)),
		Entry("an empty ActionId", strings.Replace(salesforceExample, actionID, "", 1)),
		Entry("101 notifications", string(fakesalesforce.OutboundMessage(org18, actionID, notes(101)...))),
	)
	It("escapes the reason in the fault's XML", func() {
		Expect(string(outbound.Fault(400, `a < b & "c"`).Body)).To(ContainSubstring("<faultstring>a &lt; b &amp; &#34;c&#34;</faultstring>"))
	})
})

var _ = Describe("the Ack", func() {
	It("is 200 text/xml with exactly the envelope Salesforce takes as delivered", func() {
		a := outbound.Ack()
		Expect(a.Status).To(Equal(200))
		Expect(a.ContentType).To(HavePrefix("text/xml"))
		Expect(string(a.Body)).To(Equal(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><notificationsResponse xmlns:ns2="urn:sobject.enterprise.soap.sforce.com" xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soap:Body></soap:Envelope>`))
	})
})

func notes(n int) []fakesalesforce.Notification {
	out := make([]fakesalesforce.Notification, n)
	for i := range out {
		out[i] = contact(i)
	}
	return out
}

var _ = Describe("decoding", func() {
	It("reads Salesforce's example: the contact's id and e-mail, a note naming the notification, no contact data", func() {
		items, err := outbound.Decode(hook([]byte(salesforceExample)))
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(HaveLen(1))
		Expect(items[0].ContactID).To(Equal(kyleID))
		Expect(items[0].Email).To(Equal("kyle@example.com"))
		Expect(items[0].Action).To(Equal(sdk.ActionDefault), "the URL names the action")
		Expect(items[0].Contact).To(BeNil(), "the message carries only the chosen fields: the hub fetches the contact")
		Expect(items[0].Notes).To(ConsistOf(ContainSubstring("04ln0000009JvY4AAK")))
	})
	It("gives one item per notification, in order, for 100", func() {
		items, err := outbound.Decode(hook(fakesalesforce.OutboundMessage(org18, actionID, notes(100)...)))
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(HaveLen(100))
		for i, item := range items {
			Expect(item.ContactID).To(Equal(contact(i).RecordID))
			Expect(item.Email).To(Equal(contact(i).Email))
		}
	})
	It("collapses notifications about the same contact into one item naming each", func() {
		again := contact(1)
		again.ID = "04ln0000000000099"
		items, err := outbound.Decode(hook(fakesalesforce.OutboundMessage(org18, actionID, contact(1), contact(2), again)))
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(HaveLen(2))
		Expect(items[0].ContactID).To(Equal(contact(1).RecordID))
		Expect(items[0].Notes).To(HaveLen(2))
		Expect(items[0].Notes[1]).To(ContainSubstring("04ln0000000000099"))
		Expect(items[1].ContactID).To(Equal(contact(2).RecordID))
	})
	It("decodes a redelivered message to the same items", func() {
		msg := fakesalesforce.OutboundMessage(org18, actionID, notes(3)...)
		first, err := outbound.Decode(hook(msg))
		Expect(err).NotTo(HaveOccurred())
		Expect(outbound.Decode(hook(msg))).To(Equal(first))
	})
	It("ignores a record that is not a Contact, with a reason", func() {
		lead := fakesalesforce.Notification{ID: "04ln00000000000LL", Type: "Lead", RecordID: "00Qn000000AbCdEAAA", Email: "lead@example.com"}
		items, err := outbound.Decode(hook(fakesalesforce.OutboundMessage(org18, actionID, lead, contact(1))))
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(HaveLen(2))
		Expect(items[0].Action).To(Equal(sdk.ActionIgnore))
		Expect(items[0].Reason).To(ContainSubstring("Lead"))
		Expect(items[1].ContactID).To(Equal(contact(1).RecordID))
	})
	It("ignores a notification without an sObject, with a reason, and keeps the message's others", func() {
		msg := string(fakesalesforce.OutboundMessage(org18, actionID, contact(1), contact(2), contact(3)))
		start := strings.Index(msg, "<Notification>")
		second := start + 1 + strings.Index(msg[start+1:], "<Notification>")
		from, to := second+strings.Index(msg[second:], "<sObject"), second+strings.Index(msg[second:], "</sObject>")+len("</sObject>")
		broken := []byte(msg[:from] + msg[to:])
		Expect(outbound.Check(org18, broken).Decision).To(Equal(sdk.DecisionAccept))
		items, err := outbound.Decode(hook(broken))
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(HaveLen(3))
		Expect(items[0].ContactID).To(Equal(contact(1).RecordID))
		Expect(items[1].Action).To(Equal(sdk.ActionIgnore))
		Expect(items[1].ContactID).To(BeEmpty())
		Expect(items[1].Reason).To(Equal("notification 2 of 3 has no sObject"))
		Expect(items[1].Notes).To(ConsistOf(ContainSubstring(contact(2).ID)))
		Expect(items[2].ContactID).To(Equal(contact(3).RecordID))
	})
	It("reads a message with a session id as one without", func() {
		withSession := strings.Replace(salesforceExample, `<SessionId xsi:nil="true"/>`, `<SessionId>00Dn0!AQ4AQ.secret</SessionId>`, 1)
		items, err := outbound.Decode(hook([]byte(withSession)))
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(HaveLen(1))
		Expect(fmt.Sprint(items)).NotTo(ContainSubstring("secret"))
	})
	It("reads fields sent as nil as empty", func() {
		nilEmail := strings.Replace(salesforceExample, `<sf:Email>kyle@example.com</sf:Email>`, `<sf:Email xsi:nil="true"/>`, 1)
		items, err := outbound.Decode(hook([]byte(nilEmail)))
		Expect(err).NotTo(HaveOccurred())
		Expect(items[0].Email).To(BeEmpty())
		Expect(items[0].ContactID).To(Equal(kyleID))
	})
	DescribeTable("answers Invalid for a message that cannot be read",
		func(body string) {
			_, err := outbound.Decode(hook([]byte(body)))
			Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
		},
		Entry("empty", ""),
		Entry("not XML", "SubscriberID=1"),
		Entry("cut off", salesforceExample[:300]),
		Entry("no notifications", string(fakesalesforce.OutboundMessage(org18, actionID))),
	)
})
