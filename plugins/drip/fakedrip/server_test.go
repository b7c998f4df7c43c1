package fakedrip_test

import (
	"encoding/json"
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/drip/fakedrip"
)

var _ = Describe("The fake Drip", func() {
	var fake *fakedrip.Server
	BeforeEach(func() {
		fake = fakedrip.New("9999999", "tok")
		DeferCleanup(fake.Close)
	})

	get := func(ctx SpecContext, path, user, password string) (*http.Response, string) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fake.URL+path, nil)
		Expect(err).NotTo(HaveOccurred())
		req.SetBasicAuth(user, password)
		resp, err := http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}

	It("answers the hourly limit's 429 with its message and X-RateLimit headers, without Retry-After", func(ctx SpecContext) {
		fake.SetRateLimit(2, time.Hour)
		for range 2 {
			resp, _ := get(ctx, "/v2/9999999/tags", "tok", "")
			Expect(resp.StatusCode).To(Equal(http.StatusOK))
		}
		resp, body := get(ctx, "/v2/9999999/tags", "tok", "")
		Expect(resp.StatusCode).To(Equal(http.StatusTooManyRequests))
		Expect(resp.Header.Get("X-RateLimit-Limit")).To(Equal("2"))
		Expect(resp.Header.Get("X-RateLimit-Remaining")).To(Equal("0"))
		Expect(resp.Header.Get("Retry-After")).To(BeEmpty())
		Expect(body).To(ContainSubstring("API rate limit exceeded. Please try again in an hour."))
	})

	It("answers 401 to a wrong token or a password, 403 authorization_error to another account", func(ctx SpecContext) {
		resp, _ := get(ctx, "/v2/9999999/tags", "wrong", "")
		Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized))
		resp, _ = get(ctx, "/v2/9999999/tags", "tok", "x")
		Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized))
		resp, body := get(ctx, "/v2/1234567/tags", "tok", "")
		Expect(resp.StatusCode).To(Equal(http.StatusForbidden))
		Expect(body).To(ContainSubstring(`"code":"authorization_error"`))
	})

	It("answers a subscriber in Drip's envelope and 404 not_found_error for none", func(ctx SpecContext) {
		id := fake.AddSubscriber(fakedrip.Subscriber{Email: "john@acme.com", Tags: []string{"Customer"}})
		Expect(id).To(MatchRegexp(`^[a-z0-9]{20}$`))
		_, body := get(ctx, "/v2/9999999/subscribers/john%40acme.com", "tok", "")
		var answer struct {
			Links       map[string]string `json:"links"`
			Subscribers []map[string]any  `json:"subscribers"`
		}
		Expect(json.Unmarshal([]byte(body), &answer)).To(Succeed())
		Expect(answer.Links).NotTo(BeEmpty())
		Expect(answer.Subscribers).To(HaveLen(1))
		Expect(answer.Subscribers[0]).To(HaveKeyWithValue("id", id))
		Expect(answer.Subscribers[0]).To(HaveKeyWithValue("tags", ConsistOf("Customer")))

		resp, body := get(ctx, "/v2/9999999/subscribers/nobody", "tok", "")
		Expect(resp.StatusCode).To(Equal(http.StatusNotFound))
		Expect(body).To(MatchJSON(`{"errors":[{"code":"not_found_error","message":"The resource you requested was not found"}]}`))
	})

	It("builds a global webhook as Drip posts it", func() {
		id := fake.AddSubscriber(fakedrip.Subscriber{Email: "john@acme.com", Tags: []string{"Customer"}})
		var hook struct {
			Event string `json:"event"`
			Data  struct {
				AccountID  string            `json:"account_id"`
				Subscriber map[string]any    `json:"subscriber"`
				Properties map[string]string `json:"properties"`
			} `json:"data"`
			OccurredAt string `json:"occurred_at"`
		}
		Expect(json.Unmarshal(fake.Webhook("subscriber.applied_tag", id, map[string]any{"tag": "Customer"}), &hook)).To(Succeed())
		Expect(hook.Event).To(Equal("subscriber.applied_tag"))
		Expect(hook.Data.AccountID).To(Equal("9999999"))
		Expect(hook.Data.Subscriber).To(HaveKeyWithValue("id", id))
		Expect(hook.Data.Properties).To(HaveKeyWithValue("tag", "Customer"))
		Expect(hook.OccurredAt).NotTo(BeEmpty())
	})
})
