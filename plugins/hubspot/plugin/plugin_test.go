package plugin_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/hubspot/fakehubspot"
	"github.com/crmhub/crmhub/plugins/hubspot/plugin"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("the HubSpot plugin", func() {
	var fake *fakehubspot.Server
	BeforeEach(func() { fake = newFake() })

	It("declares update as the default action and its secrets", func(ctx SpecContext) {
		info, err := plugin.New().Info(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(info.Webhooks.DefaultAction).To(Equal(sdk.ActionUpdate))
		secret := map[string]bool{}
		for _, s := range info.Settings {
			secret[s.Name] = s.Secret
		}
		Expect(secret).To(Equal(map[string]bool{"base_url": false, "access_token": true, "client_secret": true,
			"allow_unsigned_workflows": false, "allow_v1_signatures": false, "tags": false, "properties": false, "timeout": false}))
		// The hub's own check of the schema passes with the defaults.
		_, err = sdk.CheckSettings(info.Settings, map[string]string{"access_token": token})
		Expect(err).NotTo(HaveOccurred())
	})

	Describe("Configure", func() {
		DescribeTable("rejects malformed settings as Invalid, naming the setting",
			func(key, value, want string) {
				err := plugin.New().Configure(context(), settingsFor(fake, key, value))
				Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
				Expect(err.Error()).To(ContainSubstring(want))
				Expect(err.Error()).NotTo(ContainSubstring(token))
			},
			Entry("tags", "tags", "property:", "setting tags"),
			Entry("a property name", "properties", "email,first name", "setting properties"),
			Entry("timeout", "timeout", "soon", "setting timeout"),
			Entry("an unknown key", "api_key", "x", `unknown setting "api_key"`),
			Entry("no token", "access_token", "", "access_token is empty"),
			Entry("a bad base_url", "base_url", "ftp://x", "base_url"),
			Entry("a bad bool", "allow_unsigned_workflows", "sometimes", "allow_unsigned_workflows"),
			Entry("a bad bool for v1", "allow_v1_signatures", "sometimes", "allow_v1_signatures"),
		)
		It("proves the token: a refused one is Unauthenticated, and not quoted", func(ctx SpecContext) {
			err := plugin.New().Configure(ctx, settingsFor(fake, "access_token", "pat-wrong-token-xyz"))
			Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "%v", err)
			Expect(err.Error()).NotTo(ContainSubstring("pat-wrong-token-xyz"))
			Expect(fake.Calls()).To(HaveLen(1))
		})
		It("keeps the old account when a new config fails", func(ctx SpecContext) {
			p := configured(ctx, settingsFor(fake))
			Expect(p.Configure(ctx, settingsFor(fake, "access_token", "pat-wrong"))).NotTo(Succeed())
			Expect(p.FindContact(ctx, "jane@example.com")).To(Equal(janeID))
		})
		It("answers Invalid for a 404 or another 4xx (a mistyped base_url): retrying would not help", func(ctx SpecContext) {
			fake.FailNext(1, http.StatusNotFound, nil, `{"status":"error","message":"Object not found.  objectId are usually numeric.","category":"OBJECT_NOT_FOUND"}`)
			err := plugin.New().Configure(ctx, settingsFor(fake))
			Expect(sdk.KindOf(err)).To(Equal(sdk.KindInvalid), "%v", err)
			fake.FailNext(1, http.StatusNotFound, nil, "<html>Not Found</html>")
			err = plugin.New().Configure(ctx, settingsFor(fake))
			Expect(sdk.KindOf(err)).To(Equal(sdk.KindInvalid), "%v", err)
			fake.FailNext(1, http.StatusBadRequest, nil, `{"status":"error","message":"bad request","category":"VALIDATION_ERROR"}`)
			err = plugin.New().Configure(ctx, settingsFor(fake))
			Expect(sdk.KindOf(err)).To(Equal(sdk.KindInvalid), "%v", err)
			fake.FailNext(1, http.StatusRequestTimeout, nil, "")
			err = plugin.New().Configure(ctx, settingsFor(fake))
			Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "%v", err)
		})
		It("answers Retryable while HubSpot is down", func(ctx SpecContext) {
			fake.FailNext(1, http.StatusServiceUnavailable, nil, "")
			err := plugin.New().Configure(ctx, settingsFor(fake))
			Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
		})
	})

	Describe("tags", func() {
		It("are the static lists by name, across membership pages, active lists left out", func(ctx SpecContext) {
			c, err := configured(ctx, settingsFor(fake)).GetContact(ctx, janeID)
			Expect(err).NotTo(HaveOccurred())
			Expect(c.Tags).To(Equal([]sdk.Tag{{ID: "11", Name: "Customers"}, {ID: "12", Name: "Webinar 2026"}, {ID: "14", Name: "Newsletter"}}))
			Expect(fake.Count("GET", "/crm/v3/lists/records/0-1/")).To(Equal(2))
		})
		It("name lists from a cache, refreshed when a membership names a new list", func(ctx SpecContext) {
			p := configured(ctx, settingsFor(fake))
			_, err := p.GetContact(ctx, janeID)
			Expect(err).NotTo(HaveOccurred())
			_, err = p.GetContact(ctx, janeID)
			Expect(err).NotTo(HaveOccurred())
			Expect(fake.Count("POST", "/crm/v3/lists/search")).To(Equal(1))

			fake.AddList("16", "VIP", fakehubspot.Manual)
			c, _ := fake.Contact(janeID)
			c.Lists = append(c.Lists, "16")
			fake.AddContact(c)
			got, err := p.GetContact(ctx, janeID)
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Tags).To(ContainElement(sdk.Tag{ID: "16", Name: "VIP"}))
			Expect(fake.Count("POST", "/crm/v3/lists/search")).To(Equal(2))
		})
		It("refresh the list names once, not on every call, for a list the search does not return", func(ctx SpecContext) {
			c, _ := fake.Contact(janeID)
			c.Lists = append(c.Lists, "99")
			fake.AddContact(c)
			p := configured(ctx, settingsFor(fake))
			for range 3 {
				got, err := p.GetContact(ctx, janeID)
				Expect(err).NotTo(HaveOccurred())
				Expect(got.Tags).To(HaveLen(3))
			}
			Expect(fake.Count("POST", "/crm/v3/lists/search")).To(Equal(1))
		})
		It("ListTags lists the static lists", func(ctx SpecContext) {
			tags, err := configured(ctx, settingsFor(fake)).ListTags(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(tags).To(Equal([]sdk.Tag{{ID: "11", Name: "Customers"}, {ID: "12", Name: "Webinar 2026"},
				{ID: "14", Name: "Newsletter"}, {ID: "15", Name: "Unused"}}))
		})
		It("are a property's ;-separated values with tags: property:<name>", func(ctx SpecContext) {
			p := configured(ctx, settingsFor(fake, "tags", "property:interests"))
			c, err := p.GetContact(ctx, janeID)
			Expect(err).NotTo(HaveOccurred())
			Expect(c.Tags).To(Equal([]sdk.Tag{{ID: "golf", Name: "golf"}, {ID: "tennis", Name: "tennis"}}))
			Expect(fake.Count("GET", "/crm/v3/lists/")).To(BeZero())
			tags, err := p.ListTags(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(tags).To(Equal([]sdk.Tag{{ID: "golf", Name: "golf"}, {ID: "tennis", Name: "tennis"}, {ID: "chess", Name: "chess"}}))
		})
	})

	It("reads only the configured properties, e-mail always", func(ctx SpecContext) {
		c, err := configured(ctx, settingsFor(fake, "properties", "firstname")).GetContact(ctx, janeID)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Email).To(Equal("jane@example.com"))
		Expect(c.Fields).To(HaveKeyWithValue("firstname", "Jane"))
		Expect(c.Fields).NotTo(HaveKey("city"))
	})

	Describe("the door", func() {
		const hookURL = "https://hub.example/hooks/hubspot?access_key=k"
		body := []byte(`[{"eventId":1,"subscriptionType":"contact.creation","objectId":701}]`)
		request := func(at time.Time, sign func(http.Header)) sdk.Request {
			h := http.Header{}
			sign(h)
			return sdk.Request{Method: "POST", URL: hookURL, Header: h, Body: body, ReceivedAt: at}
		}
		now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

		It("accepts what fakehubspot.Sign signs, and rejects it stale or under another secret", func(ctx SpecContext) {
			p := configured(ctx, settingsFor(fake, "client_secret", clientSecret))
			v, err := p.CheckWebhook(ctx, request(now, func(h http.Header) { fakehubspot.Sign(h, clientSecret, "POST", hookURL, body, now) }))
			Expect(err).NotTo(HaveOccurred())
			Expect(v.Decision).To(Equal(sdk.DecisionAccept))
			v, _ = p.CheckWebhook(ctx, request(now.Add(6*time.Minute), func(h http.Header) { fakehubspot.Sign(h, clientSecret, "POST", hookURL, body, now) }))
			Expect(v.Reason).To(Equal("stale timestamp"))
			v, _ = p.CheckWebhook(ctx, request(now, func(h http.Header) { fakehubspot.Sign(h, "other", "POST", hookURL, body, now) }))
			Expect(v.Reason).To(Equal("bad signature"))
			v, _ = p.CheckWebhook(ctx, request(now, func(h http.Header) { fakehubspot.SignV2(h, clientSecret, "POST", hookURL, body) }))
			Expect(v.Reason).To(Equal("v3 signature required"))
			v, _ = p.CheckWebhook(ctx, request(now, func(h http.Header) { fakehubspot.SignV1(h, clientSecret, body) }))
			Expect(v.Reason).To(Equal("v3 signature required"))
		})
		It("takes v1 and v2 signatures only with allow_v1_signatures", func(ctx SpecContext) {
			p := configured(ctx, settingsFor(fake, "client_secret", clientSecret, "allow_v1_signatures", "true"))
			v, _ := p.CheckWebhook(ctx, request(now, func(h http.Header) { fakehubspot.SignV2(h, clientSecret, "POST", hookURL, body) }))
			Expect(v.Decision).To(Equal(sdk.DecisionAccept))
			v, _ = p.CheckWebhook(ctx, request(now, func(h http.Header) { fakehubspot.SignV1(h, clientSecret, body) }))
			Expect(v.Decision).To(Equal(sdk.DecisionAccept))
			v, _ = p.CheckWebhook(ctx, request(now, func(h http.Header) { fakehubspot.SignV1(h, "other", body) }))
			Expect(v.Reason).To(Equal("bad signature"))
			v, _ = p.CheckWebhook(ctx, request(now, func(http.Header) {}))
			Expect(v.Reason).To(Equal("bad signature"))
			Expect(v.RejectStatus()).To(Equal(http.StatusUnauthorized))
		})
		It("accepts every request without a client secret", func(ctx SpecContext) {
			v, err := configured(ctx, settingsFor(fake)).CheckWebhook(ctx, request(now, func(http.Header) {}))
			Expect(err).NotTo(HaveOccurred())
			Expect(v.Decision).To(Equal(sdk.DecisionAccept))
		})
		It("takes unsigned workflow webhooks only with allow_unsigned_workflows", func(ctx SpecContext) {
			workflow := sdk.Request{Method: "POST", URL: hookURL, Body: []byte(`{"vid":701}`), ReceivedAt: now}
			v, _ := configured(ctx, settingsFor(fake, "client_secret", clientSecret)).CheckWebhook(ctx, workflow)
			Expect(v.Decision).To(Equal(sdk.DecisionReject))
			v, _ = configured(ctx, settingsFor(fake, "client_secret", clientSecret, "allow_unsigned_workflows", "true")).CheckWebhook(ctx, workflow)
			Expect(v.Decision).To(Equal(sdk.DecisionAccept))
		})
		It("is not open before Configure", func(ctx SpecContext) {
			_, err := plugin.New().CheckWebhook(ctx, request(now, func(http.Header) {}))
			Expect(err).To(HaveOccurred())
		})
	})

	It("decodes without Configure and without calling HubSpot", func(ctx SpecContext) {
		items, err := plugin.New().DecodeWebhook(ctx, sdk.RawWebhook{Method: "POST",
			Body: []byte(`[{"eventId":1,"subscriptionType":"contact.deletion","objectId":701},{"eventId":2,"subscriptionType":"contact.creation","objectId":702}]`)})
		Expect(err).NotTo(HaveOccurred())
		Expect(items).To(HaveLen(2))
		Expect(items[0].Action).To(Equal(sdk.ActionIgnore))
		Expect(items[1].ContactID).To(Equal("702"))
		Expect(fake.Calls()).To(BeEmpty())
	})
})
