package plugin_test

import (
	"maps"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/mailerlite/fakemailerlite"
	"github.com/crmhub/crmhub/plugins/mailerlite/plugin"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("The MailerLite plugin", func() {
	var fake *fakemailerlite.Server
	BeforeEach(func() { fake = newFake() })

	with := func(key, value string) map[string]string {
		s := maps.Clone(settingsFor(fake))
		s[key] = value
		return s
	}
	configured := func(ctx SpecContext) *plugin.Plugin {
		p := plugin.New()
		Expect(p.Configure(ctx, settingsFor(fake))).To(Succeed())
		return p
	}

	Describe("Configure", func() {
		It("answers Unauthenticated when MailerLite refuses the key, quoting none", func(ctx SpecContext) {
			err := plugin.New().Configure(ctx, with("api_key", "wrong-s3cret"))
			Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "%v", err)
			Expect(err.Error()).NotTo(ContainSubstring("s3cret"))
		})

		It("refuses an unknown setting or a bad timeout as Invalid", func(ctx SpecContext) {
			Expect(sdk.IsInvalid(plugin.New().Configure(ctx, with("group_id", "1")))).To(BeTrue())
			Expect(sdk.IsInvalid(plugin.New().Configure(ctx, with("timeout", "soon")))).To(BeTrue())
		})

		It("keeps the settings in use when new ones fail", func(ctx SpecContext) {
			p := configured(ctx)
			Expect(p.Configure(ctx, with("api_key", "wrong"))).NotTo(Succeed())
			_, err := p.GetContact(ctx, annaID)
			Expect(err).NotTo(HaveOccurred())
		})
	})

	It("reports groups as tags and fields by key", func(ctx SpecContext) {
		p := configured(ctx)
		tags, err := p.ListTags(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(tags).To(ContainElement(sdk.Tag{ID: customerID, Name: "Customer"}))
		fields, err := p.ListFields(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(fields).To(ContainElement(sdk.Field{ID: "last_name", Name: "last name"}))
	})

	It("writes a returned password into a field", func(ctx SpecContext) {
		fake.AddField("password", "Password")
		Expect(configured(ctx).UpdateContact(ctx, annaID, map[string]string{"password": "s3cret-pass"})).To(Succeed())
		s, _ := fake.Subscriber(annaID)
		Expect(s.Fields).To(HaveKeyWithValue("password", "s3cret-pass"))
	})

	It("answers NotFound for an id that is no MailerLite id, without asking MailerLite", func(ctx SpecContext) {
		p := configured(ctx)
		calls := fake.Calls()
		_, err := p.GetContact(ctx, "anna@example.com")
		Expect(sdk.IsNotFound(err)).To(BeTrue())
		Expect(fake.Calls()).To(Equal(calls))
	})

	It("answers Unauthenticated before Configure", func(ctx SpecContext) {
		_, err := plugin.New().GetContact(ctx, annaID)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue())
	})
})
