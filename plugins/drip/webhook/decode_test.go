package webhook_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/drip/webhook"
	"github.com/crmhub/crmhub/sdk"
)

// subscriber is the subscriber object of Drip's webhook documentation.
const subscriber = `{"id":"z1togz2hcjrkpp5treip","status":"active","email":"john@acme.com",
 "custom_fields":{"name":"John Doe"},"tags":["Customer","SEO"],"time_zone":"America/Los_Angeles",
 "utc_offset":-440,"created_at":"2013-06-21T10:31:58Z","ip_address":"123.123.123.123","user_agent":"Mozilla/5.0",
 "lifetime_value":2000,"original_referrer":"https://google.com/search","landing_url":"https://drip.com/landing",
 "prospect":true,"base_lead_score":30,"lead_score":65,"user_id":"123"}`

// global is a global webhook of event, as Drip posts it.
func global(event, properties string) string {
	return `{"event":"` + event + `","data":{"account_id":"9999999","subscriber":` + subscriber +
		`,"properties":` + properties + `},"occurred_at":"2013-06-21T10:31:58Z"}`
}

func hook(body, action string) sdk.RawWebhook {
	h := sdk.RawWebhook{Method: "POST", ContentType: "application/json", Body: []byte(body)}
	if action != "" {
		h.Query = map[string][]string{"action": {action}}
	}
	return h
}

var _ = Describe("Decode", func() {
	DescribeTable("maps each event to an action",
		func(event, properties, urlAction string, want sdk.Action, reason string) {
			items, err := webhook.Decode(hook(global(event, properties), urlAction), "9999999")
			Expect(err).NotTo(HaveOccurred())
			Expect(items).To(HaveLen(1))
			Expect(items[0].ContactID).To(Equal("z1togz2hcjrkpp5treip"))
			Expect(items[0].Email).To(Equal("john@acme.com"))
			Expect(items[0].Action).To(Equal(want))
			Expect(items[0].Reason).To(ContainSubstring(reason))
		},
		Entry("subscriber.created to an add URL: add", "subscriber.created", `{}`, "add", sdk.ActionAdd, ""),
		Entry("subscriber.created to an update URL: update", "subscriber.created", `{}`, "update", sdk.ActionUpdate, ""),
		Entry("subscriber.applied_tag: update_tags", "subscriber.applied_tag", `{"tag":"Customer"}`, "update", sdk.ActionUpdateTags, ""),
		Entry("subscriber.removed_tag: update_tags", "subscriber.removed_tag", `{"tag":"Lead"}`, "add", sdk.ActionUpdateTags, ""),
		Entry("subscriber.updated_custom_field: update", "subscriber.updated_custom_field", `{"identifier":"name","value":"John Doe","previous_value":"J"}`, "update", sdk.ActionUpdate, ""),
		Entry("subscriber.updated_email_address: update", "subscriber.updated_email_address", `{"previous_email":"old@acme.com"}`, "update", sdk.ActionUpdate, ""),
		Entry("subscriber.deleted: ignored", "subscriber.deleted", `{}`, "update", sdk.ActionIgnore, "does not delete users"),
		Entry("subscriber.received_email: ignored", "subscriber.received_email", `{"email_id":"1"}`, "update", sdk.ActionIgnore, "neither the subscriber's fields nor its tags"),
		Entry("subscriber.subscribed_to_campaign: ignored", "subscriber.subscribed_to_campaign", `{"campaign_id":"1"}`, "add", sdk.ActionIgnore, "neither"),
		Entry("subscriber.unsubscribed_all: ignored", "subscriber.unsubscribed_all", `{}`, "update", sdk.ActionIgnore, "neither"),
		Entry("an event about something else: ignored", "order.created", `{}`, "update", sdk.ActionIgnore, "not about a subscriber"),
	)

	It("never carries the subscriber for update_tags (Drip signs nothing), noting the payload's tag", func() {
		items, err := webhook.Decode(hook(global("subscriber.applied_tag", `{"tag":"Customer"}`), "update"), "")
		Expect(err).NotTo(HaveOccurred())
		Expect(items[0].Contact).To(BeNil())
		Expect(items[0].Action).To(Equal(sdk.ActionUpdateTags))
		Expect(items[0].Notes).To(ContainElement(`the webhook names the tag "Customer"; the hub reads the subscriber's tags from Drip`))
	})

	It("carries no subscriber for update: the payload may lack attributes the API reports", func() {
		items, err := webhook.Decode(hook(global("subscriber.updated_custom_field", `{}`), "update"), "")
		Expect(err).NotTo(HaveOccurred())
		Expect(items[0].Contact).To(BeNil())
	})

	It("fetches the subscriber when a tag event's payload has no tags list", func() {
		body := `{"event":"subscriber.applied_tag","data":{"account_id":9999999,"subscriber":{"id":"abc123","email":"a@b.example"}}}`
		items, err := webhook.Decode(hook(body, "update"), "9999999")
		Expect(err).NotTo(HaveOccurred())
		Expect(items[0].Contact).To(BeNil())
		Expect(items[0].Action).To(Equal(sdk.ActionUpdateTags))
	})

	It("ignores a webhook of another account, once configured", func() {
		items, err := webhook.Decode(hook(global("subscriber.applied_tag", `{}`), "update"), "1234567")
		Expect(err).NotTo(HaveOccurred())
		Expect(items[0].Action).To(Equal(sdk.ActionIgnore))
		Expect(items[0].Reason).To(ContainSubstring("account 9999999"))
	})

	DescribeTable("takes the URL's action for an automation's HTTP Post",
		func(urlAction string, carried bool) {
			body := `{"subscriber":` + subscriber + `,"custom":{"custom_field_1":"foo"}}`
			items, err := webhook.Decode(hook(body, urlAction), "9999999")
			Expect(err).NotTo(HaveOccurred())
			Expect(items).To(ConsistOf(And(HaveField("ContactID", "z1togz2hcjrkpp5treip"), HaveField("Action", sdk.ActionDefault))))
			Expect(items[0].Contact != nil).To(Equal(carried))
		},
		Entry("add", "add", false),
		Entry("update", "update", false),
		Entry("update_tags, not carried either", "update_tags", false),
	)

	DescribeTable("refuses what names no subscriber as Invalid, never quoting values",
		func(contentType, body, says string) {
			_, err := webhook.Decode(sdk.RawWebhook{Method: "POST", ContentType: contentType, Body: []byte(body)}, "")
			Expect(sdk.IsInvalid(err)).To(BeTrue(), "got %v", err)
			Expect(err.Error()).To(ContainSubstring(says))
			Expect(err.Error()).NotTo(ContainSubstring("secret-value"))
		},
		Entry("an empty body", "application/json", " ", "empty body"),
		Entry("JSON without a subscriber", "application/json", `{"foo":"secret-value"}`, "names no subscriber"),
		Entry("an event without a subscriber", "application/json", `{"event":"subscriber.created","data":{}}`, `(event "subscriber.created") names no subscriber`),
		Entry("an id that is no Drip id", "application/json", `{"subscriber":{"id":"secret-value/../x"}}`, "not a Drip id"),
		Entry("a form", "application/x-www-form-urlencoded", "subscriber%5Bid%5D=abc", "choose JSON"),
		Entry("broken JSON", "application/json", `{"subscriber":`, "not the JSON expected"),
	)

	It("never panics on odd shapes", func() {
		for _, body := range []string{`[]`, `null`, `{"data":null}`, `{"subscriber":null}`, `{"subscriber":{"tags":null}}`,
			`{"event":1}`, `{"subscriber":{"id":12,"email":["x"]}}`, strings.Repeat("{", 10)} {
			Expect(func() { _, _ = webhook.Decode(hook(body, "update"), "") }).NotTo(Panic())
		}
	})
})
