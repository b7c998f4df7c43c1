package hub

import (
	"bytes"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/store/storetest"
)

var _ = Describe("Apps' signing secrets", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("are generated once when empty, kept in the store, and printed — not a configured one", func(ctx SpecContext) {
			yaml := `
apps:
  shop: { url: https://shop.example/hook }
  crm-sync: { url: https://sync.example/hook, secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw }
  reader: { token: the-reader-token-0123 }
`
			first := loadConfig(yaml)
			generated, err := resolveAppSecrets(ctx, db.Store(), first)
			Expect(err).NotTo(HaveOccurred())
			Expect(generated).To(Equal([]string{"reader", "shop"}))
			_, err = secret.WebhookKey(first.Apps["shop"].Secret)
			Expect(err).NotTo(HaveOccurred())
			Expect(first.Apps["crm-sync"].Secret).To(Equal("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))

			again := loadConfig(yaml)
			_, err = resolveAppSecrets(ctx, db.Store(), again)
			Expect(err).NotTo(HaveOccurred())
			Expect(again.Apps["shop"].Secret).To(Equal(first.Apps["shop"].Secret), "the same secret at the next start")

			var out bytes.Buffer
			printAppSecrets(&out, again, generated)
			Expect(out.String()).To(ContainSubstring(first.Apps["shop"].Secret))
			Expect(out.String()).NotTo(ContainSubstring("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
			Expect(out.String()).NotTo(ContainSubstring("reader"), "no url: nothing is pushed, no secret needed")
		})
	})

	It("a reload prints only the secrets of apps newly pushed to", func() {
		prev := loadConfig("apps: { shop: { url: https://shop.example/hook } }")
		next := loadConfig("apps: { shop: { url: https://shop.example/hook }, blog: { url: https://blog.example/hook } }")
		Expect(newlyPushed(prev, next, []string{"blog", "shop"})).To(Equal([]string{"blog"}))
	})
})
