package inbox_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/inbox"
)

var _ = Describe("the backoff between attempts", func() {
	const initial, max = 400 * time.Millisecond, 3 * time.Second

	// Each delay is drawn afresh, so a bound is checked over many draws.
	draws := func(n int) []time.Duration {
		ds := make([]time.Duration, 1000)
		for i := range ds {
			ds[i] = inbox.Backoff(n, initial, max)
		}
		return ds
	}

	DescribeTable("doubles per attempt, with up to 20% jitter either way",
		func(n int, base time.Duration) {
			for _, d := range draws(n) {
				Expect(d).To(BeNumerically(">=", base*8/10))
				Expect(d).To(BeNumerically("<=", base*12/10))
			}
		},
		Entry("after the first attempt", 1, 400*time.Millisecond),
		Entry("after the second", 2, 800*time.Millisecond),
		Entry("after the third", 3, 1600*time.Millisecond),
	)

	It("spreads the delays instead of repeating one", func() {
		Expect(draws(1)).To(ContainElement(BeNumerically("<", initial)))
		Expect(draws(1)).To(ContainElement(BeNumerically(">", initial)))
	})

	It("never waits longer than the maximum", func() {
		for _, d := range draws(10) {
			Expect(d).To(BeNumerically("<=", max))
		}
	})
})
