package plugin_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/mailerlite/plugin"
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
				Settings:    settingsFor(fake),
				BadSettings: map[string]string{"api_key": " ", "base_url": fake.URL},
				KnownContact: sdk.Contact{
					ID: annaID, Email: "anna@example.com",
					Tags:   []sdk.Tag{{ID: customerID, Name: "Customer"}},
					Fields: map[string]string{"name": "Anna", "city": "Köln"},
				},
				UnknownContactID: "112375610569999999",
				ValidWebhook: sdk.RawWebhook{Method: "POST", ContentType: "application/json", Body: []byte(
					`{"id":"` + annaID + `","email":"anna@example.com","status":"active","fields":{"name":"Anna"},` +
						`"created_at":"2026-08-27T15:06:41.000000Z","event":"subscriber.updated","account_id":2599924,"api_version":"2025-05"}`)},
				WantItems:      []sdk.Item{{ContactID: annaID, Email: "anna@example.com", Action: sdk.ActionUpdate}},
				InvalidWebhook: sdk.RawWebhook{Method: "POST", ContentType: "application/json", Body: []byte(`{"event":"subscriber.updated","fields":{}}`)},
				UpdateField:    "last_name",
				Stall:          fake.Stall,
			},
		}
	})

	for _, check := range sdktest.Checks() {
		It(check.Name, func(ctx SpecContext) {
			Expect(check.Run(ctx, kit)).To(Succeed())
		})
	}
})
