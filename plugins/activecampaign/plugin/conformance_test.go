package plugin_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/activecampaign/plugin"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

var _ = Describe("The plugin against the SDK's conformance kit", func() {
	var kit sdktest.Kit
	BeforeEach(func() {
		a := newAccount()
		kit = sdktest.Kit{
			New: func() sdk.CRM { return plugin.New() },
			Fixtures: sdktest.Fixtures{
				Settings:        a.settings(),
				RefusedSettings: map[string]string{"base_url": a.fake.URL, "api_token": "a-revoked-activecampaign-token"},
				CRMRequests:     func() int { return len(a.fake.Calls()) },
				BadSettings:     map[string]string{"base_url": "ftp://example.api-us1.com", "api_token": token},
				KnownContact: sdk.Contact{
					ID: a.anna, Email: "anna@example.com",
					Tags:   []sdk.Tag{{ID: a.customer, Name: "Customer"}},
					Fields: map[string]string{a.city: "Köln", "firstName": "Anna"},
				},
				UnknownContactID: "404404",
				ValidWebhook: sdk.RawWebhook{Method: "POST", ContentType: "application/x-www-form-urlencoded",
					Query: map[string][]string{"action": {"update"}},
					Body:  a.fake.Webhook("contact_tag_added", a.anna)},
				WantItems: []sdk.Item{{ContactID: a.anna, Email: "anna@example.com", Action: sdk.ActionUpdateTags}},
				InvalidWebhook: sdk.RawWebhook{Method: "POST", ContentType: "application/x-www-form-urlencoded",
					Body: []byte("type=update&contact%5Bid%5D=%25CONTACT_ID%25")},
				UpdateField: a.city,
				Stall:       a.fake.Stall,
			},
		}
	})

	for _, check := range sdktest.Checks() {
		It(check.Name, func(ctx SpecContext) {
			Expect(check.Run(ctx, kit)).To(Succeed())
		})
	}
})
