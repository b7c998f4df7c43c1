package plugin_test

import (
	"maps"

	"github.com/hashicorp/go-hclog"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/salesforce/fakesalesforce"
	"github.com/crmhub/crmhub/plugins/salesforce/plugin"
	"github.com/crmhub/crmhub/sdk"
)

const (
	clientID     = "3MVG9-connected-app"
	clientSecret = "s3cret-never-in-errors"
	actionID     = "04kn000000000m5AAA"
)

// newFake starts a fake org with Anna, who has the topics Customer and VIP
// and the interests Golf and Tennis.
func newFake() (*fakesalesforce.Server, string) {
	fake := fakesalesforce.New()
	DeferCleanup(fake.Close)
	fake.AddClient(clientID, clientSecret)
	fake.AddField(fakesalesforce.Field{Name: "Interests__c", Label: "Interests", Type: "multipicklist", Picklist: []string{"Golf", "Tennis", "Chess"}})
	fake.AddField(fakesalesforce.Field{Name: "City__c", Label: "City"})
	anna := fake.AddContact(map[string]any{"FirstName": "Anna", "LastName": "Ahorn", "Email": "anna@example.com",
		"Interests__c": "Golf;Tennis", "City__c": "Köln"}, "Customer", "VIP")
	return fake, anna
}

func settingsFor(fake *fakesalesforce.Server, extra ...string) map[string]string {
	s := map[string]string{"login_url": fake.URL, "client_id": clientID, "client_secret": clientSecret, "organization_id": fake.OrgID}
	for i := 0; i+1 < len(extra); i += 2 {
		s[extra[i]] = extra[i+1]
	}
	return s
}

func newPlugin() *plugin.Plugin { return plugin.New(plugin.WithLogger(hclog.NewNullLogger())) }

func configured(ctx SpecContext, settings map[string]string) *plugin.Plugin {
	p := newPlugin()
	Expect(p.Configure(ctx, maps.Clone(settings))).To(Succeed())
	return p
}

func soap(body []byte) sdk.RawWebhook {
	return sdk.RawWebhook{Method: "POST", ContentType: "text/xml; charset=utf-8", Body: body}
}
