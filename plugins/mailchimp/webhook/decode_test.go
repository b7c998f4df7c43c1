package webhook_test

import (
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/mailchimp/webhook"
	"github.com/crmhub/crmhub/sdk"
)

// Mailchimp's documented samples, as its webhooks send them.
const (
	subscribe = "type=subscribe&fired_at=2009-03-26 21:35:57&data[id]=8a25ff1d98&data[list_id]=a6b5da1054" +
		"&data[email]=api@mailchimp.com&data[email_type]=html&data[merges][EMAIL]=api@mailchimp.com" +
		"&data[merges][FNAME]=Mailchimp&data[merges][LNAME]=API&data[merges][INTERESTS]=Group1,Group2" +
		"&data[ip_opt]=10.20.10.30&data[ip_signup]=10.20.10.30"
	unsubscribe = "type=unsubscribe&fired_at=2009-03-26 21:40:57&data[action]=unsub&data[reason]=manual" +
		"&data[id]=8a25ff1d98&data[list_id]=a6b5da1054&data[email]=api+unsub@mailchimp.com&data[email_type]=html" +
		"&data[merges][EMAIL]=api+unsub@mailchimp.com&data[merges][FNAME]=Mailchimp&data[merges][LNAME]=API" +
		"&data[ip_opt]=10.20.10.30&data[campaign_id]=cb398d21d2"
	profile = "type=profile&fired_at=2009-03-26 21:31:21&data[id]=8a25ff1d98&data[list_id]=a6b5da1054" +
		"&data[email]=API@mailchimp.com&data[email_type]=html&data[merges][EMAIL]=api@mailchimp.com" +
		"&data[merges][FNAME]=Mailchimp&data[merges][LNAME]=API&data[ip_opt]=10.20.10.30"
	upemail = "type=upemail&fired_at=2009-03-26 22:15:09&data[list_id]=a6b5da1054&data[new_id]=51da8c3259" +
		"&data[new_email]=api+new@mailchimp.com&data[old_email]=api+old@mailchimp.com"
	cleaned = "type=cleaned&fired_at=2009-03-26 22:01:00&data[list_id]=a6b5da1054&data[campaign_id]=4fjk2ma9xd" +
		"&data[reason]=hard&data[email]=api+cleaned@mailchimp.com"
	campaign = "type=campaign&fired_at=2009-03-26 21:31:21&data[id]=5aa2102003&data[subject]=Test Campaign Subject" +
		"&data[status]=sent&data[reason]=&data[list_id]=a6b5da1054"
)

// post encodes a sample as Mailchimp does (form-encoded) for a hub URL
// whose action is action.
func post(sample, action string) sdk.RawWebhook {
	values := url.Values{}
	for pair := range splitPairs(sample) {
		k, v, _ := cut(pair)
		values.Add(k, v)
	}
	return sdk.RawWebhook{Method: "POST", Query: map[string][]string{"action": {action}},
		ContentType: "application/x-www-form-urlencoded", Body: []byte(values.Encode())}
}

func splitPairs(s string) func(func(string) bool) {
	return func(yield func(string) bool) {
		start := 0
		for i := 0; i <= len(s); i++ {
			if i == len(s) || s[i] == '&' {
				if !yield(s[start:i]) {
					return
				}
				start = i + 1
			}
		}
	}
}

func cut(pair string) (string, string, bool) {
	for i := range pair {
		if pair[i] == '=' {
			return pair[:i], pair[i+1:], true
		}
	}
	return pair, "", false
}

const (
	apiHash    = "6def22f266be37015519943ce0c3ae6b" // md5("api@mailchimp.com"), by md5sum
	decoderFor = "a6b5da1054"
)

var _ = Describe("Decoding Mailchimp's webhooks", func() {
	d := webhook.Decoder{ListID: decoderFor}

	decode := func(hook sdk.RawWebhook) sdk.Item {
		items, err := d.Decode(hook)
		ExpectWithOffset(1, err).NotTo(HaveOccurred())
		ExpectWithOffset(1, items).To(HaveLen(1))
		return items[0]
	}

	DescribeTable("maps each event type to the member and an action",
		func(sample, urlAction, email string, action sdk.Action) {
			item := decode(post(sample, urlAction))
			Expect(item.Email).To(Equal(email))
			Expect(item.ContactID).To(Equal(md5Lower(email)), "the subscriber hash, not data[id] (the euid)")
			Expect(item.Action).To(Equal(action))
		},
		Entry("subscribe on an add URL → add", subscribe, "add", "api@mailchimp.com", sdk.ActionAdd),
		Entry("subscribe on an update URL → update", subscribe, "update", "api@mailchimp.com", sdk.ActionUpdate),
		Entry("subscribe on an update_tags URL → update", subscribe, "update_tags", "api@mailchimp.com", sdk.ActionUpdate),
		Entry("profile → update, hashed lower-cased", profile, "add", "API@mailchimp.com", sdk.ActionUpdate),
		Entry("unsubscribe → update (the status changed)", unsubscribe, "update", "api+unsub@mailchimp.com", sdk.ActionUpdate),
		Entry("cleaned → update (the status changed)", cleaned, "update", "api+cleaned@mailchimp.com", sdk.ActionUpdate),
		Entry("upemail → update of the new address", upemail, "update", "api+new@mailchimp.com", sdk.ActionUpdate),
	)

	It("keys a member by the hash of its lower-cased address", func() {
		Expect(decode(post(profile, "update")).ContactID).To(Equal(apiHash))
	})

	It("notes the old address and its member on upemail", func() {
		item := decode(post(upemail, "update"))
		Expect(item.Notes).To(ConsistOf(
			"e-mail address changed from api+old@mailchimp.com (member " + md5Lower("api+old@mailchimp.com") + ")"))
	})

	It("notes why a member was cleaned or unsubscribed", func() {
		Expect(decode(post(cleaned, "update")).Notes).To(ConsistOf("Mailchimp: cleaned (reason: hard)"))
		Expect(decode(post(unsubscribe, "update")).Notes).To(ConsistOf("Mailchimp: unsubscribe (reason: manual)"))
	})

	It("reads the URL's wpf_action as WP Fusion's URLs name it", func() {
		hook := post(subscribe, "")
		hook.Query = map[string][]string{"wpf_action": {"add"}}
		Expect(decode(hook).Action).To(Equal(sdk.ActionAdd))
	})

	It("never fetches through the webhook's merges: the hub fetches the member with its tags", func() {
		Expect(decode(post(subscribe, "add")).Contact).To(BeNil())
	})

	DescribeTable("ignores, with a reason, what is not about a member of the audience",
		func(hook sdk.RawWebhook, reason string) {
			item := decode(hook)
			Expect(item.Action).To(Equal(sdk.ActionIgnore))
			Expect(item.Reason).To(Equal(reason))
		},
		Entry("a campaign event", post(campaign, "update"), "campaign event: about a campaign, not a member"),
		Entry("the validation GET, should it be stored", sdk.RawWebhook{Method: "GET"}, "Mailchimp's validation GET: no member"),
		Entry("an event of another audience", post("type=profile&data[list_id]=other&data[email]=a@b.example", "update"),
			"profile event of audience other, not of the configured audience a6b5da1054"),
		Entry("an event type Mailchimp may add later", post("type=merge&data[email]=a@b.example", "update"),
			`Mailchimp event type "merge" is not one this plugin reads`),
	)

	DescribeTable("refuses as Invalid what names no member, quoting no value",
		func(hook sdk.RawWebhook, want string) {
			_, err := d.Decode(hook)
			Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
			Expect(err.Error()).To(ContainSubstring(want))
			Expect(err.Error()).NotTo(ContainSubstring("s3cret"))
		},
		Entry("an empty POST", sdk.RawWebhook{Method: "POST"}, "empty body"),
		Entry("no type", post("data[email]=s3cret@example.com", "update"), "has no type"),
		Entry("subscribe without an address", post("type=subscribe&data[email]=s3cret", "add"), "no valid e-mail address in data[email]"),
		Entry("upemail without the new address", post("type=upemail&data[old_email]=s3cret@example.com", "update"), "data[new_email]"),
		Entry("a JSON body", sdk.RawWebhook{Method: "POST", ContentType: "application/json", Body: []byte(`{"s3cret":1}`)}, "want application/x-www-form-urlencoded"),
		Entry("a broken form", sdk.RawWebhook{Method: "POST", ContentType: "application/x-www-form-urlencoded", Body: []byte("type=%zzs3cret")}, "not a form"),
	)
})
