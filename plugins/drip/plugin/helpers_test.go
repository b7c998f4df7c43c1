package plugin_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/crmhub/crmhub/plugins/drip/fakedrip"
)

const (
	accountID = "9999999"
	token     = "drip-token-not-in-errors"
	johnID    = "z1togz2hcjrkpp5treip"
)

// newFake starts a fake account with John, who carries the tags Customer
// and SEO and the custom field name.
func newFake() *fakedrip.Server {
	fake := fakedrip.New(accountID, token)
	DeferCleanup(fake.Close)
	fake.AddTag("Lead")
	fake.AddSubscriber(fakedrip.Subscriber{ID: johnID, Email: "john@acme.com",
		Attributes:   map[string]string{"first_name": "John"},
		CustomFields: map[string]string{"name": "John Doe"}, Tags: []string{"Customer", "SEO"}})
	return fake
}

func settingsFor(fake *fakedrip.Server) map[string]string {
	return map[string]string{"base_url": fake.URL, "account_id": accountID, "api_token": token}
}
