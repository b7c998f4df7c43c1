package gcfloor_test

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/internal/gcfloor"
)

const mib = 1 << 20

var _ = Describe("pace", func() {
	It("raises GOGC until a small heap's goal is the floor, and bounds that cycle with a limit", func() {
		// goal = live + (live + stacks + globals) × GOGC/100
		percent, limit := gcfloor.Pace(32*mib, 16*mib, gcfloor.NewHeap(4*mib, 1*mib, 1*mib))
		Expect(percent).To(Equal(466)) // (32 − 4) / 6 MiB, rounded down
		goal := 4*mib + 6*mib*466/100
		Expect(goal).To(BeNumerically("~", 32*mib, mib))
		Expect(limit).To(Equal(int64(goal + 1*mib + 16*mib))) // the goal, the stacks, the headroom
	})

	It("leaves a heap that reaches the floor by itself at Go's default, without a limit", func() {
		percent, limit := gcfloor.Pace(32*mib, 16*mib, gcfloor.NewHeap(15*mib, 1*mib, 1*mib))
		Expect(percent).To(Equal(100))
		Expect(limit).To(Equal(int64(math.MaxInt64)))
	})

	It("bounds GOGC when almost nothing is alive", func() {
		percent, limit := gcfloor.Pace(32*mib, 16*mib, gcfloor.NewHeap(64<<10, 0, 0))
		Expect(percent).To(Equal(1000))
		Expect(limit).To(Equal(int64(64<<10 + 64<<10*10 + 16*mib)))
	})
})

var _ = Describe("Keep", func() {
	It("does nothing when the operator set GOGC, or when there is no floor", func() {
		Expect(gcfloor.StartKeeper(32*mib, 16*mib, map[string]string{"GOGC": "100"})).To(BeFalse())
		Expect(gcfloor.StartKeeper(0, 16*mib, nil)).To(BeFalse())
	})

	// One keeper for the process: it paces this test binary's collector
	// from here on, which the other specs do not depend on.
	It("paces the collector after every collection, by the heap each one finds", func() {
		defer debug.SetGCPercent(100)
		defer debug.SetMemoryLimit(math.MaxInt64)
		Expect(gcfloor.StartKeeper(64*mib, 16*mib, nil)).To(BeTrue())

		By("a small live heap: GOGC raised and a memory limit set")
		runtime.GC()
		Eventually(gogc).Should(BeNumerically(">", 100))
		Eventually(memoryLimit).Should(BeNumerically("<", int64(math.MaxInt64)))

		By("a live heap past half the floor: Go's default, the limit lifted")
		held := make([][]byte, 48)
		for i := range held {
			held[i] = make([]byte, mib)
		}
		Eventually(func() int {
			runtime.GC()
			return gogc()
		}).Should(Equal(100))
		Eventually(memoryLimit).Should(Equal(int64(math.MaxInt64)))
		runtime.KeepAlive(held)

		By("the heap small again: the floor again")
		held = nil
		Eventually(func() int {
			runtime.GC()
			return gogc()
		}).Should(BeNumerically(">", 100))
	})
})

func gogc() int { return int(readMetric("/gc/gogc:percent")) }

func memoryLimit() int64 { return int64(readMetric("/gc/gomemlimit:bytes")) }

func readMetric(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
