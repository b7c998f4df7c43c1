package outbound_test

import (
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/klicktipp/outbound"
	"github.com/crmhub/crmhub/sdk"
)

const formType = "application/x-www-form-urlencoded"

func form(body string) sdk.RawWebhook {
	return sdk.RawWebhook{Method: "POST", ContentType: formType, Body: []byte(body)}
}

func jsonBody(body string) sdk.RawWebhook {
	return sdk.RawWebhook{Method: "POST", ContentType: "application/json", Body: []byte(body)}
}

func query(raw string) sdk.RawWebhook {
	q, err := url.ParseQuery(raw)
	Expect(err).NotTo(HaveOccurred())
	return sdk.RawWebhook{Method: "GET", Query: q}
}

var _ = Describe("Decode", func() {
	DescribeTable("names the contact of a webhook",
		func(hook sdk.RawWebhook, want sdk.Item) {
			Expect(outbound.Decode(hook)).To(Equal(want))
		},
		Entry("from a form body, as KlickTipp sends it",
			form("SubscriberID=123456&email=anna%40example.com"),
			sdk.Item{ContactID: "123456", Email: "anna@example.com"}),
		Entry("from a JSON body",
			jsonBody(`{"SubscriberID":"123456","email":"anna@example.com"}`),
			sdk.Item{ContactID: "123456", Email: "anna@example.com"}),
		Entry("from a JSON body whose id is a number",
			jsonBody(`{"SubscriberID":123456}`),
			sdk.Item{ContactID: "123456"}),
		Entry("from a JSON body sent as a form",
			sdk.RawWebhook{Method: "POST", ContentType: formType, Body: []byte(`{"SubscriberID":"77"}`)},
			sdk.Item{ContactID: "77"}),
		Entry("from a body without a Content-Type",
			sdk.RawWebhook{Method: "POST", Body: []byte("SubscriberID=77")},
			sdk.Item{ContactID: "77"}),
		Entry("from the query string",
			query("SubscriberID=123456&email=anna%40example.com"),
			sdk.Item{ContactID: "123456", Email: "anna@example.com"}),
		Entry("from the query when the body lacks the id",
			sdk.RawWebhook{Method: "POST", ContentType: formType, Body: []byte("email=anna%40example.com"),
				Query: url.Values{"SubscriberID": {"9"}}},
			sdk.Item{ContactID: "9", Email: "anna@example.com"}),
		Entry("with the alias subscriberid", form("subscriberid=5"), sdk.Item{ContactID: "5"}),
		Entry("with the alias subscriber_id", form("subscriber_id=5"), sdk.Item{ContactID: "5"}),
		Entry("with the alias contact_id (WP Fusion's)", form("contact_id=5"), sdk.Item{ContactID: "5"}),
		Entry("with the alias id", form("id=5"), sdk.Item{ContactID: "5"}),
		Entry("with a name in another case", form("SUBSCRIBERID=5"), sdk.Item{ContactID: "5"}),
		Entry("preferring SubscriberID to the other aliases", form("id=1&contact_id=2&SubscriberID=3"), sdk.Item{ContactID: "3"}),
		Entry("skipping an empty SubscriberID for an alias", form("SubscriberID=&contact_id=2"), sdk.Item{ContactID: "2"}),
		Entry("with the e-mail under Email", form("SubscriberID=5&Email=a%40b.de"), sdk.Item{ContactID: "5", Email: "a@b.de"}),
		Entry("with the e-mail under EmailAddress", form("SubscriberID=5&EmailAddress=a%40b.de"), sdk.Item{ContactID: "5", Email: "a@b.de"}),
		Entry("with only an e-mail address, which the hub resolves", form("email=anna%40example.com"), sdk.Item{Email: "anna@example.com"}),
		Entry("with KlickTipp's test id 12345, which becomes not-found only when fetched",
			form("SubscriberID=12345&email=test%40klicktipp.com"), sdk.Item{ContactID: "12345", Email: "test@klicktipp.com"}),
		Entry("with spaces and leading zeros trimmed", form("SubscriberID=+0042+"), sdk.Item{ContactID: "42"}),
		Entry("dropping an e-mail that is no address", form("SubscriberID=5&email=%25email%25"), sdk.Item{ContactID: "5"}),
	)

	DescribeTable("refuses a webhook that names no usable contact as Invalid",
		func(hook sdk.RawWebhook, wantInMessage []string) {
			_, err := outbound.Decode(hook)
			Expect(sdk.IsInvalid(err)).To(BeTrue(), "got %v", err)
			for _, want := range wantInMessage {
				Expect(err.Error()).To(ContainSubstring(want))
			}
			Expect(err.Error()).NotTo(ContainSubstring("s3cret"), "the message must not quote values")
		},
		Entry("without any id or e-mail, listing the names that were seen",
			form("first=s3cret&last=s3cret"), []string{"SubscriberID", `"first"`, `"last"`}),
		Entry("with a non-numeric id, naming the parameter",
			form("SubscriberID=s3cret&email=anna%40example.com"), []string{`"SubscriberID"`, "not a Subscriber ID"}),
		Entry("with an unfilled placeholder as id",
			form("SubscriberID=%25Subscriber%3ASubscriberID%25s3cret"), []string{`"SubscriberID"`}),
		Entry("with a negative id", form("contact_id=-5&x=s3cret"), []string{`"contact_id"`}),
		Entry("with id 0", form("SubscriberID=0"), []string{`"SubscriberID" is 0`}),
		Entry("with an id too large for KlickTipp", form("SubscriberID=123456789012345678901234"), []string{`"SubscriberID"`}),
		Entry("with a fractional JSON id", jsonBody(`{"SubscriberID":12.5}`), []string{`"SubscriberID"`}),
		Entry("without any parameters", sdk.RawWebhook{Method: "POST"}, []string{"no parameters"}),
		Entry("with a JSON body that is no object", jsonBody(`["s3cret"]`), []string{"not an object"}),
		Entry("with a broken JSON body", jsonBody(`{"SubscriberID":"12`), []string{"not an object"}),
		Entry("with a form body that is not URL-encoded", form("SubscriberID%zz=s3cret"), []string{"not URL-encoded"}),
	)

	It("lists a bounded number of parameter names", func() {
		body := ""
		for i := range 30 {
			body += "&p" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "=v"
		}
		_, err := outbound.Decode(form(body))
		Expect(err).To(MatchError(ContainSubstring("and 18 more")))
	})
})
