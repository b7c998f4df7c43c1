package acme_test

import (
	"context"
	"errors"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/example/acme"
	"github.com/crmhub/crmhub/sdk/example/acme/acmetest"
	"github.com/crmhub/crmhub/sdk/example/acmefake"
)

var _ = Describe("the Acme plugin's settings (Configure)", func() {
	var fake *acmefake.Server
	BeforeEach(func() {
		fake = acmefake.New()
		DeferCleanup(fake.Close)
	})

	It("declares typed settings with defaults that the hub fills in", func(ctx SpecContext) {
		info, err := acme.New().Info(ctx)
		Expect(err).NotTo(HaveOccurred())
		settings, err := sdk.CheckSettings(info.Settings, acmetest.Settings(fake))
		Expect(err).NotTo(HaveOccurred())
		Expect(settings).To(HaveKeyWithValue("max_age", "5m"))
		Expect(settings).To(HaveKeyWithValue("page_size", "100"))
		Expect(settings).To(HaveKeyWithValue("ignore_events", "contact.viewed"))
		Expect(settings).To(HaveKeyWithValue("carry_contacts", "true"))

		_, err = sdk.CheckSettings(info.Settings, map[string]string{"base_url": fake.URL, "page_size": "lots"})
		Expect(err).To(MatchError(And(ContainSubstring("api_key: is required"), ContainSubstring(`page_size: "lots" is not a whole number`))))
	})

	It("reads tags in pages of page_size", func(ctx SpecContext) {
		plugin := configured(ctx, fake, map[string]string{"page_size": "2"})
		before := fake.Requests()
		tags, err := plugin.ListTags(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(tags).To(HaveLen(3))
		Expect(fake.Requests() - before).To(Equal(2))
	})

	DescribeTable("answers Invalid for settings that cannot be right, naming the setting and no secret",
		func(ctx SpecContext, extra map[string]string, problem string) {
			err := acme.New().Configure(ctx, hubSettings(ctx, fake, extra))
			Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
			Expect(err).To(MatchError(ContainSubstring(problem)))
			Expect(err.Error()).NotTo(ContainSubstring("sk_live_oops"))
		},
		Entry("base_url not http(s)", map[string]string{"base_url": "ftp://acme.example"}, `setting base_url: "ftp://acme.example" is not an http(s) address`),
		Entry("api_key of another CRM", map[string]string{"api_key": "sk_live_oops"}, "setting api_key: an Acme API key starts with acme_"),
		Entry("page_size out of range", map[string]string{"page_size": "1000"}, "setting page_size: 1000 is not between 1 and 500"),
	)

	It("answers Unauthenticated when Acme refuses the key, naming no secret", func(ctx SpecContext) {
		err := acme.New().Configure(ctx, hubSettings(ctx, fake, map[string]string{"api_key": "acme_live_revoked00"}))
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "%v", err)
		Expect(err).To(MatchError("check the api_key with Acme: Acme refused the api_key: Acme answered 401 invalid_api_key: The API key is not valid for any account"))
	})

	It("answers Retryable when Acme is down", func(ctx SpecContext) {
		fake.Fail(http.StatusServiceUnavailable)
		err := acme.New().Configure(ctx, hubSettings(ctx, fake, nil))
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "%v", err)
		Expect(sdk.IsTerminal(err)).To(BeFalse())
	})

	It("keeps serving with its previous settings after a Configure that fails", func(ctx SpecContext) {
		plugin := configured(ctx, fake, nil)
		for _, extra := range []map[string]string{{"api_key": "acme_live_revoked00"}, {"page_size": "0"}} {
			Expect(plugin.Configure(ctx, hubSettings(ctx, fake, extra))).NotTo(Succeed())
			Expect(plugin.GetContact(ctx, acmefake.Anna.ID)).To(HaveField("Email", acmefake.Anna.Email))
		}
	})

	It("answers Unauthenticated before it is configured, so the hub configures it first", func(ctx SpecContext) {
		_, err := acme.New().GetContact(ctx, acmefake.Anna.ID)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "%v", err)
	})
})

var _ = Describe("the Acme plugin's calls to Acme", func() {
	var (
		fake   *acmefake.Server
		plugin *acme.Plugin
	)
	BeforeEach(func(ctx SpecContext) {
		fake = acmefake.New()
		DeferCleanup(fake.Close)
		plugin = configured(ctx, fake, nil)
	})

	It("passes on Acme's Retry-After when rate-limited", func(ctx SpecContext) {
		fake.RateLimit(1, 7*time.Second)
		_, err := plugin.GetContact(ctx, acmefake.Anna.ID)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
		after, ok := sdk.RetryAfter(err)
		Expect(ok).To(BeTrue())
		Expect(after).To(Equal(7 * time.Second))
		Expect(err).To(MatchError(ContainSubstring("Acme's rate limit: Acme answered 429 rate_limited")))
		Expect(plugin.GetContact(ctx, acmefake.Anna.ID)).To(HaveField("ID", acmefake.Anna.ID), "the next call gets through")
	})

	It("answers NotFound for an id Acme does not have, and for an address no contact has", func(ctx SpecContext) {
		_, err := plugin.GetContact(ctx, "c_404")
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "%v", err)
		Expect(err).To(MatchError("get contact c_404: Acme answered 404 contact_not_found: No contact with id c_404"))
		_, err = plugin.FindContact(ctx, "nobody@example.com")
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "%v", err)
		Expect(plugin.UpdateContact(ctx, "c_404", map[string]string{"city": "Kiel"})).To(Satisfy(sdk.IsNotFound))
	})

	It("answers Invalid for a field Acme does not have", func(ctx SpecContext) {
		err := plugin.UpdateContact(ctx, acmefake.Anna.ID, map[string]string{"shoe_size": "42"})
		Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
	})

	It("gives up with the hub when Acme stalls: the call's ctx ends the request", func(ctx SpecContext) {
		release := fake.Stall()
		DeferCleanup(release)
		callCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		_, err := plugin.GetContact(callCtx, acmefake.Anna.ID)
		Expect(errors.Is(err, context.DeadlineExceeded)).To(BeTrue(), "%v", err)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
	})
})
