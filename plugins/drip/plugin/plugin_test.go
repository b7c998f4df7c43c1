package plugin_test

import (
	"maps"
	"net/http"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/drip/fakedrip"
	"github.com/crmhub/crmhub/plugins/drip/plugin"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("The Drip plugin", func() {
	var fake *fakedrip.Server
	BeforeEach(func() { fake = newFake() })

	configured := func(ctx SpecContext, extra ...string) *plugin.Plugin {
		s := settingsFor(fake)
		for i := 0; i+1 < len(extra); i += 2 {
			s[extra[i]] = extra[i+1]
		}
		p := plugin.New()
		Expect(p.Configure(ctx, s)).To(Succeed())
		return p
	}

	It("describes its settings with types, defaults and descriptions, the token secret", func(ctx SpecContext) {
		info, err := plugin.New().Info(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Name).To(Equal("drip"))
		for _, s := range info.Settings {
			Expect(s.Description).NotTo(BeEmpty(), s.Name)
			Expect(s.Secret).To(Equal(s.Name == "api_token"), s.Name)
		}
		wait := info.Settings[slices.IndexFunc(info.Settings, func(s sdk.Setting) bool { return s.Name == "rate_limit_wait" })]
		Expect(wait.Type).To(Equal(sdk.TypeDuration))
		Expect(wait.Default).To(Equal("10m"))
	})

	It("reports a refused token as Unauthenticated at Configure, never quoting it", func(ctx SpecContext) {
		s := maps.Clone(settingsFor(fake))
		s["api_token"] = "wrong-s3cret"
		err := plugin.New().Configure(ctx, s)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).NotTo(ContainSubstring("wrong-s3cret"))
	})

	It("reports a 404 or another 4xx at Configure (a mistyped base_url) as Invalid, a 408 as Retryable", func(ctx SpecContext) {
		for status, kind := range map[int]sdk.Kind{http.StatusNotFound: sdk.KindInvalid, http.StatusBadRequest: sdk.KindInvalid,
			http.StatusUnprocessableEntity: sdk.KindInvalid, http.StatusRequestTimeout: sdk.KindRetryable} {
			fake.Inject(fakedrip.Fault{Match: "GET /v2/", Times: 1, Status: status,
				Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"errors":[{"code":"not_found_error","message":"The resource you requested was not found"}]}`})
			err := plugin.New().Configure(ctx, settingsFor(fake))
			Expect(sdk.KindOf(err)).To(Equal(kind), "HTTP %d: got %v", status, err)
		}
	})

	It("reports Drip's 429 at Configure as Retryable with the configured wait", func(ctx SpecContext) {
		fake.Inject(fakedrip.RateLimited("GET /v2/", 1))
		s := maps.Clone(settingsFor(fake))
		s["rate_limit_wait"] = "3m"
		err := plugin.New().Configure(ctx, s)
		wait, ok := sdk.RetryAfter(err)
		Expect(ok).To(BeTrue(), "got %v", err)
		Expect(wait).To(Equal(3 * time.Minute))
	})

	It("lists tags with their names as ids, and the attributes and custom fields", func(ctx SpecContext) {
		p := configured(ctx)
		tags, err := p.ListTags(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(tags).To(ConsistOf(sdk.Tag{ID: "Customer", Name: "Customer"}, sdk.Tag{ID: "Lead", Name: "Lead"}, sdk.Tag{ID: "SEO", Name: "SEO"}))
		fields, err := p.ListFields(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(fields).To(ContainElements(sdk.Field{ID: "first_name", Name: "first_name"}, sdk.Field{ID: "name", Name: "name"}))
	})

	It("writes a returned password to a new custom field", func(ctx SpecContext) {
		Expect(configured(ctx).UpdateContact(ctx, johnID, map[string]string{"wp_password": "n3w-pass"})).To(Succeed())
		sub, _ := fake.Subscriber(johnID)
		Expect(sub.CustomFields).To(HaveKeyWithValue("wp_password", "n3w-pass"))
	})

	It("decodes a tag webhook to an update_tags item the hub fetches: the unsigned payload's tags are not taken", func(ctx SpecContext) {
		p := configured(ctx)
		items, err := p.DecodeWebhook(ctx, sdk.RawWebhook{Method: "POST", ContentType: "application/json",
			Body: fake.Webhook("subscriber.applied_tag", johnID, map[string]any{"tag": "SEO"})})
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(ConsistOf(And(HaveField("ContactID", johnID), HaveField("Action", sdk.ActionUpdateTags),
			HaveField("Contact", BeNil()))))
	})

	It("ignores a global webhook of another account once configured", func(ctx SpecContext) {
		other := fakedrip.New("1234567", token)
		DeferCleanup(other.Close)
		id := other.AddSubscriber(fakedrip.Subscriber{Email: "x@example.com"})
		items, err := configured(ctx).DecodeWebhook(ctx, sdk.RawWebhook{Method: "POST", ContentType: "application/json",
			Body: other.Webhook("subscriber.created", id, nil)})
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(ConsistOf(HaveField("Action", sdk.ActionIgnore)))
	})
})
