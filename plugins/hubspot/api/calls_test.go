package api_test

import (
	"context"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/hubspot/api"
	"github.com/crmhub/crmhub/plugins/hubspot/fakehubspot"
	"github.com/crmhub/crmhub/sdk"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

const token = "pat-na1-11111111-2222-3333-4444-555555555555"

var _ = Describe("the HubSpot client", func() {
	var (
		fake   *fakehubspot.Server
		client *api.Client
	)
	BeforeEach(func() {
		fake = fakehubspot.New(token)
		DeferCleanup(fake.Close)
		fake.AddProperty("city", "City")
		for _, l := range []string{"1", "2", "3", "4", "5"} {
			fake.AddList(l, "List "+l, fakehubspot.Manual)
		}
		fake.AddContact(fakehubspot.Contact{ID: "701", Properties: map[string]string{"email": "jane@example.com", "firstname": "Jane"},
			Lists: []string{"1", "2", "3", "4", "5"}})
		var err error
		client, err = api.New(api.Config{BaseURL: fake.URL, AccessToken: token})
		Expect(err).NotTo(HaveOccurred())
	})

	It("gets a contact's properties as strings, unset ones empty", func(ctx SpecContext) {
		c, err := client.GetContact(ctx, "701", []string{"email", "firstname", "phone"})
		Expect(err).NotTo(HaveOccurred())
		Expect(c.ID).To(Equal("701"))
		Expect(c.Properties).To(HaveKeyWithValue("firstname", "Jane"))
		Expect(c.Properties).NotTo(HaveKey("phone"))
		Expect(fake.Calls()[0].Query).To(Equal("properties=email&properties=firstname&properties=phone"))
	})
	It("keeps a burst's connections for the next, as the hub's workers call at once", func(ctx SpecContext) {
		opened, err := sdktest.BurstsOpen(fake.URL, 4, func(base string) (func() error, error) {
			c, err := api.New(api.Config{BaseURL: base, AccessToken: token})
			return func() error { _, err := c.GetContact(ctx, "701", nil); return err }, err
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(opened).To(Equal(4))
	})
	It("maps 404 OBJECT_NOT_FOUND to NotFound", func(ctx SpecContext) {
		_, err := client.GetContact(ctx, "404", nil)
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring("Object not found"))
	})
	It("maps a 404 without OBJECT_NOT_FOUND (a wrong base URL) to Invalid, not NotFound", func(ctx SpecContext) {
		fake.FailNext(1, http.StatusNotFound, nil, "<html>Not Found</html>")
		_, err := client.GetContact(ctx, "701", nil)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindInvalid), "%v", err)
	})
	It("maps 401 to Unauthenticated and never puts the token in the error", func(ctx SpecContext) {
		other, err := api.New(api.Config{BaseURL: fake.URL, AccessToken: "pat-wrong-secret-token"})
		Expect(err).NotTo(HaveOccurred())
		_, err = other.GetContact(ctx, "701", nil)
		Expect(sdk.IsUnauthenticated(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).NotTo(ContainSubstring("pat-wrong-secret-token"))
	})
	It("maps 429 to Retryable with Retry-After's wait", func(ctx SpecContext) {
		fake.RateLimitNext(1, "SECONDLY", "3")
		_, err := client.GetContact(ctx, "701", nil)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
		Expect(wait(err)).To(Equal(3 * time.Second))
	})
	It("waits a second on a secondly 429 without Retry-After, an hour on a daily one", func(ctx SpecContext) {
		fake.RateLimitNext(1, "SECONDLY", "")
		_, err := client.GetContact(ctx, "701", nil)
		Expect(wait(err)).To(Equal(time.Second))
		fake.RateLimitNext(1, "DAILY", "")
		_, err = client.GetContact(ctx, "701", nil)
		Expect(wait(err)).To(Equal(time.Hour))
		Expect(err.Error()).To(ContainSubstring("daily limit"))
	})
	It("waits the rolling interval when the ten-second budget is spent", func(ctx SpecContext) {
		fake.FailNext(1, http.StatusTooManyRequests, http.Header{
			"X-Hubspot-Ratelimit-Remaining": {"0"}, "X-Hubspot-Ratelimit-Interval-Milliseconds": {"10000"},
			"X-Hubspot-Ratelimit-Secondly-Remaining": {"5"}, "X-Hubspot-Ratelimit-Daily-Remaining": {"100"},
		}, `{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}`)
		_, err := client.GetContact(ctx, "701", nil)
		Expect(wait(err)).To(Equal(10 * time.Second))
	})
	It("maps 5xx to Retryable and other 4xx to Invalid with HubSpot's message", func(ctx SpecContext) {
		fake.FailNext(1, http.StatusBadGateway, nil, "")
		_, err := client.GetContact(ctx, "701", nil)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
		err = client.UpdateContact(ctx, "701", map[string]string{"nope": "x"})
		Expect(sdk.IsInvalid(err)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring(`Property \"nope\" does not exist`))
	})
	It("finds a contact by e-mail, and NotFound for none", func(ctx SpecContext) {
		Expect(client.FindContact(ctx, "jane@example.com")).To(Equal("701"))
		_, err := client.FindContact(ctx, "nobody@example.com")
		Expect(sdk.IsNotFound(err)).To(BeTrue(), "%v", err)
	})
	It("meets the search endpoint's 4 per second as Retryable after a second", func(ctx SpecContext) {
		frozen := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		fake.SetClock(func() time.Time { return frozen })
		for range fakehubspot.SearchPerSecond {
			Expect(client.FindContact(ctx, "jane@example.com")).To(Equal("701"))
		}
		_, err := client.FindContact(ctx, "jane@example.com")
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable), "%v", err)
		Expect(wait(err)).To(Equal(time.Second))
	})
	It("follows membership pages to the end", func(ctx SpecContext) {
		Expect(client.Memberships(ctx, "701")).To(Equal([]string{"1", "2", "3", "4", "5"}))
		Expect(fake.Count("GET", "/crm/v3/lists/records/0-1/701/memberships")).To(Equal(3))
	})
	It("lists every list across search pages, with ids given as numbers too", func(ctx SpecContext) {
		lists, err := client.Lists(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(lists).To(HaveLen(5))
		Expect(lists[0].Name).To(Equal("List 1"))
		Expect(lists[0].Static()).To(BeTrue())
		fake.FailNext(1, http.StatusOK, nil, `{"lists":[{"listId":9007199254740993,"name":"Big","processingType":"DYNAMIC"}],"hasMore":false,"offset":1}`)
		lists, err = client.Lists(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(lists[0].ID)).To(Equal("9007199254740993"))
		Expect(lists[0].Static()).To(BeFalse())
	})
	It("updates properties", func(ctx SpecContext) {
		Expect(client.UpdateContact(ctx, "701", map[string]string{"city": "Köln"})).To(Succeed())
		c, _ := fake.Contact("701")
		Expect(c.Properties).To(HaveKeyWithValue("city", "Köln"))
	})
	It("gives up a stalled call when its context ends", func(ctx SpecContext) {
		release := fake.Stall()
		DeferCleanup(release)
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := client.GetContact(short, "701", nil)
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
		Expect(err).To(MatchError(context.DeadlineExceeded))
	})
})

// wait is the retry delay err asks for, 0 for none.
func wait(err error) time.Duration {
	d, _ := sdk.RetryAfter(err)
	return d
}
