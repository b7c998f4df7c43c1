package plugin_test

import (
	"maps"
	"net/http"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/activecampaign/fakeactivecampaign"
	"github.com/crmhub/crmhub/plugins/activecampaign/plugin"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("The ActiveCampaign plugin", func() {
	var a account
	BeforeEach(func() { a = newAccount() })

	configured := func(ctx SpecContext) *plugin.Plugin {
		p := plugin.New()
		Expect(p.Configure(ctx, a.settings())).To(Succeed())
		return p
	}

	It("describes its settings with types, defaults and descriptions, the token secret", func(ctx SpecContext) {
		info, err := plugin.New().Info(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Name).To(Equal("activecampaign"))
		Expect(info.Webhooks.DefaultAction).To(Equal(sdk.ActionUpdate))
		for _, s := range info.Settings {
			Expect(s.Description).NotTo(BeEmpty(), s.Name)
			Expect(s.Secret).To(Equal(s.Name == "api_token"), s.Name)
		}
		timeout := info.Settings[slices.IndexFunc(info.Settings, func(s sdk.Setting) bool { return s.Name == "timeout" })]
		Expect(timeout.Type).To(Equal(sdk.TypeDuration))
		Expect(timeout.Default).To(Equal("20s"))
	})

	It("reports a refused key as Unauthenticated at Configure, and keeps no account", func(ctx SpecContext) {
		p := plugin.New()
		settings := maps.Clone(a.settings())
		settings["api_token"] = "wrong-s3cret"
		err := p.Configure(ctx, settings)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).NotTo(ContainSubstring("wrong-s3cret"))
		_, err = p.GetContact(ctx, a.anna)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "got %v", err)
	})

	It("reports a 404 or another 4xx at Configure (a mistyped base_url) as Invalid, a 408 as Retryable", func(ctx SpecContext) {
		for status, kind := range map[int]sdk.Kind{http.StatusNotFound: sdk.KindInvalid, http.StatusBadRequest: sdk.KindInvalid,
			http.StatusUnprocessableEntity: sdk.KindInvalid, http.StatusRequestTimeout: sdk.KindRetryable} {
			a.fake.Inject(fakeactivecampaign.Fault{Match: "GET /api/3/tags", Times: 1, Status: status,
				Header: http.Header{"Content-Type": {"text/html"}}, Body: "<html>error</html>"})
			err := plugin.New().Configure(ctx, a.settings())
			Expect(sdk.KindOf(err)).To(Equal(kind), "HTTP %d: got %v", status, err)
		}
	})

	It("reports an unreachable account as Retryable at Configure", func(ctx SpecContext) {
		a.fake.Inject(fakeactivecampaign.ServerError("GET /api/3/tags", 1))
		err := plugin.New().Configure(ctx, a.settings())
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "got %v", err)
	})

	It("names a contact's tags by id with their names, listing the tags again for a tag made since", func(ctx SpecContext) {
		p := configured(ctx)
		vip := a.fake.AddTag("VIP")
		a.fake.SetTags(a.anna, a.customer, vip)
		c, err := p.GetContact(ctx, a.anna)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Tags).To(ConsistOf(sdk.Tag{ID: a.customer, Name: "Customer"}, sdk.Tag{ID: vip, Name: "VIP"}))
		Expect(c.Fields).To(HaveKeyWithValue("lastName", "Muster"))

		a.fake.ResetCalls()
		_, err = p.GetContact(ctx, a.anna)
		Expect(err).NotTo(HaveOccurred())
		Expect(a.fake.CallCount("GET /api/3/tags")).To(BeZero(), "known tags cost no list")
	})

	It("lists the standard attributes and the custom fields", func(ctx SpecContext) {
		fields, err := configured(ctx).ListFields(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(fields).To(ContainElements(sdk.Field{ID: "firstName", Name: "First name"}, sdk.Field{ID: a.city, Name: "City"}))
	})

	It("writes a returned password to a custom field and a name to the attribute", func(ctx SpecContext) {
		pw := a.fake.AddField("WP Password")
		Expect(configured(ctx).UpdateContact(ctx, a.anna, map[string]string{pw: "n3w-pass", "firstName": "Anne"})).To(Succeed())
		c, _ := a.fake.Contact(a.anna)
		Expect(c.Fields[pw]).To(Equal("n3w-pass"))
		Expect(c.FirstName).To(Equal("Anne"))
	})

	It("refuses a field that is neither an attribute nor a field id, sending nothing", func(ctx SpecContext) {
		p := configured(ctx)
		a.fake.ResetCalls()
		err := p.UpdateContact(ctx, a.anna, map[string]string{"password": "x"})
		Expect(sdk.IsInvalid(err)).To(BeTrue(), "got %v", err)
		Expect(a.fake.Calls()).To(BeEmpty())
	})

	It("passes a 429's Retry-After on to the hub", func(ctx SpecContext) {
		p := configured(ctx)
		a.fake.Inject(fakeactivecampaign.Fault{Match: "GET /api/3/contacts/", Times: 1, Status: http.StatusTooManyRequests,
			Header: http.Header{"Retry-After": {"30"}, "Ratelimit-Limit": {"5"}, "Ratelimit-Remaining": {"0"}},
			Body:   `{"message":"Too Many Requests"}`})
		_, err := p.GetContact(ctx, a.anna)
		wait, ok := sdk.RetryAfter(err)
		Expect(ok).To(BeTrue(), "got %v", err)
		Expect(wait.Seconds()).To(Equal(30.0))
	})
})
