package config_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/config"
)

var _ = Describe("apps, delivery and changes", func() {
	It("defaults to no app, eight delivery attempts from 5s to 10h, 15s timeout and 30 days of changes", func() {
		c, err := config.Load("")
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Apps).To(BeEmpty())
		Expect(c.Delivery).To(Equal(config.Delivery{MaxAttempts: 8, BackoffInitial: 5 * time.Second,
			BackoffMax: 10 * time.Hour, Timeout: 15 * time.Second}))
		Expect(c.Changes.Retention).To(Equal(720 * time.Hour))
	})

	It("fills an app named only in the environment with the app defaults", func() {
		GinkgoT().Setenv("CRMHUB_APPS__SHOP__URL", "https://shop.example/crmhub")
		GinkgoT().Setenv("CRMHUB_APPS__SHOP__EVENTS", "user.created")
		c, err := config.Load("")
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Apps["shop"]).To(Equal(config.App{Enabled: true, URL: "https://shop.example/crmhub", Events: []string{"user.created"}}))
		Expect(c.EnabledApps()).To(Equal([]string{"shop"}))
		Expect(c.Apps["shop"].Wants("user.created")).To(BeTrue())
		Expect(c.Apps["shop"].Wants("user.updated")).To(BeFalse())
	})

	It("sends every event type to an app that names none", func() {
		c, err := config.Load(writeFile("apps: {shop: {url: https://shop.example/}}"))
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Apps["shop"].Wants("user.updated")).To(BeTrue())
	})

	DescribeTable("fails with the name of the offending key",
		func(yaml, want string) {
			_, err := config.Load(writeFile(yaml))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("an unknown app key", "apps: {shop: {hook: x}}", "apps.shop.hook: unknown key"),
		Entry("an app name with capitals", "apps: {Shop: {url: https://shop.example/}}", "apps.Shop: an app name"),
		Entry("an app name with an underscore", "apps: {my_shop: {}}", "apps.my_shop: an app name"),
		Entry("a url that is no URL", "apps: {shop: {url: shop.example}}", "apps.shop.url"),
		Entry("a secret without whsec_", "apps: {shop: {secret: c2VjcmV0c2VjcmV0c2VjcmV0}}", "apps.shop.secret"),
		Entry("a secret that is no base64", "apps: {shop: {secret: whsec_not*base64}}", "apps.shop.secret"),
		Entry("an unknown event type", "apps: {shop: {events: [user.deleted]}}", `apps.shop.events: "user.deleted"`),
		Entry("an app token shorter than 16 characters", "apps: {shop: {token: short-token}}",
			"apps.shop.token: must be at least 16 characters"),
		Entry("an app token that is the admin's", "admin: {token: the-admin-token-0123}\napps: {shop: {token: the-admin-token-0123}}",
			"apps.shop.token: must differ from admin.token"),
		Entry("an app token that another app has", "apps: {blog: {token: one-token-for-two}, shop: {token: one-token-for-two}}",
			"apps.shop.token: is also the token of apps.blog"),
		Entry("an unknown delivery key", "delivery: {retries: 3}", "delivery.retries: unknown key"),
		Entry("no delivery attempt", "delivery: {max_attempts: 0}", "delivery.max_attempts"),
		Entry("a backoff cap below its start", "delivery: {backoff_initial: 1m, backoff_max: 1s}", "delivery.backoff_max"),
		Entry("no delivery timeout", "delivery: {timeout: 0s}", "delivery.timeout"),
		Entry("no retention", "changes: {retention: 0s}", "changes.retention"),
	)

	It("accepts an app token of 16 characters", func() {
		_, err := config.Load(writeFile("apps: {shop: {token: 16-characters-ok}}"))
		Expect(err).NotTo(HaveOccurred())
	})

	It("accepts a whsec_ secret", func() {
		c, err := config.Load(writeFile("apps: {shop: {secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw}}"))
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Apps["shop"].Secret).To(Equal("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
	})

	It("redacts an app's secret and token", func() {
		GinkgoT().Setenv("CRMHUB_APPS__SHOP__SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
		GinkgoT().Setenv("CRMHUB_APPS__SHOP__TOKEN", "app-token-value-0123")
		c, err := config.Load("")
		Expect(err).NotTo(HaveOccurred())
		out := c.Redacted(nil)
		Expect(out).NotTo(ContainSubstring("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
		Expect(out).NotTo(ContainSubstring("app-token-value-0123"))
	})
})
