package plugin_test

import (
	"maps"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("reconfiguring while calls run", func() {
	It("serves every call with one whole account, old or new", func(ctx SpecContext) {
		fake := newFake()
		p := configured(ctx, settingsFor(fake))
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 20 {
			wg.Add(2)
			go func() {
				defer wg.Done()
				tags := "lists"
				if i%2 == 0 {
					tags = "property:interests"
				}
				errs <- p.Configure(ctx, maps.Clone(settingsFor(fake, "tags", tags)))
			}()
			go func() {
				defer wg.Done()
				_, err := p.GetContact(ctx, janeID)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			Expect(err).NotTo(HaveOccurred())
		}
	})
})
