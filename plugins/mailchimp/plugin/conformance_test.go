package plugin_test

import (
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/mailchimp/fakemailchimp"
	"github.com/crmhub/crmhub/plugins/mailchimp/plugin"
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
				RefusedSettings: map[string]string{"api_key": "ffffffffffffffffffffffffffffffff-us6", "list_id": listID, "base_url": fake.URL},
				CRMRequests:     fake.Calls,
				// Mailchimp signs nothing: the door only answers its validation GET.
				Unsigned:    true,
				BadSettings: map[string]string{"api_key": "no-data-center-", "list_id": listID, "base_url": fake.URL},
				KnownContact: sdk.Contact{
					ID: annaHash, Email: "anna@example.com",
					Tags:   []sdk.Tag{{ID: strconv.Itoa(2001), Name: "Customer"}},
					Fields: map[string]string{"FNAME": "Anna", "ADDRESS.city": "Köln"},
				},
				UnknownContactID: fakemailchimp.Hash("nobody@example.com"),
				ValidWebhook: form("type=profile&fired_at=2009-03-26+21%3A31%3A21&data%5Bid%5D=8a25ff1d98&data%5Blist_id%5D=" + listID +
					"&data%5Bemail%5D=Anna%40example.com&data%5Bemail_type%5D=html&data%5Bmerges%5D%5BEMAIL%5D=anna%40example.com&data%5Bmerges%5D%5BFNAME%5D=Anna"),
				WantItems:      []sdk.Item{{ContactID: annaHash, Email: "Anna@example.com", Action: sdk.ActionUpdate}},
				InvalidWebhook: form("type=profile&data%5Bid%5D=8a25ff1d98&data%5Bemail%5D="),
				UpdateField:    "LNAME",
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
