package plugin_test

import (
	"maps"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/mailchimp/fakemailchimp"
	"github.com/crmhub/crmhub/plugins/mailchimp/plugin"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("The Mailchimp plugin", func() {
	var fake *fakemailchimp.Server
	BeforeEach(func() { fake = newFake() })

	with := func(key, value string) map[string]string {
		s := maps.Clone(settingsFor(fake))
		s[key] = value
		return s
	}

	Describe("Configure", func() {
		DescribeTable("refuses settings it can judge alone as Invalid, quoting no key",
			func(ctx SpecContext, key, value, want string) {
				err := plugin.New().Configure(ctx, with(key, value))
				Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
				Expect(err).To(MatchError(ContainSubstring(want)))
				Expect(err.Error()).NotTo(ContainSubstring("0123456789abcdef"))
			},
			Entry("a key without its data center", "api_key", "0123456789abcdef0123456789abcdef", "data center"),
			Entry("no audience", "list_id", " ", "list_id is empty"),
			Entry("more connections than Mailchimp allows", "max_connections", "11", "use 1 to 10"),
			Entry("a timeout that is no duration", "timeout", "soon", "not a duration"),
			Entry("an unknown setting", "tags", "all", `unknown setting "tags"`),
		)

		It("answers Unauthenticated when Mailchimp refuses the key", func(ctx SpecContext) {
			err := plugin.New().Configure(ctx, with("api_key", "ffffffffffffffffffffffffffffffff-us6"))
			Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "%v", err)
		})

		It("answers Invalid when Mailchimp has no such audience", func(ctx SpecContext) {
			err := plugin.New().Configure(ctx, with("list_id", "nosuchlist"))
			Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
		})

		It("keeps the settings in use when new ones fail", func(ctx SpecContext) {
			p := configured(ctx, fake)
			Expect(p.Configure(ctx, with("list_id", "nosuchlist"))).NotTo(Succeed())
			_, err := p.GetContact(ctx, annaHash)
			Expect(err).NotTo(HaveOccurred())
		})

		It("may run while other calls do", func(ctx SpecContext) {
			p := configured(ctx, fake)
			var wg sync.WaitGroup
			for range 5 {
				wg.Go(func() {
					defer GinkgoRecover()
					_, err := p.GetContact(ctx, annaHash)
					Expect(err).NotTo(HaveOccurred())
				})
				wg.Go(func() { defer GinkgoRecover(); Expect(p.Configure(ctx, settingsFor(fake))).To(Succeed()) })
			}
			wg.Wait()
		})
	})

	It("finds a member by an address in any case, as its subscriber hash", func(ctx SpecContext) {
		Expect(configured(ctx, fake).FindContact(ctx, "ANNA@example.com")).To(Equal(annaHash))
	})

	It("lists an address merge field as one field per part", func(ctx SpecContext) {
		fields, err := configured(ctx, fake).ListFields(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(fields).To(ContainElements(sdk.Field{ID: "FNAME", Name: "First Name"}, sdk.Field{ID: "ADDRESS.city", Name: "Address: city"}))
	})

	It("writes a returned password into a merge field", func(ctx SpecContext) {
		fake.AddMergeField(fakemailchimp.MergeField{Tag: "WPPASS", Name: "Password", Type: "text"})
		Expect(configured(ctx, fake).UpdateContact(ctx, annaHash, map[string]string{"WPPASS": "s3cret-pass"})).To(Succeed())
		m, _ := fake.Member(annaHash)
		Expect(m.MergeFields).To(HaveKeyWithValue("WPPASS", "s3cret-pass"))
	})

	It("ignores the events of another audience once configured", func(ctx SpecContext) {
		items, err := configured(ctx, fake).DecodeWebhook(ctx, form("type=profile&data%5Blist_id%5D=other&data%5Bemail%5D=anna%40example.com"))
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(ConsistOf(HaveField("Action", sdk.ActionIgnore)))
	})

	It("answers Unauthenticated before Configure", func(ctx SpecContext) {
		_, err := plugin.New().GetContact(ctx, annaHash)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue())
	})
})
