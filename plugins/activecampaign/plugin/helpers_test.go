package plugin_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/crmhub/crmhub/plugins/activecampaign/fakeactivecampaign"
)

const token = "ac-token-not-in-errors"

// account is the fake account the specs use: Anna carries the tag
// Customer and has the custom field City.
type account struct {
	fake           *fakeactivecampaign.Server
	anna           string
	customer, city string
}

// newAccount starts a fake without its rate limit (sdktest makes many
// calls in a row; the API specs prove the limit).
func newAccount() account {
	fake := fakeactivecampaign.New(token)
	DeferCleanup(fake.Close)
	fake.SetRateLimit(0, 0, 0)
	a := account{fake: fake, customer: fake.AddTag("Customer"), city: fake.AddField("City")}
	fake.AddTag("Newsletter")
	a.anna = fake.AddContact(fakeactivecampaign.Contact{Email: "anna@example.com", FirstName: "Anna", LastName: "Muster",
		Tags: []string{a.customer}, Fields: map[string]string{a.city: "Köln"}})
	return a
}

func (a account) settings() map[string]string {
	return map[string]string{"base_url": a.fake.URL, "api_token": token}
}
