package acme_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/sdk/example/acme/acmetest"
	"github.com/crmhub/crmhub/sdk/example/acmefake"
	"github.com/crmhub/crmhub/sdk/sdktest"
)

var _ = Describe("the Acme plugin against the SDK's conformance kit", func() {
	var kit sdktest.Kit
	BeforeEach(func() {
		fake := acmefake.New()
		DeferCleanup(fake.Close)
		kit = acmetest.Kit(fake)
	})

	for _, check := range sdktest.Checks() {
		It(check.Name, func(ctx SpecContext) {
			Expect(check.Run(ctx, kit)).To(Succeed())
		})
	}
})
