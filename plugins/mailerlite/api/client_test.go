package api_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/mailerlite/api"
	"github.com/crmhub/crmhub/plugins/mailerlite/fakemailerlite"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

const (
	apiKey = "mailerlite-key-not-in-errors"
	annaID = "112375610569918142"
)

func newFake() *fakemailerlite.Server {
	fake := fakemailerlite.New(apiKey)
	DeferCleanup(fake.Close)
	customer := fake.AddGroup("Customer")
	fake.AddSubscriber(fakemailerlite.Subscriber{ID: annaID, Email: "anna@example.com", Groups: []string{customer},
		Fields: map[string]string{"name": "Anna", "city": "Köln"}})
	return fake
}

func newClient(fake *fakemailerlite.Server, key ...string) *api.Client {
	k := apiKey
	if len(key) > 0 {
		k = key[0]
	}
	c, err := api.New(api.Config{APIKey: k, BaseURL: fake.URL})
	Expect(err).NotTo(HaveOccurred())
	return c
}

var _ = Describe("The MailerLite API client", func() {
	Describe("reading", func() {
		It("keeps a burst's connections for the next, as the hub's workers call at once", func(ctx SpecContext) {
			opened, err := sdktest.BurstsOpen(newFake().URL, 4, func(base string) (func() error, error) {
				c, err := api.New(api.Config{APIKey: apiKey, BaseURL: base})
				return func() error { _, err := c.Subscriber(ctx, annaID); return err }, err
			})
			Expect(err).NotTo(HaveOccurred())
			Expect(opened).To(Equal(4))
		})

		It("gets a subscriber by id with its fields (null as empty) and groups, the id exact", func(ctx SpecContext) {
			s, err := newClient(newFake()).Subscriber(ctx, annaID)
			Expect(err).NotTo(HaveOccurred())
			Expect(s.ID).To(Equal(annaID))
			Expect(s.Email).To(Equal("anna@example.com"))
			Expect(s.Groups).To(HaveLen(1))
			Expect(s.Groups[0].Name).To(Equal("Customer"))
			Expect(s.Fields).To(HaveKeyWithValue("name", "Anna"))
			Expect(s.Fields).To(HaveKeyWithValue("company", ""))
		})

		It("finds a subscriber by e-mail address", func(ctx SpecContext) {
			s, err := newClient(newFake()).Subscriber(ctx, "anna@example.com")
			Expect(err).NotTo(HaveOccurred())
			Expect(s.ID).To(Equal(annaID))
		})

		It("never puts the e-mail address it looks up into an error", func(ctx SpecContext) {
			fake := newFake()
			_, err := newClient(fake).Subscriber(ctx, "nobody.here@example.com")
			Expect(sdk.IsNotFound(err)).To(BeTrue(), "%v", err)
			Expect(err.Error()).NotTo(ContainSubstring("nobody.here"))
			fake.Inject(fakemailerlite.ServerError("GET /api/subscribers/", 1))
			_, err = newClient(fake).Subscriber(ctx, "anna@example.com")
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).NotTo(ContainSubstring("anna"))
			Expect(err.Error()).To(ContainSubstring("<e-mail>"))
		})

		It("reads every group and field across pages", func(ctx SpecContext) {
			fake := newFake()
			for i := range 250 {
				fake.AddGroup(fmt.Sprintf("group %d", i))
			}
			for i := range 120 {
				fake.AddField(fmt.Sprintf("custom_%d", i), fmt.Sprintf("Custom %d", i))
			}
			c := newClient(fake)
			groups, err := c.Groups(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(groups).To(HaveLen(251))
			fields, err := c.Fields(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(fields).To(HaveLen(128))
			Expect(fields[127].Key).To(Equal("custom_119"))
		})

		It("reads ids written as numbers without losing digits", func() {
			var got struct{ ID api.ID }
			Expect(jsonUnmarshal(`{"ID":112375610569918142}`, &got)).To(Succeed())
			Expect(string(got.ID)).To(Equal(annaID))
		})
	})

	Describe("writing", func() {
		It("writes fields and leaves the others", func(ctx SpecContext) {
			fake := newFake()
			Expect(newClient(fake).UpdateFields(ctx, annaID, map[string]string{"last_name": "Schmidt"})).To(Succeed())
			s, _ := fake.Subscriber(annaID)
			Expect(s.Fields).To(HaveKeyWithValue("last_name", "Schmidt"))
			Expect(s.Fields).To(HaveKeyWithValue("name", "Anna"))
		})

		It("maps 422 to Invalid with MailerLite's reasons", func(ctx SpecContext) {
			err := newClient(newFake()).UpdateFields(ctx, annaID, map[string]string{"nope": "x"})
			Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
			Expect(err).To(MatchError(ContainSubstring("The given data was invalid. (fields.nope: The selected fields.nope is invalid.)")))
		})
	})

	Describe("errors", func() {
		It("maps 401 Unauthenticated. to Unauthenticated, never quoting the key", func(ctx SpecContext) {
			_, err := newClient(newFake(), "wrong-key-s3cret").Subscriber(ctx, annaID)
			Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "%v", err)
			Expect(err).To(MatchError(ContainSubstring("Unauthenticated.")))
			Expect(err.Error()).NotTo(ContainSubstring("s3cret"))
		})

		It("maps 404 of a subscriber to NotFound, of an endpoint to Invalid", func(ctx SpecContext) {
			fake := newFake()
			_, err := newClient(fake).Subscriber(ctx, "112375610569999999")
			Expect(sdk.IsNotFound(err)).To(BeTrue(), "%v", err)
			c, _ := api.New(api.Config{APIKey: apiKey, BaseURL: fake.URL + "/v2"})
			Expect(sdk.IsInvalid(c.CheckAccess(ctx))).To(BeTrue())
		})

		It("honours the rate limit: a 429 asks to retry when MailerLite's window ends", func(ctx SpecContext) {
			fake := newFake()
			fake.SetRateLimit(3, time.Hour)
			c := newClient(fake)
			for range 3 {
				_, err := c.Subscriber(ctx, annaID)
				Expect(err).NotTo(HaveOccurred())
			}
			_, err := c.Subscriber(ctx, annaID)
			Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "%v", err)
			Expect(err).To(MatchError(ContainSubstring("Too Many Attempts.")))
			wait, ok := sdk.RetryAfter(err)
			Expect(ok).To(BeTrue())
			Expect(wait).To(BeNumerically(">", 50*time.Minute), "Retry-After names the end of the hour's window")
		})

		DescribeTable("reads the wait of a 429 from its headers",
			func(header http.Header, want time.Duration) {
				fake := newFake()
				fake.Inject(fakemailerlite.Fault{Times: 1, Status: http.StatusTooManyRequests, Header: header, Body: `{"message":"Too Many Attempts."}`})
				now := time.Unix(1_800_000_000, 0)
				c, _ := api.New(api.Config{APIKey: apiKey, BaseURL: fake.URL, Now: func() time.Time { return now }})
				_, err := c.Subscriber(context.Background(), annaID)
				wait, _ := sdk.RetryAfter(err)
				Expect(wait).To(Equal(want))
			},
			Entry("Retry-After in seconds", http.Header{"Retry-After": {"42"}}, 42*time.Second),
			Entry("X-RateLimit-Reset alone", http.Header{"X-Ratelimit-Reset": {"1800000030"}}, 31*time.Second),
			Entry("neither: a minute, MailerLite's window", http.Header{}, time.Minute),
		)

		It("maps a 5xx to Retryable", func(ctx SpecContext) {
			fake := newFake()
			fake.Inject(fakemailerlite.ServerError("", 1))
			_, err := newClient(fake).Subscriber(ctx, annaID)
			Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
			Expect(err).To(MatchError(ContainSubstring("503")))
		})

		It("gives up when the call's context ends while MailerLite hangs", func() {
			fake := newFake()
			release := fake.Stall()
			defer release()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { _, err := newClient(fake).Subscriber(ctx, annaID); done <- err }()
			Eventually(fake.Calls).Should(Equal(1))
			cancel()
			Eventually(done).Should(Receive(MatchError(ContainSubstring("context canceled"))))
		})
	})
})
