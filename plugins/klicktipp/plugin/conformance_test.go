package plugin_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

var _ = Describe("The plugin against the SDK's conformance kit", func() {
	var kit sdktest.Kit
	BeforeEach(func() {
		fake := newFake()
		kit = sdktest.Kit{
			New: func() sdk.CRM { return newPlugin() },
			Fixtures: sdktest.Fixtures{
				Settings:        settingsFor(fake),
				BadSettings:     map[string]string{"base_url": fake.URL, "username": apiUser},
				RefusedSettings: settingsFor(fake, "password", "wrong-password"),
				KnownContact: sdk.Contact{
					ID: annaID, Email: "anna@example.com",
					Tags:   []sdk.Tag{{ID: "11", Name: "Kunde"}},
					Fields: map[string]string{"fieldFirstName": "Anna", "email": "anna@example.com"},
				},
				UnknownContactID: "404404",
				ValidWebhook: sdk.RawWebhook{Method: "POST", ContentType: "application/x-www-form-urlencoded",
					Body: []byte("SubscriberID=" + annaID + "&email=anna%40example.com")},
				WantItems: []sdk.Item{{ContactID: annaID, Email: "anna@example.com"}},
				InvalidWebhook: sdk.RawWebhook{Method: "POST", ContentType: "application/x-www-form-urlencoded",
					Body: []byte("SubscriberID=%25Subscriber%3AID%25&email=")},
				CRMRequests: func() int { return len(fake.Calls()) },
				UpdateField: "fieldCity",
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
