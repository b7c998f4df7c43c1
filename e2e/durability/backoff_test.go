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
			// and returns what its rows tell of the delay it was given.
			delayAfter := func(n int) drawnDelay {
				GinkgoHelper()
				Eventually(ctx, event).WithTimeout(20 * time.Second).WithPolling(20 * time.Millisecond).Should(
					And(HaveField("Attempts", n), HaveField("Status", store.StatusRetrying)))
				ev := event()
				tries := attempts(ctx, st, id)
				Expect(tries).To(HaveLen(n))
				return drawnDelay{AtLeast: ev.NextAttemptAt.Sub(ev.UpdatedAt), AtMost: ev.NextAttemptAt.Sub(tries[n-1].StartedAt)}
			}

			Expect(delayAfter(1)).To(drawnWithin(800*time.Millisecond, 1200*time.Millisecond),
				"after a 503: backoff_initial, ±20%% jitter")
			Expect(delayAfter(2)).To(drawnWithin(3*time.Second, 3*time.Second),
				"after a 429: its Retry-After of 3s, longer than the 2s (±20%%) backoff")
			Expect(delayAfter(3)).To(drawnWithin(3200*time.Millisecond, 4800*time.Millisecond),
				"after a timeout: 4 × backoff_initial, ±20%%")

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

// drawnDelay is what an event's rows tell of the delay drawn for its
// next attempt. The hub drew it after the attempt began and before it
// saved the event, so it lies between the time from the save to the next
// attempt and the time from the attempt's start to it, however long a
// busy machine took between drawing and saving.
type drawnDelay struct{ AtLeast, AtMost time.Duration }

// drawnWithin matches a drawnDelay that can lie within [lo, hi].
func drawnWithin(lo, hi time.Duration) OmegaMatcher {
	return And(HaveField("AtMost", BeNumerically(">=", lo)), HaveField("AtLeast", BeNumerically("<=", hi)))
}

// users lists every user in the store.
func users(ctx context.Context, st *store.Store) []store.User {
	var us []store.User
	Expect(st.DB().NewSelect().Model(&us).Scan(ctx)).To(Succeed())
	return us
}
