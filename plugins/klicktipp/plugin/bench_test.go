package plugin_test

import (
	"context"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
	"github.com/crmhub/crmhub/plugins/klicktipp/plugin"
)

// BenchmarkGetContact measures GetContact through the real client over HTTP
// against the fake, from parallel callers as the hub's workers call it.
func BenchmarkGetContact(b *testing.B) {
	fake := fakeklicktipp.New()
	defer fake.Close()
	fake.AddUser(apiUser, apiPassword)
	fake.AddTag("11", "Kunde")
	id := fake.AddSubscriber(fakeklicktipp.Subscriber{Email: "anna@example.com", ManualTags: []string{"11"},
		Fields: map[string]string{"fieldFirstName": "Anna"}})

	p := plugin.New(plugin.WithLogger(hclog.NewNullLogger()))
	ctx := context.Background()
	if err := p.Configure(ctx, settingsFor(fake)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.GetContact(ctx, id); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
