package plugin

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("The tag cache", func() {
	var (
		fetches atomic.Int32
		failing atomic.Bool
		now     time.Time
		cache   *tagCache
	)
	BeforeEach(func() {
		fetches.Store(0)
		failing.Store(false)
		now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		cache = newTagCache(func(context.Context) (map[string]string, error) {
			fetches.Add(1)
			if failing.Load() {
				return nil, sdk.Retryable(errors.New("KlickTipp is down"), 0)
			}
			return map[string]string{"1": "Kunde"}, nil
		})
		cache.now = func() time.Time { return now }
	})

	It("fetches on first use, then not again within its TTL", func(ctx SpecContext) {
		Expect(cache.name(ctx, []string{"1"})).To(Equal([]sdk.Tag{{ID: "1", Name: "Kunde"}}))
		now = now.Add(tagTTL - time.Second)
		Expect(cache.name(ctx, []string{"1"})).To(HaveLen(1))
		Expect(fetches.Load()).To(BeEquivalentTo(1))
	})

	It("refreshes once its TTL has passed", func(ctx SpecContext) {
		Expect(cache.name(ctx, []string{"1"})).To(HaveLen(1))
		now = now.Add(tagTTL)
		Expect(cache.name(ctx, []string{"1"})).To(HaveLen(1))
		Expect(fetches.Load()).To(BeEquivalentTo(2))
	})

	It("shares one refresh among concurrent callers", func(ctx SpecContext) {
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				defer GinkgoRecover()
				Expect(cache.name(ctx, []string{"1", "2"})).To(HaveLen(2))
			})
		}
		wg.Wait()
		Expect(fetches.Load()).To(BeEquivalentTo(1))
	})

	It("passes a failed refresh on and tries again on the next call", func(ctx SpecContext) {
		failing.Store(true)
		_, err := cache.name(ctx, []string{"1"})
		Expect(sdk.KindOf(err)).To(Equal(sdk.KindRetryable))
		failing.Store(false)
		Expect(cache.name(ctx, []string{"1"})).To(Equal([]sdk.Tag{{ID: "1", Name: "Kunde"}}))
		Expect(fetches.Load()).To(BeEquivalentTo(2))
	})

	It("names no tags without a call once it has a list", func(ctx SpecContext) {
		cache.store(map[string]string{})
		Expect(cache.name(ctx, nil)).To(BeEmpty())
		Expect(fetches.Load()).To(BeZero())
	})
})
