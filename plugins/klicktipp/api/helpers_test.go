package api_test

import (
	"github.com/hashicorp/go-hclog"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/klicktipp/api"
	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
)

const (
	apiUser     = "api-user"
	apiPassword = "pa55-w0rd-not-in-errors"
)

// newFake starts a fake KlickTipp with an API user, two tags, Anna, who
// carries one manual tag and one SmartTag, and Ben, who carries none.
func newFake() *fakeklicktipp.Server {
	fake := fakeklicktipp.New()
	DeferCleanup(fake.Close)
	fake.AddUser(apiUser, apiPassword)
	fake.AddTag("11", "Kunde")
	fake.AddTag("12", "Newsletter geöffnet")
	fake.AddSubscriber(fakeklicktipp.Subscriber{
		ID: "155988456", Email: "anna@example.com",
		ManualTags: []string{"11"}, SmartTags: []string{"12"},
		Fields: map[string]string{"fieldFirstName": "Anna"},
	})
	fake.AddSubscriber(fakeklicktipp.Subscriber{Email: "ben@example.com"})
	return fake
}

// sessionClient returns a client that logs in to fake as the API user.
func sessionClient(fake *fakeklicktipp.Server) *api.Client {
	return newClient(api.Config{BaseURL: fake.URL, Auth: api.Session{Username: apiUser, Password: apiPassword}})
}

func newClient(cfg api.Config) *api.Client {
	cfg.Logger = hclog.NewNullLogger()
	c, err := api.New(cfg)
	Expect(err).NotTo(HaveOccurred())
	return c
}
