package plugin_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/hubspot/fakehubspot"
	"github.com/crmhub/crmhub/plugins/hubspot/plugin"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

var _ = Describe("The plugin against the SDK's conformance kit", func() {
	var kit sdktest.Kit
	BeforeEach(func() {
		fake := newFake()
		fake.AddContact(fakehubspot.Contact{ID: "702", Properties: map[string]string{"email": "max@example.com"}})
		kit = sdktest.Kit{
			New: func() sdk.CRM { return plugin.New() },
			Fixtures: sdktest.Fixtures{
				Settings:        settingsFor(fake, "client_secret", clientSecret),
				RefusedSettings: settingsFor(fake, "access_token", "pat-na1-revoked-token"),
				CRMRequests:     func() int { return len(fake.Calls()) },
				BadSettings:     map[string]string{"base_url": fake.URL, "access_token": token, "tags": "segments"},
				KnownContact: sdk.Contact{
					ID: janeID, Email: "jane@example.com",
					Tags:   []sdk.Tag{{ID: "11", Name: "Customers"}, {ID: "12", Name: "Webinar 2026"}, {ID: "14", Name: "Newsletter"}},
					Fields: map[string]string{"firstname": "Jane", "email": "jane@example.com", "city": "Köln"},
				},
				UnknownContactID: "404404",
				ValidWebhook:     signed(clientSecret, `[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":701,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]`),
				WantItems:        []sdk.Item{{ContactID: janeID}},
				ForgedWebhook:    signed("not-the-client-secret", `[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":701,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]`),
				MultiWebhook:     signed(clientSecret, `[{"eventId":2,"subscriptionType":"contact.propertyChange","objectId":701,"propertyName":"city","propertyValue":"Bonn"},{"eventId":3,"subscriptionType":"contact.propertyChange","objectId":702,"propertyName":"city","propertyValue":"Ulm"}]`),
				WantMultiItems:   []sdk.Item{{ContactID: janeID}, {ContactID: "702"}},
				InvalidWebhook:   sdk.RawWebhook{Method: "POST", ContentType: "application/json", Body: []byte(`[]`)},
				UpdateField:      "city",
				Stall:            fake.Stall,
			},
		}
	})

	for _, check := range sdktest.Checks() {
		It(check.Name, func(ctx SpecContext) {
			Expect(check.Run(ctx, kit)).To(Succeed())
		})
	}
})

// signed is a Webhooks-API request as HubSpot signs it for the URL the
// conformance kit plays the hub at (sdktest's door request).
func signed(secret, body string) sdk.RawWebhook {
	received := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	header := http.Header{}
	fakehubspot.Sign(header, secret, "POST", "https://hub.example.com/hooks/hubspot?access_key=sdktest-access-key", []byte(body), received)
	return sdk.RawWebhook{Method: "POST", ContentType: "application/json", Header: header, Body: []byte(body), ReceivedAt: received}
}
