package api_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/mailchimp/api"
	"github.com/crmhub/crmhub/plugins/mailchimp/fakemailchimp"
)

const (
	apiKey = "0123456789abcdef0123456789abcdef-us6"
	listID = "a6b5da1054"
)

var annaHash = fakemailchimp.Hash("anna@example.com")

func newFake() *fakemailchimp.Server {
	fake := fakemailchimp.New(apiKey, listID)
	DeferCleanup(fake.Close)
	customer := fake.AddTag("Customer")
	fake.AddMember(fakemailchimp.Member{Email: "Anna@Example.com", Tags: []int{customer},
		MergeFields: map[string]string{"FNAME": "Anna", "ADDRESS.city": "Köln", "ADDRESS.addr1": "Ring 1", "ADDRESS.zip": "50667"}})
	return fake
}

func newClient(fake *fakemailchimp.Server, change ...func(*api.Config)) *api.Client {
	cfg := api.Config{APIKey: apiKey, ListID: listID, BaseURL: fake.URL}
	for _, c := range change {
		c(&cfg)
	}
	c, err := api.New(cfg)
	Expect(err).NotTo(HaveOccurred())
	return c
}
