package plugin_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/mailchimp/fakemailchimp"
	"github.com/crmhub/crmhub/plugins/mailchimp/plugin"
	"github.com/crmhub/crmhub/sdk"
)

const (
	apiKey = "0123456789abcdef0123456789abcdef-us6"
	listID = "a6b5da1054"
)

var annaHash = fakemailchimp.Hash("anna@example.com")

// newFake starts a fake Mailchimp audience with two tags and Anna, who
// carries the tag "Customer" and lives in Köln.
func newFake() *fakemailchimp.Server {
	fake := fakemailchimp.New(apiKey, listID)
	DeferCleanup(fake.Close)
	customer := fake.AddTag("Customer")
	fake.AddTag("Newsletter")
	fake.AddMember(fakemailchimp.Member{Email: "anna@example.com", Tags: []int{customer},
		MergeFields: map[string]string{"FNAME": "Anna", "LNAME": "Schmidt", "ADDRESS.city": "Köln", "ADDRESS.addr1": "Ring 1"}})
	return fake
}

func settingsFor(fake *fakemailchimp.Server) map[string]string {
	return map[string]string{"api_key": apiKey, "list_id": listID, "base_url": fake.URL}
}

func configured(ctx SpecContext, fake *fakemailchimp.Server) *plugin.Plugin {
	p := plugin.New()
	Expect(p.Configure(ctx, settingsFor(fake))).To(Succeed())
	return p
}

func form(body string) sdk.RawWebhook {
	return sdk.RawWebhook{Method: "POST", ContentType: "application/x-www-form-urlencoded", Body: []byte(body)}
}
