package plugin_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/drip/plugin"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

var _ = Describe("The plugin against the SDK's conformance kit", func() {
	var kit sdktest.Kit
	BeforeEach(func() {
		fake := newFake()
		kit = sdktest.Kit{
			New: func() sdk.CRM { return plugin.New() },
			Fixtures: sdktest.Fixtures{
				Settings:        settingsFor(fake),
				RefusedSettings: map[string]string{"base_url": fake.URL, "account_id": accountID, "api_token": "a-revoked-drip-token"},
				CRMRequests:     func() int { return len(fake.Calls()) },
				BadSettings:     map[string]string{"base_url": fake.URL, "account_id": "acme", "api_token": token},
				KnownContact: sdk.Contact{
					ID: johnID, Email: "john@acme.com",
					Tags:   []sdk.Tag{{ID: "Customer", Name: "Customer"}, {ID: "SEO", Name: "SEO"}},
					Fields: map[string]string{"name": "John Doe", "first_name": "John"},
				},
				UnknownContactID: "unknown404",
				ValidWebhook: sdk.RawWebhook{Method: "POST", ContentType: "application/json",
					Query: map[string][]string{"action": {"update"}},
					Body:  fake.Webhook("subscriber.updated_custom_field", johnID, map[string]any{"identifier": "name"})},
				WantItems: []sdk.Item{{ContactID: johnID, Email: "john@acme.com", Action: sdk.ActionUpdate}},
				InvalidWebhook: sdk.RawWebhook{Method: "POST", ContentType: "application/json",
					Body: []byte(`{"event":"subscriber.applied_tag","data":{"account_id":"9999999","properties":{"tag":"x"}}}`)},
				UpdateField: "name",
				Stall:       fake.Stall,
			},
		}
	})

	for _, check := range sdktest.Checks() {
		It(check.Name, func(ctx SpecContext) {
			Expect(check.Run(ctx, kit)).To(Succeed())
		})
	}
})
