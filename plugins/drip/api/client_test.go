package api_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/drip/api"
	"github.com/crmhub/crmhub/plugins/drip/fakedrip"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

const (
	account = "9999999"
	token   = "drip-token-not-in-errors"
)

func newClient(fake *fakedrip.Server, mods ...func(*api.Config)) *api.Client {
	cfg := api.Config{BaseURL: fake.URL, AccountID: account, Token: token}
	for _, mod := range mods {
		mod(&cfg)
	}
	c, err := api.New(cfg)
	Expect(err).NotTo(HaveOccurred())
	return c
}

var _ = Describe("The Drip API client", func() {
	var (
		fake   *fakedrip.Server
		client *api.Client
		john   string
	)
	BeforeEach(func() {
		fake = fakedrip.New(account, token)
		DeferCleanup(fake.Close)
		john = fake.AddSubscriber(fakedrip.Subscriber{ID: "z1togz2hcjrkpp5treip", Email: "john@acme.com",
			Attributes:   map[string]string{"first_name": "John"},
			CustomFields: map[string]string{"name": "John Doe"}, Tags: []string{"Customer", "SEO"}})
		client = newClient(fake)
	})

	It("keeps a burst's connections for the next, as the hub's workers call at once", func(ctx SpecContext) {
		opened, err := sdktest.BurstsOpen(fake.URL, 4, func(base string) (func() error, error) {
			c, err := api.New(api.Config{BaseURL: base, AccountID: account, Token: token})
			return func() error { _, err := c.GetSubscriber(ctx, john); return err }, err
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(opened).To(Equal(4))
	})

	It("gets a subscriber with Basic auth (token, empty password) and a User-Agent", func(ctx SpecContext) {
		sub, err := client.GetSubscriber(ctx, john)
		Expect(err).NotTo(HaveOccurred())
		Expect(sub.Contact()).To(Equal(sdk.Contact{ID: john, Email: "john@acme.com",
			Tags: []sdk.Tag{{ID: "Customer", Name: "Customer"}, {ID: "SEO", Name: "SEO"}},
			Fields: map[string]string{"name": "John Doe", "email": "john@acme.com", "first_name": "John", "last_name": "",
				"phone": "", "address1": "", "address2": "", "city": "", "state": "", "zip": "", "country": ""}}))
		call := fake.Calls()[0]
		Expect(call.Path).To(Equal("/v2/9999999/subscribers/" + john))
		Expect(call.Header.Get("Authorization")).To(Equal("Basic " + base64.StdEncoding.EncodeToString([]byte(token+":"))))
		Expect(call.Header.Get("User-Agent")).To(ContainSubstring("crmhub"))
	})

	It("finds a subscriber by e-mail, the address escaped in the path and kept out of errors", func(ctx SpecContext) {
		plus := fake.AddSubscriber(fakedrip.Subscriber{Email: "a+b/c@example.com"})
		sub, err := client.GetSubscriber(ctx, "a+b/c@example.com")
		Expect(err).NotTo(HaveOccurred())
		Expect(sub.ID).To(Equal(plus))

		_, err = client.GetSubscriber(ctx, "nobody@example.com")
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).NotTo(ContainSubstring("nobody"))
		Expect(err.Error()).To(ContainSubstring("not_found_error"))
	})

	It("answers NotFound for an unknown id and for text that is no id, without calling for the latter", func(ctx SpecContext) {
		_, err := client.GetSubscriber(ctx, "unknown404")
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "got %v", err)
		fake.ResetCalls()
		_, err = client.GetSubscriber(ctx, "../tags")
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "got %v", err)
		Expect(fake.Calls()).To(BeEmpty())
	})

	It("lists tag names and custom field identifiers", func(ctx SpecContext) {
		fake.AddCustomField("wp_password")
		Expect(client.Tags(ctx)).To(Equal([]string{"Customer", "SEO"}))
		Expect(client.CustomFields(ctx)).To(Equal([]string{"name", "wp_password"}))
	})

	It("writes custom fields and attributes by id, leaving others alone; NotFound for an unknown id", func(ctx SpecContext) {
		Expect(client.Update(ctx, john, map[string]string{"wp_password": "n3w", "last_name": "Doe"})).To(Succeed())
		sub, _ := fake.Subscriber(john)
		Expect(sub.CustomFields).To(Equal(map[string]string{"name": "John Doe", "wp_password": "n3w"}))
		Expect(sub.Attributes).To(Equal(map[string]string{"first_name": "John", "last_name": "Doe"}))
		Expect(fake.Calls()[0].Body).To(MatchJSON(`{"subscribers":[{"id":"` + john + `","last_name":"Doe","custom_fields":{"wp_password":"n3w"}}]}`))

		err := client.Update(ctx, "unknown404", map[string]string{"name": "x"})
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "got %v", err)
	})

	It("answers Unauthenticated for a refused token (401) and another account (403), never quoting the token", func(ctx SpecContext) {
		_, err := newClient(fake, func(c *api.Config) { c.Token = "wrong-s3cret" }).Tags(ctx)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).NotTo(ContainSubstring("wrong-s3cret"))

		_, err = newClient(fake, func(c *api.Config) { c.AccountID = "1234567" }).Tags(ctx)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("authorization_error"))
	})

	It("answers Invalid for a 422", func(ctx SpecContext) {
		fake.Inject(fakedrip.Fault{Match: "POST", Times: 1, Status: http.StatusUnprocessableEntity,
			Body: `{"errors":[{"code":"validation_error","message":"Email is invalid"}]}`})
		err := client.Update(ctx, john, map[string]string{"email": "x"})
		Expect(sdk.IsInvalid(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("Email is invalid"))
	})

	It("is held to the hourly limit by the fake; a 429 is Retryable after the configured wait, quoting the limit", func(ctx SpecContext) {
		fake.SetRateLimit(3, time.Hour)
		client = newClient(fake, func(c *api.Config) { c.RateLimitWait = 7 * time.Minute })
		for range 3 {
			_, err := client.GetSubscriber(ctx, john)
			Expect(err).NotTo(HaveOccurred())
		}
		_, err := client.GetSubscriber(ctx, john)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "got %v", err)
		wait, _ := sdk.RetryAfter(err)
		Expect(wait).To(Equal(7 * time.Minute))
		Expect(err.Error()).To(ContainSubstring("API rate limit exceeded"))
		Expect(err.Error()).To(ContainSubstring("limit 3, remaining 0"))
	})

	It("waits ten minutes after a 429 by default, and a Retry-After's time if Drip sends one", func(ctx SpecContext) {
		fake.Inject(fakedrip.RateLimited("GET", 1))
		_, err := client.GetSubscriber(ctx, john)
		wait, _ := sdk.RetryAfter(err)
		Expect(wait).To(Equal(api.DefaultRateLimitWait))

		fake.Inject(fakedrip.Fault{Match: "GET", Times: 1, Status: http.StatusTooManyRequests,
			Header: http.Header{"Retry-After": {"42"}}, Body: `{"message":"API rate limit exceeded."}`})
		_, err = client.GetSubscriber(ctx, john)
		wait, _ = sdk.RetryAfter(err)
		Expect(wait).To(Equal(42 * time.Second))
	})

	It("answers Retryable, briefly, when Drip is busy with the same subscriber, whatever the status", func(ctx SpecContext) {
		fake.Inject(fakedrip.Fault{Match: "POST", Times: 1, Status: http.StatusUnprocessableEntity,
			Body: `{"errors":[{"code":"too_many_requests","message":"Too many concurrent requests for the same subscriber"}]}`})
		err := client.Update(ctx, john, map[string]string{"name": "x"})
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "got %v", err)
		wait, _ := sdk.RetryAfter(err)
		Expect(wait).To(Equal(5 * time.Second))
	})

	It("answers Retryable for a 5xx and for a body that is not JSON", func(ctx SpecContext) {
		fake.Inject(fakedrip.ServerError("GET", 1))
		_, err := client.GetSubscriber(ctx, john)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "got %v", err)
		fake.Inject(fakedrip.Fault{Match: "GET", Times: 1, Status: 200, Body: `{"subscribers":[`})
		_, err = client.GetSubscriber(ctx, john)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "got %v", err)
	})

	It("gives up when the context ends while Drip stalls", func(ctx SpecContext) {
		release := fake.Stall()
		defer release()
		callCtx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := client.GetSubscriber(callCtx, john)
		Expect(err).To(MatchError(context.DeadlineExceeded))
	})

	DescribeTable("refuses a config it cannot use",
		func(cfg api.Config, says string) {
			_, err := api.New(cfg)
			Expect(err).To(MatchError(ContainSubstring(says)))
			Expect(err.Error()).NotTo(ContainSubstring("s3cret"))
		},
		Entry("an account id that is no number", api.Config{AccountID: "acme", Token: "t"}, "account_id"),
		Entry("no token", api.Config{AccountID: "1"}, "api_token is empty"),
		Entry("a base_url with a password", api.Config{BaseURL: "https://u:s3cret@api.getdrip.com", AccountID: "1", Token: "t"}, "must not carry"),
	)
})
