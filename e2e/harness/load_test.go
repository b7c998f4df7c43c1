package harness

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("A load with a rate", func() {
	It("sends no faster than its rate, its turns spread from its start", func() {
		server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusAccepted)
		}))
		DeferCleanup(server.Close)
		hook := func(int) Hook {
			return Hook{CRM: "klicktipp", Action: "add", Key: "key", Form: url.Values{"SubscriberID": {"1"}}}
		}

		load := Load{URL: server.URL, Connections: 8, Rate: 500, Count: 100, Hook: hook}
		got := load.Run(context.Background())

		Expect(got.OK).To(Equal(100))
		// The 100th turn falls due 99 intervals of 2 ms after the first.
		Expect(got.Elapsed).To(BeNumerically(">=", 198*time.Millisecond))
	})

	It("hands out the turns that fell due while its pacer waited for a processor", func() {
		// One processor, held by this loop: the pacer runs only when the
		// scheduler preempts the loop, about every 10 ms.
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		turns := pace(ctx, 1000, 200)
		for start := time.Now(); time.Since(start) < 100*time.Millisecond; {
		}
		// About 100 fell due; a ticker would have kept one per wake-up.
		Expect(len(turns)).To(BeNumerically(">=", 50))
	})
})
