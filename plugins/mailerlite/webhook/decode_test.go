package webhook_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/mailerlite/webhook"
	"github.com/crmhub/crmhub/sdk"
)

const id = "112375610569918142" // > 2^53: 112375610569918144 as a float64

// flat is MailerLite's subscriber event shape, with the event in "event".
func flat(event string) string {
	return `{"id":"` + id + `","email":"subscriber@example.com","status":"active","fields":{"name":"Hook","last_name":"Probe"},` +
		`"created_at":"2026-08-27T15:06:41.000000Z","event":"` + event + `","account_id":2599924,"api_version":"2025-05"}`
}

// grouped is MailerLite's group event shape, with the event in "type".
func grouped(event string) string {
	return `{"type":"` + event + `","subscriber":{"id":"` + id + `","email":"subscriber@example.com","status":"active"},` +
		`"group":{"id":"196965768156415638","name":"AP Capture Group"},"account_id":2599924,"api_version":"2025-05"}`
}

// classic is classic MailerLite's shape, many events per request.
const classic = `{"events":[{"account_id":334443,"data":{"subscriber":{"id":2300951083,"email":"guy@example.com",` +
	`"fields":[{"key":"name","value":"Guy","type":"TEXT"}]}},"timestamp":1495551003,"type":"subscriber.create","webhook_id":2},` +
	`{"account_id":334443,"data":{"subscriber":{"id":2300951084,"email":"gal@example.com","fields":[]}},` +
	`"timestamp":1495551004,"type":"subscriber.add_to_group","webhook_id":2}]}`

func hook(body, action string) sdk.RawWebhook {
	return sdk.RawWebhook{Method: "POST", ContentType: "application/json", Body: []byte(body),
		Query: map[string][]string{"action": {action}}}
}

var _ = Describe("Decoding MailerLite's webhooks", func() {
	decode := func(h sdk.RawWebhook) []sdk.Item {
		items, err := webhook.Decode(h)
		ExpectWithOffset(1, err).NotTo(HaveOccurred())
		return items
	}
	one := func(h sdk.RawWebhook) sdk.Item {
		items := decode(h)
		ExpectWithOffset(1, items).To(HaveLen(1))
		return items[0]
	}

	DescribeTable("maps each event type to the subscriber and an action",
		func(body, urlAction string, action sdk.Action) {
			item := one(hook(body, urlAction))
			Expect(item.ContactID).To(Equal(id), "the 18-digit id exactly, never through a float")
			Expect(item.Email).To(Equal("subscriber@example.com"))
			Expect(item.Action).To(Equal(action))
			Expect(item.Contact).To(BeNil(), "a webhook lacks the groups: the hub fetches the contact")
		},
		Entry("subscriber.created on an add URL → add", flat("subscriber.created"), "add", sdk.ActionAdd),
		Entry("subscriber.created on an update URL → update", flat("subscriber.created"), "update", sdk.ActionUpdate),
		Entry("subscriber.updated → update", flat("subscriber.updated"), "add", sdk.ActionUpdate),
		Entry("subscriber.unsubscribed → update", flat("subscriber.unsubscribed"), "update", sdk.ActionUpdate),
		Entry("subscriber.bounced → update", flat("subscriber.bounced"), "update", sdk.ActionUpdate),
		Entry("subscriber.spam_reported → update", flat("subscriber.spam_reported"), "update", sdk.ActionUpdate),
		Entry("subscriber.automation_triggered → the URL's action", flat("subscriber.automation_triggered"), "add", sdk.ActionDefault),
		Entry("subscriber.automation_completed → the URL's action", flat("subscriber.automation_completed"), "update", sdk.ActionDefault),
		Entry("subscriber.added_to_group → update_tags", grouped("subscriber.added_to_group"), "update", sdk.ActionUpdateTags),
		Entry("subscriber.removed_from_group → update_tags", grouped("subscriber.removed_from_group"), "add", sdk.ActionUpdateTags),
	)

	It("notes the group of a group event", func() {
		Expect(one(hook(grouped("subscriber.added_to_group"), "update")).Notes).To(ConsistOf(
			`added to group "AP Capture Group" (196965768156415638)`))
	})

	It("reads an id MailerLite writes as a number without losing digits", func() {
		body := `{"id":112375610569918142,"email":"subscriber@example.com","event":"subscriber.updated"}`
		Expect(one(hook(body, "update")).ContactID).To(Equal(id))
	})

	It("reads a batchable webhook's events as one item each, in order", func() {
		body := `{"events":[` + flat("subscriber.created") + `,` + grouped("subscriber.removed_from_group") + `,` + flat("campaign.sent") + `]}`
		items := decode(hook(body, "add"))
		Expect(items).To(HaveLen(3))
		Expect(items[0].Action).To(Equal(sdk.ActionAdd))
		Expect(items[1].Action).To(Equal(sdk.ActionUpdateTags))
		Expect(items[2].Action).To(Equal(sdk.ActionIgnore))
	})

	It("ignores a bad event of a batch with its reason, quoting no value, and keeps the others", func() {
		body := `{"events":[` + flat("subscriber.created") + `,{"event":"subscriber.updated","fields":{"name":"s3cret"}},` +
			`{"event":"subscriber.updated","id":"s3cret"},"s3cret",` + grouped("subscriber.added_to_group") + `]}`
		items := decode(hook(body, "add"))
		Expect(items).To(HaveLen(5))
		Expect(items[0].Action).To(Equal(sdk.ActionAdd))
		Expect(items[0].ContactID).To(Equal(id))
		Expect(items[4].Action).To(Equal(sdk.ActionUpdateTags))
		Expect(items[4].ContactID).To(Equal(id))
		for i, reason := range map[int]string{1: "event 2 of 5: subscriber.updated event names no subscriber",
			2: "event 3 of 5: subscriber.updated event's subscriber id is not a MailerLite id", 3: "event 4 of 5: not an event object"} {
			Expect(items[i].Action).To(Equal(sdk.ActionIgnore))
			Expect(items[i].ContactID).To(BeEmpty())
			Expect(items[i].Reason).To(ContainSubstring(reason))
			Expect(items[i].Reason).NotTo(ContainSubstring("s3cret"))
		}
	})

	It("reads an empty batch as no items", func() {
		Expect(decode(hook(`{"events":[]}`, "update"))).To(BeEmpty())
	})

	It("reads classic MailerLite's events by e-mail address, noting the classic id", func() {
		items := decode(hook(classic, "add"))
		Expect(items).To(HaveLen(2))
		Expect(items[0]).To(And(
			HaveField("ContactID", ""), HaveField("Email", "guy@example.com"), HaveField("Action", sdk.ActionAdd),
			HaveField("Notes", ConsistOf("classic MailerLite subscriber 2300951083"))))
		Expect(items[1].Action).To(Equal(sdk.ActionUpdateTags))
	})

	DescribeTable("ignores, with a reason, what is not about a subscriber to act on",
		func(body, reason string) {
			item := one(hook(body, "update"))
			Expect(item.Action).To(Equal(sdk.ActionIgnore))
			Expect(item.Reason).To(Equal(reason))
		},
		Entry("subscriber.deleted", flat("subscriber.deleted"), "the subscriber was deleted in MailerLite"),
		Entry("a campaign event", `{"event":"campaign.sent","id":"1","account_id":2599924}`, "campaign.sent: about a campaign, not a subscriber"),
		Entry("an event type MailerLite may add later", flat("subscriber.merged"), `MailerLite event type "subscriber.merged" is not one this plugin reads`),
	)

	DescribeTable("refuses as Invalid what names no subscriber, quoting no value",
		func(body, want string) {
			_, err := webhook.Decode(hook(body, "update"))
			Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
			Expect(err.Error()).To(ContainSubstring(want))
			Expect(err.Error()).NotTo(ContainSubstring("s3cret"))
		},
		Entry("an empty body", ``, "empty body"),
		Entry("not JSON", `event=s3cret`, "not a JSON object"),
		Entry("cut-off JSON", `{"event":"s3cret`, "not a JSON object"),
		Entry("no event type", `{"id":"1","email":"s3cret@example.com"}`, "no event type"),
		Entry("no subscriber", `{"event":"subscriber.updated","fields":{"name":"s3cret"}}`, "names no subscriber"),
		Entry("an id that is not one", `{"event":"subscriber.updated","id":"s3cret"}`, "is not a MailerLite id"),
		Entry("events that are not a list", `{"events":{"s3cret":1}}`, "not a list of events"),
	)
})

var _ = Describe("Verifying MailerLite's signature", func() {
	body := []byte(flat("subscriber.created"))
	// hex HMAC-SHA256 of body under "secret", by openssl dgst -sha256 -hmac secret.
	header := func(sig string) map[string][]string { return map[string][]string{"Signature": {sig}} }

	It("accepts the signature of the raw body under the secret", func() {
		Expect(webhook.Verify(header(opensslHMAC(body, "secret")), body, "secret")).To(Succeed())
	})
	It("refuses a missing, a non-hex and a wrong signature", func() {
		Expect(webhook.Verify(map[string][]string{}, body, "secret")).To(MatchError(webhook.ErrNoSignature))
		Expect(webhook.Verify(header("xyz"), body, "secret")).To(MatchError(webhook.ErrBadSignature))
		Expect(webhook.Verify(header(opensslHMAC(body, "other")), body, "secret")).To(MatchError(webhook.ErrBadSignature))
	})
})
