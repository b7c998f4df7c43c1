package acme_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/sdk/example/acmefake"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

var _ = Describe("the client of Acme's API", func() {
	It("keeps a burst's connections for the next", func(ctx SpecContext) {
		fake := acmefake.New()
		DeferCleanup(fake.Close)
		opened, err := sdktest.BurstsOpen(fake.URL, 4, func(base string) (func() error, error) {
			plugin := configured(ctx, fake, map[string]string{"base_url": base})
			return func() error { _, err := plugin.GetContact(ctx, acmefake.Anna.ID); return err }, nil
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(opened).To(Equal(4))
	})
})
