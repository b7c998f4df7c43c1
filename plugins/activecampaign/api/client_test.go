package api_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/activecampaign/api"
	"github.com/crmhub/crmhub/plugins/activecampaign/fakeactivecampaign"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

const token = "ac-token-not-in-errors"

func newClient(fake *fakeactivecampaign.Server, tok string) *api.Client {
	c, err := api.New(api.Config{BaseURL: fake.URL, Token: tok})
	Expect(err).NotTo(HaveOccurred())
	return c
}

var _ = Describe("The ActiveCampaign API client", func() {
	var (
		fake   *fakeactivecampaign.Server
		client *api.Client
		anna   string
		city   string
	)
	BeforeEach(func() {
		fake = fakeactivecampaign.New(token)
		DeferCleanup(fake.Close)
		fake.SetRateLimit(0, 0, 0)
		customer := fake.AddTag("Customer")
		city = fake.AddField("City")
		anna = fake.AddContact(fakeactivecampaign.Contact{Email: "anna@example.com", FirstName: "Anna",
			Tags: []string{customer}, Fields: map[string]string{city: "Köln"}})
		client = newClient(fake, token)
	})

	It("keeps a burst's connections for the next, as the hub's workers call at once", func(ctx SpecContext) {
		opened, err := sdktest.BurstsOpen(fake.URL, 4, func(base string) (func() error, error) {
			c, err := api.New(api.Config{BaseURL: base, Token: token})
			return func() error { _, err := c.GetContact(ctx, anna); return err }, err
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(opened).To(Equal(4))
	})

	It("gets a contact with its field values and tag ids, sending the Api-Token", func(ctx SpecContext) {
		c, err := client.GetContact(ctx, anna)
		Expect(err).NotTo(HaveOccurred())
		Expect(c).To(Equal(api.Contact{ID: anna, Email: "anna@example.com", FirstName: "Anna",
			FieldValues: map[string]string{city: "Köln"}, TagIDs: []string{"1"}}))
		Expect(fake.Calls()[0].Header.Get("Api-Token")).To(Equal(token))
	})

	It("answers NotFound for an unknown id, with ActiveCampaign's message", func(ctx SpecContext) {
		_, err := client.GetContact(ctx, "100")
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("No Result found for Subscriber with id 100"))
	})

	It("answers NotFound for a deleted contact, which ActiveCampaign still returns", func(ctx SpecContext) {
		fake.Delete(anna)
		_, err := client.GetContact(ctx, anna)
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "got %v", err)
	})

	It("answers NotFound for an id that is no number, without calling", func(ctx SpecContext) {
		_, err := client.GetContact(ctx, "../tags")
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "got %v", err)
		Expect(fake.Calls()).To(BeEmpty())
	})

	It("finds a contact by e-mail, URL-encoded, and NotFound for none", func(ctx SpecContext) {
		plus := fake.AddContact(fakeactivecampaign.Contact{Email: "a+b@example.com"})
		Expect(client.FindContact(ctx, "a+b@example.com")).To(Equal(plus))
		_, err := client.FindContact(ctx, "nobody@example.com")
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "got %v", err)
	})

	It("reads every page of the tags and fields", func(ctx SpecContext) {
		for i := range 230 {
			fake.AddTag(fmt.Sprintf("tag %d", i))
		}
		tags, err := client.Tags(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(tags).To(HaveLen(231))
		Expect(tags[230]).To(Equal(api.Tag{ID: "231", Name: "tag 229", Type: "contact"}))
		Expect(fake.CallCount("GET /api/3/tags")).To(Equal(3))

		fields, err := client.Fields(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(fields).To(Equal([]api.Field{{ID: city, Title: "City"}}))
	})

	It("writes custom fields and attributes, leaving others alone", func(ctx SpecContext) {
		Expect(client.UpdateContact(ctx, anna, api.Changes{Attributes: map[string]string{"lastName": "Muster"},
			FieldValues: map[string]string{city: "Bonn"}})).To(Succeed())
		c, _ := fake.Contact(anna)
		Expect(c.Fields).To(Equal(map[string]string{city: "Bonn"}))
		Expect(c.LastName).To(Equal("Muster"))
		Expect(c.FirstName).To(Equal("Anna"))
		err := client.UpdateContact(ctx, "999", api.Changes{FieldValues: map[string]string{city: "x"}})
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "got %v", err)
	})

	It("answers Invalid for a field ActiveCampaign rejects (422)", func(ctx SpecContext) {
		err := client.UpdateContact(ctx, anna, api.Changes{FieldValues: map[string]string{"77": "x"}})
		Expect(sdk.IsInvalid(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("Field does not exist"))
	})

	It("answers Unauthenticated for a refused key, never quoting it", func(ctx SpecContext) {
		_, err := newClient(fake, "wrong-key-secret").GetContact(ctx, anna)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).NotTo(ContainSubstring("wrong-key-secret"))
	})

	It("is held to 5 requests per window by the fake, and a 429 is Retryable with Retry-After's wait", func(ctx SpecContext) {
		fake.SetRateLimit(5, time.Hour, 30*time.Second)
		for range 5 {
			_, err := client.GetContact(ctx, anna)
			Expect(err).NotTo(HaveOccurred())
		}
		_, err := client.GetContact(ctx, anna)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "got %v", err)
		wait, _ := sdk.RetryAfter(err)
		Expect(wait).To(Equal(30 * time.Second))
		last := fake.Calls()[5]
		Expect(last.Status).To(Equal(http.StatusTooManyRequests))
	})

	It("waits a second after a 429 without Retry-After", func(ctx SpecContext) {
		fake.Inject(fakeactivecampaign.Fault{Match: "GET", Times: 1, Status: http.StatusTooManyRequests,
			Body: `{"message":"Too Many Requests"}`})
		_, err := client.GetContact(ctx, anna)
		wait, _ := sdk.RetryAfter(err)
		Expect(wait).To(Equal(time.Second))
	})

	It("answers Retryable for a 5xx and an answer that is no JSON, quoting the start", func(ctx SpecContext) {
		fake.Inject(fakeactivecampaign.ServerError("GET /api/3/contacts/", 1))
		_, err := client.GetContact(ctx, anna)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("HTTP 503"))

		fake.Inject(fakeactivecampaign.Fault{Match: "GET", Times: 1, Status: 200, Body: `{"contact":`})
		_, err = client.GetContact(ctx, anna)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "got %v", err)
	})

	It("answers Invalid for a list at a URL that is not ActiveCampaign's (404 without a subject)", func(ctx SpecContext) {
		fake.Inject(fakeactivecampaign.Fault{Match: "GET /api/3/tags", Times: 1, Status: 404, Body: "nope"})
		_, err := client.Tags(ctx)
		Expect(sdk.IsInvalid(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("check base_url"))
	})

	It("gives up when the context ends while ActiveCampaign stalls", func(ctx SpecContext) {
		release := fake.Stall()
		defer release()
		callCtx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := client.GetContact(callCtx, anna)
		Expect(err).To(MatchError(context.Canceled))
	})

	DescribeTable("refuses a base_url it cannot use",
		func(raw, says string) {
			_, err := api.New(api.Config{BaseURL: raw, Token: "t"})
			Expect(err).To(MatchError(ContainSubstring(says)))
			Expect(err.Error()).NotTo(ContainSubstring("s3cret"))
		},
		Entry("empty", "", "base_url is empty"),
		Entry("ftp", "ftp://x.api-us1.com", "https://"),
		Entry("with a password", "https://u:s3cret@x.api-us1.com", "must not carry a user"),
		Entry("with a query", "https://x.api-us1.com/?a=1", "query"),
	)
})
