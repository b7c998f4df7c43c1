package plugin_test

import (
	stdcontext "context"
	"maps"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/hubspot/fakehubspot"
	"github.com/crmhub/crmhub/plugins/hubspot/plugin"
)

const (
	token        = "pat-na1-secret-token-not-in-errors"
	clientSecret = "app-client-secret-not-in-errors"
	janeID       = "701"
)

// newFake starts a fake HubSpot with Jane, a member of three static lists
// (across pages) and one active list, with interests "golf;tennis".
func newFake() *fakehubspot.Server {
	fake := fakehubspot.New(token)
	DeferCleanup(fake.Close)
	fake.AddProperty("city", "City")
	fake.AddEnumProperty("interests", "Interests", "golf", "tennis", "chess")
	fake.AddList("11", "Customers", fakehubspot.Manual)
	fake.AddList("12", "Webinar 2026", fakehubspot.Snapshot)
	fake.AddList("13", "Engaged (active)", fakehubspot.Dynamic)
	fake.AddList("14", "Newsletter", fakehubspot.Manual)
	fake.AddList("15", "Unused", fakehubspot.Manual)
	fake.AddContact(fakehubspot.Contact{ID: janeID, Lists: []string{"11", "12", "13", "14"}, Properties: map[string]string{
		"email": "jane@example.com", "firstname": "Jane", "lastname": "Doe", "city": "Köln", "interests": "golf;tennis",
	}})
	return fake
}

func settingsFor(fake *fakehubspot.Server, extra ...string) map[string]string {
	s := map[string]string{"base_url": fake.URL, "access_token": token, "properties": "email,firstname,lastname,phone,city"}
	for i := 0; i+1 < len(extra); i += 2 {
		s[extra[i]] = extra[i+1]
	}
	return s
}

func configured(ctx SpecContext, settings map[string]string) *plugin.Plugin {
	p := plugin.New()
	Expect(p.Configure(ctx, maps.Clone(settings))).To(Succeed())
	return p
}

// context is a plain context for table entries, which get no SpecContext.
func context() stdcontext.Context { return stdcontext.Background() }
