package fakeactivecampaign_test

import (
	"io"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/plugins/activecampaign/fakeactivecampaign"
)

var _ = Describe("The fake ActiveCampaign", func() {
	var fake *fakeactivecampaign.Server
	BeforeEach(func() {
		fake = fakeactivecampaign.New("tok")
		DeferCleanup(fake.Close)
	})

	get := func(ctx SpecContext, path, token string) (*http.Response, string) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fake.URL+path, nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Api-Token", token)
		resp, err := http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}

	It("answers RateLimit headers on every call and 429 with Retry-After: 30 past five calls in a window", func(ctx SpecContext) {
		fake.SetRateLimit(5, time.Hour, 30*time.Second)
		for i := range 5 {
			resp, _ := get(ctx, "/api/3/tags", "tok")
			Expect(resp.StatusCode).To(Equal(http.StatusOK))
			Expect(resp.Header.Get("RateLimit-Limit")).To(Equal("5"))
			Expect(resp.Header.Get("RateLimit-Remaining")).To(Equal(string(rune('4' - i))))
		}
		resp, body := get(ctx, "/api/3/tags", "tok")
		Expect(resp.StatusCode).To(Equal(http.StatusTooManyRequests))
		Expect(resp.Header.Get("Retry-After")).To(Equal("30"))
		Expect(body).To(MatchJSON(`{"message":"Too Many Requests"}`))
	})

	It("answers 403 to a wrong Api-Token and 404 with ActiveCampaign's message to an unknown contact", func(ctx SpecContext) {
		resp, _ := get(ctx, "/api/3/tags", "wrong")
		Expect(resp.StatusCode).To(Equal(http.StatusForbidden))
		resp, body := get(ctx, "/api/3/contacts/100", "tok")
		Expect(resp.StatusCode).To(Equal(http.StatusNotFound))
		Expect(body).To(MatchJSON(`{"message":"No Result found for Subscriber with id 100"}`))
	})

	It("still answers a deleted contact, with the address deleted+<id>@example.com", func(ctx SpecContext) {
		id := fake.AddContact(fakeactivecampaign.Contact{Email: "anna@example.com"})
		fake.Delete(id)
		_, body := get(ctx, "/api/3/contacts/"+id, "tok")
		Expect(body).To(ContainSubstring(`"email":"deleted+` + id + `@example.com"`))
	})

	It("builds the webhook form ActiveCampaign posts: PHP-style keys, tag names joined by \", \"", func() {
		vip, customer := fake.AddTag("VIP"), fake.AddTag("Customer")
		city := fake.AddField("City")
		id := fake.AddContact(fakeactivecampaign.Contact{Email: "anna@example.com", Tags: []string{vip, customer},
			Fields: map[string]string{city: "Köln"}})
		form, err := url.ParseQuery(string(fake.Webhook("contact_tag_added", id)))
		Expect(err).NotTo(HaveOccurred())
		Expect(form.Get("type")).To(Equal("contact_tag_added"))
		Expect(form.Get("contact[id]")).To(Equal(id))
		Expect(form.Get("contact[email]")).To(Equal("anna@example.com"))
		Expect(form.Get("contact[tags]")).To(Equal("VIP, Customer"))
		Expect(form.Get("contact[fields][0]")).To(Equal("Köln"))
	})
})
