package plugin_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/mailerlite/fakemailerlite"
	"github.com/crmhub/crmhub/plugins/mailerlite/plugin"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

var _ = Describe("The plugin against the SDK's conformance kit", func() {
	var kit sdktest.Kit
	BeforeEach(func() {
		fake := newFake()
		benID := fake.AddSubscriber(fakemailerlite.Subscriber{ID: "112375610569918143", Email: "ben@example.com"})
		valid := `{"id":"` + annaID + `","email":"anna@example.com","status":"active","fields":{"name":"Anna"},` +
			`"created_at":"2026-08-27T15:06:41.000000Z","event":"subscriber.updated","account_id":2599924,"api_version":"2025-05"}`
		kit = sdktest.Kit{
			New: func() sdk.CRM { return plugin.New() },
			Fixtures: sdktest.Fixtures{
				Settings:        settingsFor(fake),
				RefusedSettings: map[string]string{"api_key": "a-key-mailerlite-revoked", "webhook_secret": secret, "base_url": fake.URL},
				CRMRequests:     fake.Calls,
				BadSettings:     map[string]string{"api_key": " ", "base_url": fake.URL},
				KnownContact: sdk.Contact{
					ID: annaID, Email: "anna@example.com",
					Tags:   []sdk.Tag{{ID: customerID, Name: "Customer"}},
					Fields: map[string]string{"name": "Anna", "city": "Köln"},
				},
				UnknownContactID: "112375610569999999",
				ValidWebhook:     signedHook(valid, secret),
				WantItems:        []sdk.Item{{ContactID: annaID, Email: "anna@example.com", Action: sdk.ActionUpdate}},
				ForgedWebhook:    signedHook(valid, "not-the-webhook-secret"),
				MultiWebhook: signedHook(`{"events":[`+valid+`,{"id":"`+benID+`","email":"ben@example.com","status":"active",`+
					`"event":"subscriber.updated","account_id":2599924,"api_version":"2025-05"}]}`, secret),
				WantMultiItems: []sdk.Item{
					{ContactID: annaID, Email: "anna@example.com", Action: sdk.ActionUpdate},
					{ContactID: benID, Email: "ben@example.com", Action: sdk.ActionUpdate},
				},
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

// signedHook is a webhook as MailerLite signs it with the given secret.
func signedHook(body, secret string) sdk.RawWebhook {
	return sdk.RawWebhook{Method: "POST", ContentType: "application/json", Body: []byte(body),
		Header: map[string][]string{fakemailerlite.SignatureHeader: {fakemailerlite.Sign([]byte(body), secret)}}}
}
