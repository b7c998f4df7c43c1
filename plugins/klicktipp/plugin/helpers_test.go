package plugin_test

import (
	"fmt"
	"maps"

	"github.com/hashicorp/go-hclog"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
	"github.com/crmhub/crmhub/plugins/klicktipp/plugin"
)

const (
	apiUser     = "api-user"
	apiPassword = "pa55-w0rd-not-in-errors"
	annaID      = "155988456"
)

// newFake starts a fake KlickTipp with an API user, two tags and Anna, who
// carries tag 11 by hand and SmartTag 12.
func newFake() *fakeklicktipp.Server {
	fake := fakeklicktipp.New()
	DeferCleanup(fake.Close)
	fake.AddUser(apiUser, apiPassword)
	fake.AddTag("11", "Kunde")
	fake.AddTag("12", "Newsletter geöffnet")
	fake.AddSubscriber(fakeklicktipp.Subscriber{
		ID: annaID, Email: "anna@example.com",
		ManualTags: []string{"11"}, SmartTags: []string{"12"},
		Fields: map[string]string{"fieldFirstName": "Anna", "fieldCity": "Köln"},
	})
	return fake
}

func settingsFor(fake *fakeklicktipp.Server, extra ...string) map[string]string {
	s := map[string]string{"base_url": fake.URL, "username": apiUser, "password": apiPassword}
	for i := 0; i+1 < len(extra); i += 2 {
		s[extra[i]] = extra[i+1]
	}
	return s
}

func newPlugin() *plugin.Plugin {
	return plugin.New(plugin.WithLogger(hclog.NewNullLogger()))
}

// configured returns a plugin configured with settings.
func configured(ctx SpecContext, settings map[string]string) *plugin.Plugin {
	p := newPlugin()
	Expect(p.Configure(ctx, maps.Clone(settings))).To(Succeed())
	return p
}

// routes lists the calls fake answered as "METHOD /path status".
func routes(fake *fakeklicktipp.Server) []string {
	var got []string
	for _, c := range fake.Calls() {
		got = append(got, fmt.Sprintf("%s %s %d", c.Method, c.Path, c.Status))
	}
	return got
}
