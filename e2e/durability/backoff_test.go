package durability_test

import (
	"context"
	"net/http"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
)

var _ = Describe("A KlickTipp in trouble", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("is retried on the backoff schedule — after a 503, a 429 with Retry-After and a timeout — given up after max_attempts, and a replay applies the event", func(ctx SpecContext) {
			kt := harness.StartKlickTipp()
			DeferCleanup(kt.Close)
			anna := seedContacts(kt, 1)[0]
			settings := kt.Settings()
			settings["timeout"] = "300ms" // the plugin's bound on one API call
			hub, err := harness.Start(ctx, bins, harness.Config{
				Dir: GinkgoT().TempDir(), Database: db.URL(), KlickTipp: kt, Settings: settings,
				MaxAttempts: 4, BackoffInitial: time.Second, BackoffMax: 10 * time.Second,
			})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() { reportLogs(hub); Expect(hub.Stop()).To(Succeed()) })

			// One fault per attempt, in this order.
			kt.Inject(fakeklicktipp.ServerError("GET /subscriber/", 1))
			kt.Inject(fakeklicktipp.RateLimited("GET /subscriber/", 1, 3*time.Second))
			kt.Inject(fakeklicktipp.Slow("GET /subscriber/", 1, 2*time.Second))
			kt.Inject(fakeklicktipp.ServerError("GET /subscriber/", 1))

			reply, err := hub.Send(ctx, hub.Hook("add", harness.Outbound(anna.id, anna.email)))
			Expect(err).NotTo(HaveOccurred())
			Expect(reply.Status).To(Equal(http.StatusAccepted))
			accepted, err := reply.Outcome()
			Expect(err).NotTo(HaveOccurred())
			id, err := strconv.ParseInt(accepted.ID, 10, 64)
			Expect(err).NotTo(HaveOccurred())
			st := db.Store()
			event := func() *store.Event {
				ev, err := st.EventByID(ctx, id)
				Expect(err).NotTo(HaveOccurred())
				return ev
			}
			// delayAfter waits for the event to be retrying after attempt n
			// and returns the delay it was given, as the row tells it: from
			// its save to its next attempt. The delay is drawn a moment
			// before the save, so the row's is up to saveLag shorter.
			delayAfter := func(n int) time.Duration {
				GinkgoHelper()
				Eventually(ctx, event).WithTimeout(20 * time.Second).WithPolling(20 * time.Millisecond).Should(
					And(HaveField("Attempts", n), HaveField("Status", store.StatusRetrying)))
				ev := event()
				return ev.NextAttemptAt.Sub(ev.UpdatedAt)
			}

			const saveLag = 20 * time.Millisecond
			Expect(delayAfter(1)).To(jittered(time.Second, saveLag),
				"after a 503: backoff_initial, ±20% jitter")
			Expect(delayAfter(2)).To(BeNumerically("~", 3*time.Second, 50*time.Millisecond),
				"after a 429: its Retry-After of 3s, longer than the 2s (±20%) backoff")
			Expect(delayAfter(3)).To(jittered(4*time.Second, saveLag),
				"after a timeout: 4 × backoff_initial, ±20%")

			Eventually(ctx, event).WithTimeout(20*time.Second).Should(
				And(HaveField("Status", store.StatusDead), HaveField("Attempts", 4)), "dead after max_attempts")
			tries := attempts(ctx, st, id)
			Expect(tries).To(HaveLen(4))
			for _, a := range tries {
				Expect(a.Error).NotTo(BeEmpty(), "attempt %d records its error", a.Number)
			}
			Expect(tries[0].Error).To(ContainSubstring("503"))
			Expect(users(ctx, st)).To(BeEmpty())

			run, err := hub.CLI(ctx, "events replay", accepted.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(run.ExitCode).To(BeZero(), run.Stderr)
			Eventually(ctx, event).WithTimeout(20 * time.Second).Should(
				And(HaveField("Status", store.StatusDone), HaveField("Outcome", "created")))
			Expect(users(ctx, st)).To(ConsistOf(HaveField("Email", anna.email)))
		})
	})
})

// jittered matches a delay of d ±20%, read up to lag short.
func jittered(d, lag time.Duration) OmegaMatcher {
	return And(BeNumerically(">=", d*8/10-lag), BeNumerically("<=", d*12/10))
}

// users lists every user in the store.
func users(ctx context.Context, st *store.Store) []store.User {
	var us []store.User
	Expect(st.DB().NewSelect().Model(&us).Scan(ctx)).To(Succeed())
	return us
}
