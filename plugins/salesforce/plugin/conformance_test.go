package plugin_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/salesforce/fakesalesforce"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

var _ = Describe("The plugin against the SDK's conformance kit", func() {
	var kit sdktest.Kit
	BeforeEach(func() {
		fake, anna := newFake()
		ben := fake.AddContact(map[string]any{"FirstName": "Ben", "Email": "ben@example.com"})
		kit = sdktest.Kit{
			New: func() sdk.CRM { return newPlugin() },
			Fixtures: sdktest.Fixtures{
				Settings:        settingsFor(fake),
				RefusedSettings: settingsFor(fake, "client_secret", "a-secret-the-org-does-not-know"),
				CRMRequests:     func() int { return len(fake.Calls()) },
				BadSettings:     settingsFor(fake, "organization_id", "00Dn00000008Y2TEAA"),
				KnownContact: sdk.Contact{
					ID: anna, Email: "anna@example.com",
					Tags:   []sdk.Tag{{ID: fake.AddTopic("Customer"), Name: "Customer"}, {ID: fake.AddTopic("VIP"), Name: "VIP"}},
					Fields: map[string]string{"FirstName": "Anna", "Email": "anna@example.com", "Interests__c": "Golf;Tennis"},
				},
				UnknownContactID: "003Dn9999999999AAA",
				ValidWebhook: soap(fakesalesforce.OutboundMessage(fake.OrgID, actionID,
					fakesalesforce.Notification{ID: "04ln0000009JvY4AAK", RecordID: anna, Email: "anna@example.com", FirstName: "Anna"})),
				WantItems: []sdk.Item{{ContactID: anna, Email: "anna@example.com"}},
				// From another org: Salesforce signs nothing, the org id is what the door checks.
				ForgedWebhook: soap(fakesalesforce.OutboundMessage("00Dn00000009ZzzEAA", actionID,
					fakesalesforce.Notification{ID: "04ln0000009JvY4AAK", RecordID: anna, Email: "anna@example.com", FirstName: "Anna"})),
				MultiWebhook: soap(fakesalesforce.OutboundMessage(fake.OrgID, actionID,
					fakesalesforce.Notification{ID: "04ln0000009JvY5AAK", RecordID: anna, Email: "anna@example.com"},
					fakesalesforce.Notification{ID: "04ln0000009JvY6AAK", RecordID: ben, Email: "ben@example.com"})),
				WantMultiItems: []sdk.Item{{ContactID: anna, Email: "anna@example.com"}, {ContactID: ben, Email: "ben@example.com"}},
				InvalidWebhook: soap([]byte(`<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>`)),
				UpdateField:    "City__c",
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
