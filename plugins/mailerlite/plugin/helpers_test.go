package plugin_test

import (
	. "github.com/onsi/ginkgo/v2"

	"github.com/crmhub/crmhub/plugins/mailerlite/fakemailerlite"
)

const (
	apiKey = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.not-in-errors"
	secret = "whsec-not-in-errors"
	annaID = "112375610569918142" // beyond 2^53: a float64 would change it
)

var customerID string

// newFake starts a fake MailerLite with two groups and Anna, who is in
// the group "Customer".
func newFake() *fakemailerlite.Server {
	fake := fakemailerlite.New(apiKey)
	DeferCleanup(fake.Close)
	customerID = fake.AddGroup("Customer")
	fake.AddGroup("Newsletter")
	fake.AddSubscriber(fakemailerlite.Subscriber{ID: annaID, Email: "anna@example.com", Groups: []string{customerID},
		Fields: map[string]string{"name": "Anna", "last_name": "Schmidt", "city": "Köln"}})
	return fake
}

func settingsFor(fake *fakemailerlite.Server) map[string]string {
	return map[string]string{"api_key": apiKey, "webhook_secret": secret, "base_url": fake.URL}
}
