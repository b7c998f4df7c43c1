package plugin_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/sdk/sdktest"
)

var _ = Describe("Configure on a live plugin", func() {
	It("fails no call in flight while the settings change again and again, and leaves one session live", func(ctx SpecContext) {
		fake := newFake()
		fake.AddUser("second-user", "second-password")
		// Through real gRPC, as the hub calls the plugin.
		crm, stop, err := sdktest.Serve(newPlugin())
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(stop)
		Expect(crm.Configure(ctx, settingsFor(fake))).To(Succeed())

		const callers = 16
		var served atomic.Int64
		var mu sync.Mutex
		var failures []error
		load, endLoad := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				for load.Err() == nil {
					if _, err := crm.GetContact(ctx, annaID); err != nil {
						mu.Lock()
						failures = append(failures, err)
						mu.Unlock()
					}
					served.Add(1)
				}
			})
		}

		password := apiPassword
		for round := range 24 {
			// Let calls run between two Configures, so each meets calls in flight.
			before := served.Load()
			Eventually(served.Load).WithTimeout(time.Minute).Should(BeNumerically(">", before+callers))

			var settings map[string]string
			switch round % 3 {
			case 0: // the same settings, as the hub sends after a refusal
				settings = settingsFor(fake, "password", password)
			case 1: // the password of the user in use changed in KlickTipp first, then in the config
				password = fmt.Sprintf("rotated-%d", round)
				fake.AddUser(apiUser, password)
				settings = settingsFor(fake, "password", password)
			case 2: // another user, another tags mode
				settings = settingsFor(fake, "username", "second-user", "password", "second-password", "tags", "all")
			}
			Expect(crm.Configure(ctx, settings)).To(Succeed(), "round %d", round)
		}
		endLoad()
		wg.Wait()

		Expect(failures).To(BeEmpty())
		Expect(served.Load()).To(BeNumerically(">", 24*callers))
		Expect(fake.Sessions()).To(Equal(1), "every replaced session was logged out, none logged in again")
	})
})
