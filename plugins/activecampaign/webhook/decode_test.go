package webhook_test

import (
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/activecampaign/webhook"
	"github.com/crmhub/crmhub/sdk"
)

// updateBody is ActiveCampaign's update webhook as it arrives: the
// decoded sample of a real request, form-encoded with PHP-style keys.
const updateBody = "type=update&date_time=2023-07-12T06%3A49%3A04-05%3A00&initiated_from=admin&initiated_by=admin&list=0" +
	"&contact%5Bid%5D=1234&contact%5Bemail%5D=x%40example.com&contact%5Bfirst_name%5D=Test&contact%5Blast_name%5D=User" +
	"&contact%5Bphone%5D=%2B15555555555&contact%5Bip%5D=10.0.6.48" +
	"&contact%5Btags%5D=month%2C+free_forever%2C+not_active_0912%2C+TIER1" +
	"&contact%5Bfields%5D%5B0%5D=&contact%5Bfields%5D%5B1%5D=none&contact%5Bfields%5D%5B2%5D=Free+Forever" +
	"&contact%5Bfields%5D%5B3%5D=2023-07-01&contact%5Bcustomer_acct_name%5D=&contact%5Borgname%5D=" +
	"&customer_acct_name=&customer_acct_id=0&orgname="

// hookOf builds a webhook of an event type carrying the update sample's
// contact, sent to a URL with action.
func hookOf(event, action string) sdk.RawWebhook {
	form, err := url.ParseQuery(updateBody)
	Expect(err).NotTo(HaveOccurred())
	if event == "" {
		form.Del("type")
	} else {
		form.Set("type", event)
	}
	query := map[string][]string{}
	if action != "" {
		query["action"] = []string{action}
	}
	return sdk.RawWebhook{Method: "POST", ContentType: "application/x-www-form-urlencoded",
		Query: query, Body: []byte(form.Encode())}
}

var _ = Describe("Decode", func() {
	It("reads the real update sample: the contact id and e-mail, no carried contact", func() {
		items, err := webhook.Decode(sdk.RawWebhook{Method: "POST", ContentType: "application/x-www-form-urlencoded",
			Body: []byte(updateBody)})
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(HaveLen(1))
		Expect(items[0].ContactID).To(Equal("1234"))
		Expect(items[0].Email).To(Equal("x@example.com"))
		Expect(items[0].Action).To(Equal(sdk.ActionUpdate))
		Expect(items[0].Contact).To(BeNil(), "tag names and id-less field values are not the contact in the plugin's terms")
	})

	DescribeTable("maps each event type to an action",
		func(event, urlAction string, want sdk.Action, reason string) {
			items, err := webhook.Decode(hookOf(event, urlAction))
			Expect(err).NotTo(HaveOccurred())
			Expect(items).To(HaveLen(1))
			Expect(items[0].Action).To(Equal(want))
			Expect(items[0].ContactID).To(Equal("1234"))
			Expect(items[0].Reason).To(ContainSubstring(reason))
		},
		Entry("subscribe to an add URL: add", "subscribe", "add", sdk.ActionAdd, ""),
		Entry("subscribe to an update URL: update, no user is created", "subscribe", "update", sdk.ActionUpdate, ""),
		Entry("subscribe to a URL without an action: update", "subscribe", "", sdk.ActionUpdate, ""),
		Entry("update: update", "update", "add", sdk.ActionUpdate, ""),
		Entry("unsubscribe: update, never add", "unsubscribe", "add", sdk.ActionUpdate, ""),
		Entry("contact_tag_added: update_tags", "contact_tag_added", "update", sdk.ActionUpdateTags, ""),
		Entry("contact_tag_removed: update_tags", "contact_tag_removed", "add", sdk.ActionUpdateTags, ""),
		Entry("no type (an automation's webhook step): the URL's action", "", "add", sdk.ActionDefault, ""),
		Entry("sent: ignored", "sent", "update", sdk.ActionIgnore, "campaign e-mail"),
		Entry("open: ignored", "open", "update", sdk.ActionIgnore, "campaign e-mail"),
		Entry("click: ignored", "click", "update", sdk.ActionIgnore, "campaign e-mail"),
		Entry("bounce: ignored", "bounce", "update", sdk.ActionIgnore, "campaign e-mail"),
		Entry("list_add: ignored", "list_add", "update", sdk.ActionIgnore, "a list"),
		Entry("an sms event: ignored", "sms_sent", "update", sdk.ActionIgnore, "an SMS"),
		Entry("an unknown type: ignored, named", "contact_task_add", "update", sdk.ActionIgnore, "contact_task_add is not one crmhub acts on"),
	)

	It("ignores a deal event that carries no contact, with a reason", func() {
		body := "type=deal_add&deal%5Bid%5D=17&deal%5Btitle%5D=Big+one"
		items, err := webhook.Decode(sdk.RawWebhook{Method: "POST", ContentType: "application/x-www-form-urlencoded", Body: []byte(body)})
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(ConsistOf(HaveField("Reason", ContainSubstring("a deal"))))
		Expect(items[0].Action).To(Equal(sdk.ActionIgnore))
		Expect(items[0].ContactID).To(BeEmpty())
	})

	It("takes the URL's wpf_action as WP Fusion writes it", func() {
		hook := hookOf("subscribe", "")
		hook.Query = map[string][]string{"wpf_action": {"add"}}
		items, err := webhook.Decode(hook)
		Expect(err).NotTo(HaveOccurred())
		Expect(items[0].Action).To(Equal(sdk.ActionAdd))
	})

	It("names the contact by e-mail alone when the id is missing", func() {
		items, err := webhook.Decode(sdk.RawWebhook{Method: "POST", Body: []byte("type=update&contact%5Bemail%5D=Anna%40Example.com")})
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(ConsistOf(And(HaveField("ContactID", ""), HaveField("Email", "Anna@Example.com"))))
	})

	DescribeTable("refuses what names no contact as Invalid, never quoting values",
		func(contentType, body, says string) {
			_, err := webhook.Decode(sdk.RawWebhook{Method: "POST", ContentType: contentType, Body: []byte(body)})
			Expect(sdk.IsInvalid(err)).To(BeTrue(), "got %v", err)
			Expect(err.Error()).To(ContainSubstring(says))
			Expect(err.Error()).NotTo(ContainSubstring("secret-value"))
		},
		Entry("an empty body", "application/x-www-form-urlencoded", "", "empty body"),
		Entry("an update without contact", "application/x-www-form-urlencoded", "type=update&foo=secret-value", "keys received: foo, type"),
		Entry("a contact id that is no number", "application/x-www-form-urlencoded", "type=update&contact%5Bid%5D=secret-value", "want digits"),
		Entry("JSON", "application/json", `{"contact":{"id":"1"}}`, "content type application/json"),
		Entry("a body that is no form", "application/x-www-form-urlencoded", "contact%ZZ=1", "not form-encoded"),
	)
})
