package plugin_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/hubspot/plugin"
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
				BadSettings: map[string]string{"base_url": fake.URL, "access_token": token, "tags": "segments"},
				KnownContact: sdk.Contact{
					ID: janeID, Email: "jane@example.com",
					Tags:   []sdk.Tag{{ID: "11", Name: "Customers"}, {ID: "12", Name: "Webinar 2026"}, {ID: "14", Name: "Newsletter"}},
					Fields: map[string]string{"firstname": "Jane", "email": "jane@example.com", "city": "Köln"},
				},
				UnknownContactID: "404404",
				ValidWebhook: sdk.RawWebhook{Method: "POST", ContentType: "application/json",
					Body: []byte(`[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":701,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]`)},
				WantItems:      []sdk.Item{{ContactID: janeID}},
				InvalidWebhook: sdk.RawWebhook{Method: "POST", ContentType: "application/json", Body: []byte(`[]`)},
				UpdateField:    "city",
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
