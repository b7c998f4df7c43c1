package inbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

// webhook is a stored-to-be webhook whose query names the contact.
func webhook(query string) *store.Event {
	return &store.Event{CRM: "klicktipp", Action: "update_tags", Method: "POST", Query: query, Header: "{}"}
}

var _ = Describe("Inbox", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			st   *store.Store
			plug *plugins
			app  *applier
			in   *inbox.Inbox
			opts inbox.Options
		)

		start := func() {
			in = inbox.New(st, plug, app, opts, slog.New(slog.NewTextHandler(io.Discard, nil)))
			Expect(in.Start(context.Background())).To(Succeed())
			DeferCleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				in.Stop(ctx)
			})
		}
		accept := func(query string) int64 {
			ev := webhook(query)
			Expect(in.Accept(context.Background(), ev)).To(Succeed())
			return ev.ID
		}
		// acceptAs accepts a webhook for contact whose role parameter
		// keeps it from merging with the others.
		acceptAs := func(contact, role string) int64 {
			ev := webhook("contact=" + contact)
			ev.Role = role
			Expect(in.Accept(context.Background(), ev)).To(Succeed())
			return ev.ID
		}
		event := func(id int64) func() *store.Event {
			return func() *store.Event {
				ev, err := st.EventByID(context.Background(), id)
				Expect(err).NotTo(HaveOccurred())
				return ev
			}
		}
		activity := func(id int64) []string {
			lines, err := st.EventActivity(context.Background(), id)
			Expect(err).NotTo(HaveOccurred())
			var msgs []string
			for _, l := range lines {
				msgs = append(msgs, l.Message)
			}
			return msgs
		}

		// line is the activity line the failure policy writes for an
		// event that ended with status: the same whatever call failed.
		line := func(status string) string {
			if status == store.StatusDead {
				return "Gave up after 3 attempts: "
			}
			return "Failed: "
		}

		BeforeEach(func() {
			st = db.Store()
			plug = newPlugins()
			app = newApplier(st)
			app.plugins = plug
			opts = inbox.Options{
				Workers: 4, MaxAttempts: 3,
				BackoffInitial: 400 * time.Millisecond, BackoffMax: 10 * time.Second,
				Poll: 20 * time.Millisecond, Lease: 3 * time.Second,
				CRMs: func() []string { return []string{"klicktipp"} },
			}
		})

		It("stores an accepted webhook before it returns, then applies it", func() {
			start()
			id := accept("contact=1")
			Expect(id).To(BeNumerically(">", 0))
			Eventually(event(id)).Should(HaveField("Status", store.StatusDone))
			ev := event(id)()
			Expect(ev.Outcome).To(Equal("tags_updated"))
			Expect(ev.Attempts).To(Equal(1))
			Expect(activity(id)).To(ContainElements("Received update_tags webhook.", "Decoded: klicktipp contact 1."))
		})

		It("commits many concurrent webhooks, each acknowledged with its own id", func() {
			plug.setReady(false)
			start()
			var wg sync.WaitGroup
			ids := make([]int64, 200)
			for i := range ids {
				wg.Go(func() { ids[i] = accept(fmt.Sprintf("contact=%d", i)) })
			}
			wg.Wait()
			Expect(ids).NotTo(ContainElement(int64(0)))
			n, err := st.Backlog(context.Background())
			Expect(err).NotTo(HaveOccurred())
			Expect(n).To(Equal(200))
		})

		It("records a webhook its plugin cannot read as failed / invalid_payload, with the reason", func() {
			start()
			id := accept("contact=bad")
			Eventually(event(id)).Should(HaveField("Status", store.StatusFailed))
			Expect(event(id)()).To(HaveField("Outcome", store.OutcomeInvalidPayload))
			Expect(activity(id)).To(ContainElement(ContainSubstring("parameter contact is not a number")))
		})

		It("resolves an e-mail-only webhook through the CRM, and fails one whose e-mail the CRM does not know", func() {
			plug.emails["anna@example.com"] = "77"
			start()
			known := accept("email=anna@example.com")
			unknown := accept("email=nobody@example.com")
			Eventually(event(known)).Should(HaveField("Status", store.StatusDone))
			Expect(event(known)()).To(HaveField("ContactID", "77"))
			Eventually(event(unknown)).Should(HaveField("Status", store.StatusFailed))
			Expect(event(unknown)()).To(HaveField("Outcome", store.OutcomeNotFound))
		})

		It("fails a contact the CRM does not know at once, without retrying", func() {
			start()
			id := accept("contact=404123")
			Eventually(event(id)).Should(HaveField("Status", store.StatusFailed))
			Expect(event(id)()).To(And(HaveField("Outcome", "contact_not_found"), HaveField("Attempts", 1)))
			Consistently(func() int { return len(app.callsFor("404123")) }, "300ms").Should(Equal(1))
		})

		It("keeps webhooks waiting at no cost while the plugin is down", func() {
			plug.setReady(false)
			start()
			id := accept("contact=5")
			Consistently(event(id), "200ms").Should(And(HaveField("Status", store.StatusReceived), HaveField("Attempts", 0)))
			plug.setReady(true)
			in.Kick()
			Eventually(event(id)).Should(HaveField("Status", store.StatusDone))
			Expect(event(id)().Attempts).To(Equal(1))
		})

		It("does not count an attempt when the plugin dies during it", func() {
			app.failNext("6", fmt.Errorf("get contact: %w", host.ErrPluginDown))
			start()
			id := accept("contact=6")
			Eventually(event(id)).Should(HaveField("Status", store.StatusDone))
			Expect(app.callsFor("6")).To(HaveLen(2))
			Expect(event(id)().Attempts).To(Equal(1))
		})

		It("costs an event no attempt when the plugin dies while it is applied, and applies the others meanwhile", func() {
			app.setKiller("65", true)
			start()
			killer := accept("contact=65")
			others := []int64{accept("contact=66"), accept("contact=67")}
			for _, id := range others {
				Eventually(event(id), "5s").Should(HaveField("Status", store.StatusDone))
			}
			Eventually(func() int { return len(app.callsFor("65")) }, "10s").Should(BeNumerically(">=", 3))
			Expect(event(killer)()).To(And(HaveField("Status", Not(BeElementOf(store.StatusDead, store.StatusFailed))),
				HaveField("Attempts", BeNumerically("<=", 1))), "a plugin's crash cost the event attempts")

			app.setKiller("65", false)
			Eventually(event(killer), "10s").Should(HaveField("Status", store.StatusDone))
		})

		It("charges no webhook decoded alone for a plugin death an event being applied caused", func(ctx SpecContext) {
			app.setKiller("65", true)
			plug.setReady(false)
			start()
			killer := accept("contact=65")
			Expect(st.MarkDecoded(ctx, killer, "65", "")).To(Succeed())
			// Its decode call is in flight when the event kills the plugin:
			// the batch fails as a whole, and the webhook is decoded alone.
			slow := accept("contact=1&decode=slow")
			plug.setReady(true)
			in.Kick()
			Eventually(event(slow), "10s").Should(HaveField("Status", store.StatusDone))
			Expect(event(slow)()).To(HaveField("Attempts", 1), "the webhook was charged for the event's crashes")
			Expect(plug.decodeCalls("contact=1&decode=slow")).To(BeNumerically(">=", 2), "the batch call did not die")
			app.setKiller("65", false)
			Eventually(event(killer), "10s").Should(HaveField("Status", store.StatusDone))
		})

		It("backs off exponentially with jitter, gives up after max_attempts, and replay brings it to done", func() {
			app.failNext("9", errCRMDown, errCRMDown, errCRMDown)
			start()
			id := accept("contact=9")

			Eventually(event(id)).Should(HaveField("Status", store.StatusRetrying))
			ev := event(id)()
			// The store stamps UpdatedAt after the delay was drawn, so the
			// gap can only fall short of the delay; the delay's own bounds
			// are the backoff specs'.
			first := ev.NextAttemptAt.Sub(ev.UpdatedAt)
			Expect(first).To(BeNumerically("<=", 480*time.Millisecond))
			Expect(first).To(BeNumerically(">", 100*time.Millisecond))
			Expect(ev.Attempts).To(Equal(1))

			Eventually(func() int { return event(id)().Attempts }, "3s").Should(Equal(2))
			Eventually(event(id)).Should(HaveField("Status", store.StatusRetrying))
			ev = event(id)()
			second := ev.NextAttemptAt.Sub(ev.UpdatedAt)
			Expect(second).To(BeNumerically("<=", 960*time.Millisecond))
			Expect(second).To(BeNumerically(">", 480*time.Millisecond))

			Eventually(event(id), "5s").Should(HaveField("Status", store.StatusDead))
			Expect(event(id)().Attempts).To(Equal(3))
			Expect(activity(id)).To(ContainElement(ContainSubstring("Gave up after 3 attempts")))

			ids, err := in.Replay(context.Background(), store.ReplayFilter{Status: store.StatusDead, CRM: "klicktipp"})
			Expect(err).NotTo(HaveOccurred())
			Expect(ids).To(Equal([]int64{id}))
			Eventually(event(id)).Should(HaveField("Status", store.StatusDone))
		})

		It("waits at least as long as the CRM's Retry-After asks", func() {
			app.failNext("10", sdk.Retryable(errCRMDown, 5*time.Second))
			start()
			id := accept("contact=10")
			Eventually(event(id)).Should(HaveField("Status", store.StatusRetrying))
			// The delay is the Retry-After (the backoff is shorter); the store
			// stamps UpdatedAt after it was drawn, so the gap can only fall
			// short of it, by however long recording took.
			Expect(activity(id)).To(ContainElement(ContainSubstring("Retry scheduled in 5s.")))
			ev := event(id)()
			Expect(ev.NextAttemptAt.Sub(ev.UpdatedAt)).To(And(BeNumerically("<=", 5*time.Second), BeNumerically(">", 4*time.Second)))
		})

		It("merges identical pending webhooks of a contact into the oldest, and a wait on one answers with its outcome", func() {
			plug.setReady(false)
			start()
			a, b, c := accept("contact=20"), accept("contact=20"), accept("contact=20")
			other := webhook("contact=20")
			other.Action = "add"
			Expect(in.Accept(context.Background(), other)).To(Succeed())
			// decoded while the engine side is held back
			plug.setReady(true)
			in.Kick()

			Eventually(event(c)).Should(HaveField("Status", store.StatusDone))
			Expect(event(b)()).To(And(HaveField("Outcome", store.OutcomeCoalesced), HaveField("CoalescedInto", Equal(&a))))
			Expect(event(c)()).To(HaveField("CoalescedInto", Equal(&a)))
			Eventually(event(other.ID)).Should(HaveField("Status", store.StatusDone))
			Expect(event(other.ID)().Outcome).NotTo(Equal(store.OutcomeCoalesced))

			got, err := in.Wait(context.Background(), b)
			Expect(err).NotTo(HaveOccurred())
			Expect(got.ID).To(Equal(a))
			Expect(got.Outcome).To(Equal("tags_updated"))
		})

		It("never applies two events of one contact at the same time", func() {
			app.delay = 5 * time.Millisecond
			opts.Workers = 8
			start()
			var ids []int64
			for i := range 60 {
				ev := webhook(fmt.Sprintf("contact=%d", i%3))
				ev.Role = fmt.Sprint(i) // different parameters: nothing merges
				Expect(in.Accept(context.Background(), ev)).To(Succeed())
				ids = append(ids, ev.ID)
			}
			for _, id := range ids {
				Eventually(event(id), "10s").Should(HaveField("Status", store.StatusDone))
			}
			for _, contact := range []string{"0", "1", "2"} {
				calls := app.callsFor(contact)
				Expect(calls).To(HaveLen(20))
				for i := range calls {
					for j := range calls {
						if i != j {
							overlap := calls[i].start.Before(calls[j].end) && calls[j].start.Before(calls[i].end)
							Expect(overlap).To(BeFalse(), "contact %s: calls %d and %d overlap", contact, i, j)
						}
					}
				}
			}
			Expect(len(app.allCalls())).To(Equal(60))
		})

		// Once an event is applied its contact is free, and the contact's
		// next event may be claimed at once. The poll is set beyond the
		// specs' patience, and the 2 s they wait end before the backlog's
		// recount (every 5 s) wakes the workers: only the applied event's
		// worker can wake them in time.
		Describe("a contact's next event", func() {
			BeforeEach(func() { opts.Poll = time.Hour })

			It("is claimed as soon as the event before it is applied, when it came while that one was", func() {
				stalled := app.stallNext("33", "")
				start()
				a := acceptAs("33", "one")
				Eventually(stalled.started).Should(BeClosed()) // claimed, and being applied
				b := acceptAs("33", "two")
				Eventually(event(b)).Should(HaveField("Decoded", BeTrue())) // passed over: its contact is held
				stalled.let()

				Eventually(event(a)).Should(HaveField("Status", store.StatusDone))
				Eventually(event(b), "2s").Should(HaveField("Status", store.StatusDone))
			})

			It("is claimed as soon as the event before it is applied, when it waited at that one's claim", func() {
				plug.setReady(false)
				start()
				a, b := acceptAs("34", "one"), acceptAs("34", "two")
				stalled := app.stallNext("34", "")
				plug.setReady(true) // decoded together, so b waits when a is claimed
				in.Kick()
				Eventually(stalled.started).Should(BeClosed())
				stalled.let()

				Eventually(event(a)).Should(HaveField("Status", store.StatusDone))
				Eventually(event(b), "2s").Should(HaveField("Status", store.StatusDone))
			})
		})

		Describe("a contact fetched for one event", func() {
			var obs *observer
			BeforeEach(func() {
				obs = newObserver()
				opts.Observer = obs
			})
			applied := func(ids ...int64) {
				for _, id := range ids {
					Eventually(event(id)).Should(HaveField("Status", store.StatusDone))
				}
			}
			// appliedWith says which contact each event of contact was
			// applied with: "" for one it fetched itself, else the event
			// the contact was fetched for.
			appliedWith := func(contact string) map[string]string {
				with := map[string]string{}
				for _, c := range app.callsFor(contact) {
					with[c.eventID] = ""
					if c.ev.Contact != nil {
						with[c.eventID] = c.ev.Contact.Email
					}
				}
				return with
			}
			name := func(id int64) string { return strconv.FormatInt(id, 10) }

			It("answers for the contact's events that waited at its claim, which do not ask the CRM again", func() {
				plug.setReady(false)
				start()
				a, b, c := acceptAs("30", "one"), acceptAs("30", "two"), acceptAs("30", "three")
				plug.setReady(true) // decoded together, so b and c wait when a is claimed
				in.Kick()

				applied(a, b, c)
				Expect(appliedWith("30")).To(Equal(map[string]string{
					name(a): "", name(b): fetchedFor(name(a)), name(c): fetchedFor(name(a))}))
				Expect(obs.snapshot().shared).To(Equal(2))
			})

			// On PostgreSQL other hubs decode and apply events of the
			// contact too, in an order this hub does not see: there only
			// the events pending at the claim are answered for.
			It("answers on SQLite for an event stored after that claim but before the work on it began", func() {
				opts.Workers = 1
				busy := app.stallNext("40", "")
				start()
				acceptAs("40", "one")
				Eventually(busy.started).Should(BeClosed()) // the one worker is busy
				a := acceptAs("41", "one")
				Eventually(event(a)).Should(HaveField("Status", store.StatusProcessing)) // claimed, queued for the worker
				b := acceptAs("41", "two")
				Eventually(event(b)).Should(HaveField("Decoded", BeTrue()))
				busy.let()

				applied(a, b)
				if db.Dialect == store.Postgres {
					Expect(appliedWith("41")).To(Equal(map[string]string{name(a): "", name(b): ""}))
					return
				}
				Expect(appliedWith("41")).To(Equal(map[string]string{name(a): "", name(b): fetchedFor(name(a))}))
				Expect(obs.snapshot().shared).To(Equal(1))
			})

			It("does not answer for an event stored after the work on it began", func() {
				stalled := app.stallNext("31", "")
				start()
				a := acceptAs("31", "one")
				Eventually(stalled.started).Should(BeClosed()) // claimed, and being applied
				b := acceptAs("31", "two")
				Eventually(event(b)).Should(HaveField("Decoded", BeTrue()))
				stalled.let()

				applied(a, b)
				Expect(appliedWith("31")).To(Equal(map[string]string{name(a): "", name(b): ""}))
				Expect(obs.snapshot().shared).To(BeZero())
			})

			It("does not answer for an event that merged in one received after that claim", func() {
				plug.setReady(false)
				start()
				a, b := acceptAs("32", "one"), acceptAs("32", "two")
				stalled := app.stallNext("32", "")
				plug.setReady(true)
				in.Kick()
				Eventually(stalled.started).Should(BeClosed()) // a is claimed; b waits for it
				late := acceptAs("32", "two")                  // identical to b: merged into it
				Eventually(event(late)).Should(HaveField("Decoded", BeTrue()))
				stalled.let()

				applied(a, b, late)
				Expect(event(late)()).To(HaveField("CoalescedInto", Equal(&b)))
				Expect(appliedWith("32")).To(Equal(map[string]string{name(a): "", name(b): ""}))
			})
		})

		It("applies inbox.workers_while_receiving events at once while webhooks arrive, and all workers after", func() {
			app.delay = 20 * time.Millisecond
			opts.Workers, opts.WorkersWhileReceiving = 8, 1
			// Long enough that a machine under load, slow to commit one
			// webhook, still counts as receiving between two.
			opts.ReceivingQuiet = 400 * time.Millisecond
			start()
			// A webhook every 2 ms: the inbox is receiving throughout.
			began := time.Now()
			var ids []int64
			for i := range 100 {
				ids = append(ids, accept(fmt.Sprintf("contact=%d", i)))
				time.Sleep(2 * time.Millisecond)
			}
			ended := time.Now()
			for _, id := range ids {
				Eventually(event(id), "10s").Should(HaveField("Status", store.StatusDone))
			}
			calls := app.allCalls()
			Expect(mostAtOnce(calls, began, ended)).To(Equal(1), "calls started while webhooks arrived")
			Expect(mostAtOnce(calls, ended.Add(opts.ReceivingQuiet+200*time.Millisecond), time.Now())).To(BeNumerically(">", 1),
				"calls started once they stopped")
		})

		It("takes over an event whose worker died with it in hand", func(ctx SpecContext) {
			plug.setReady(false)
			start()
			id := accept("contact=30")
			// Another process claims it and dies: its lease runs out.
			Expect(st.MarkDecoded(ctx, id, "30", "")).To(Succeed())
			claims, err := st.ClaimEvents(ctx, "dead-process", []string{"klicktipp"}, time.Now().UTC().Add(300*time.Millisecond), 1)
			Expect(err).NotTo(HaveOccurred())
			Expect(claims).To(HaveLen(1))
			plug.setReady(true)
			Eventually(event(id), "3s").Should(HaveField("Status", store.StatusDone))
			Expect(event(id)().Attempts).To(Equal(2))
		})

		It("lets a worker overtaken by another of its own process record nothing and free nothing", func(ctx SpecContext) {
			opts.Lease = time.Minute // no renewal falls within the spec: the spec runs the lease out itself
			first, second := app.stallNext("60", "by the stalled worker"), app.stallNext("60", "by the new owner")
			start()
			DeferCleanup(func() { first.let(); second.let() }) // before Stop, which waits for them
			id := accept("contact=60")
			Eventually(first.started).Should(BeClosed())

			// The first worker stalls past its lease (its renewals never
			// landed); a second worker of the same inbox takes the event over.
			expired := time.Now().UTC().Add(-time.Second)
			_, err := st.DB().NewUpdate().Model((*store.Event)(nil)).Set("lease_until = ?", expired).Where("id = ?", id).Exec(ctx)
			Expect(err).NotTo(HaveOccurred())
			_, err = st.DB().NewUpdate().Model((*store.ContactLease)(nil)).Set("until = ?", expired).
				Where("crm = ? AND contact_id = ?", "klicktipp", "60").Exec(ctx)
			Expect(err).NotTo(HaveOccurred())
			Eventually(second.started, "5s").Should(BeClosed())
			Expect(event(id)()).To(HaveField("Attempts", 2))
			next := webhook("contact=60")
			next.Role = "customer" // not merged: it must wait for the contact
			Expect(in.Accept(ctx, next)).To(Succeed())
			Eventually(event(next.ID)).Should(HaveField("Status", store.StatusPending))

			// The first worker's call comes back late and commits.
			first.let()
			Eventually(func() []call { return app.callsFor("60") }).Should(HaveLen(1))
			Consistently(event(id), "500ms").Should(And(HaveField("Status", store.StatusProcessing), HaveField("Attempts", 2)))
			Consistently(event(next.ID), "500ms").Should(HaveField("Status", store.StatusPending), "the contact was freed under the worker holding it")

			second.let()
			Eventually(event(id)).Should(HaveField("Status", store.StatusDone))
			Expect(event(id)()).To(And(HaveField("Message", "applied 60 by the new owner"), HaveField("Attempts", 2)))
			Eventually(event(next.ID)).Should(HaveField("Status", store.StatusDone))
			attempts, err := st.EventAttempts(ctx, id)
			Expect(err).NotTo(HaveOccurred())
			Expect(attempts).To(HaveLen(2))
			Expect(attempts[1]).To(HaveField("FinishedAt", Not(BeNil())))
		})

		It("keeps the leases of a claimed event while it waits for a free worker", func(ctx SpecContext) {
			opts.Workers, opts.Lease = 1, 1200*time.Millisecond
			stalled := app.stallNext("70", "after a long call")
			start()
			DeferCleanup(stalled.let) // before Stop, which waits for it
			accept("contact=70")
			Eventually(stalled.started).Should(BeClosed())
			// The only worker is stuck in a call; the next event is claimed
			// all the same and waits for it.
			queued := accept("contact=71")
			Eventually(event(queued)).Should(HaveField("Status", store.StatusProcessing))

			// Three leases later another hub looks for events whose lease
			// ran out: it must find none.
			time.Sleep(3 * opts.Lease)
			claims, err := st.ClaimEvents(ctx, "other-hub", []string{"klicktipp"}, time.Now().UTC().Add(time.Minute), 10)
			Expect(err).NotTo(HaveOccurred())
			Expect(claims).To(BeEmpty(), "another hub took over an event this one held")

			stalled.let()
			Eventually(event(queued)).Should(And(HaveField("Status", store.StatusDone), HaveField("Attempts", 1)))
		})

		It("tells its observer what it committed and how each event ended", func() {
			obs := newObserver()
			opts.Observer = obs
			app.failNext("51", fmt.Errorf("get contact: %w", host.ErrPluginDown), errCRMDown)
			start()
			ids := []int64{accept("contact=50"), accept("contact=51"), accept("contact=bad"), accept("contact=404")}
			for _, id := range ids {
				Eventually(event(id), "5s").Should(HaveField("Status", BeElementOf(store.StatusDone, store.StatusFailed)))
			}
			// The observer hears of an event just after its final state commits.
			Eventually(func(g Gomega) {
				got := obs.snapshot()
				g.Expect(got.committed).To(Equal(4))
				g.Expect(got.processed).To(Equal(map[string]int{"tags_updated": 2, "invalid_payload": 1, "contact_not_found": 1}))
				g.Expect(got.waited).To(Equal(1))
				g.Expect(got.retried).To(Equal(1))
			}).Should(Succeed())
		})

		It("tells its observer where a webhook's wait for its commit went", func() {
			obs := newObserver()
			opts.Observer = obs
			start()
			before := time.Now()
			accept("contact=50")
			took := time.Since(before)
			// The observer hears of a commit once it is durable, just
			// before its webhooks are answered.
			Eventually(func() []commit { return obs.snapshot().commits }).Should(HaveLen(1))
			c := obs.snapshot().commits[0]
			Expect(c.queued).To(HaveLen(1))
			Expect(c.write).To(BeNumerically(">", 0), "the transaction took no time")
			// Each step lies within Accept's call; the wait is measured on
			// the wall clock, the steps on the monotonic one, hence the slack.
			Expect(c.queued[0] + c.write + c.flush).To(BeNumerically("<=", took+time.Millisecond))
		})

		// SQLite has one committer, whose next batch waits for the one
		// before to be durable. PostgreSQL's two work side by side, and each
		// commit there is durable when it returns.
		if db.Dialect == store.SQLite {
			It("commits the webhooks that come while a batch is made durable together, once it is", func() {
				obs := newObserver()
				release := obs.holdNextCommit()
				opts.Observer = obs
				start()
				first := make(chan int64, 1)
				go func() {
					defer GinkgoRecover()
					first <- accept("contact=50")
				}()
				Eventually(func() []commit { return obs.snapshot().commits }).Should(HaveLen(1))
				// One by one, farther apart than a crowd's linger: committed
				// as they came, each would be a commit of its own.
				var others sync.WaitGroup
				for i := range 5 {
					others.Go(func() {
						defer GinkgoRecover()
						accept(fmt.Sprintf("contact=%d", 60+i))
					})
					time.Sleep(3 * time.Millisecond)
				}
				Consistently(first, "50ms").ShouldNot(Receive(), "answered before its commit was durable")
				release()
				Eventually(first).Should(Receive())
				others.Wait()
				commits := obs.snapshot().commits
				Expect(commits).To(HaveLen(2))
				Expect(commits[1].queued).To(HaveLen(5))
			})
		}

		Describe("one failure policy for decoding and applying", func() {
			It("keeps an e-mail-only webhook waiting at no cost while its plugin is down or not configured, and decodes it once the plugin is back", func() {
				plug.emails["anna@example.com"] = "77"
				plug.failFind(fmt.Errorf("crm klicktipp is crashed: %w", host.ErrPluginDown), fmt.Errorf("crm klicktipp is starting: %w", host.ErrPluginDown),
					sdk.Unauthenticated("the CRM refused the plugin's credentials"))
				start()
				id := accept("email=anna@example.com")
				// The Unauthenticated answer leaves the plugin not configured.
				Eventually(func() bool { return plug.Ready("klicktipp") }).Should(BeFalse())
				Consistently(event(id), "300ms").Should(And(HaveField("Status", store.StatusReceived), HaveField("Attempts", 0)))
				Expect(activity(id)).To(ContainElement(ContainSubstring("Waiting for the klicktipp plugin")))

				plug.setReady(true) // configured again
				in.Kick()
				Eventually(event(id)).Should(HaveField("Status", store.StatusDone))
				Expect(event(id)()).To(And(HaveField("ContactID", "77"), HaveField("Attempts", 1)))
			})

			DescribeTable("ends a webhook by what its decoder answers",
				func(query, status, outcome, message string) {
					start()
					id := accept(query)
					Eventually(event(id), "5s").Should(HaveField("Status", status))
					Expect(event(id)()).To(And(HaveField("Outcome", outcome), HaveField("Message", ContainSubstring(message))))
					Expect(activity(id)).To(ContainElement(And(HavePrefix(line(status)), ContainSubstring(message))))
				},
				Entry("Invalid: invalid_payload", "contact=bad", store.StatusFailed, store.OutcomeInvalidPayload, "parameter contact is not a number"),
				Entry("NotFound: contact_not_found", "contact=1&decode=notfound", store.StatusFailed, store.OutcomeNotFound, "no longer exists"),
				Entry("another terminal kind: crm_error with the plugin's message", "contact=1&decode=unsupported", store.StatusFailed, store.OutcomeCRMError, "cannot read such webhooks"),
				Entry("retryable, every time: dead / gave_up with the reason", "contact=1&decode=retry", store.StatusDead, store.OutcomeGaveUp, "decoding this webhook panicked"),
			)

			DescribeTable("ends an e-mail-only webhook by what FindContact answers",
				func(fail error, status, outcome, message string) {
					plug.failFind(fail, fail, fail)
					start()
					id := accept("email=anna@example.com")
					Eventually(event(id), "5s").Should(HaveField("Status", status))
					Expect(event(id)()).To(And(HaveField("Outcome", outcome), HaveField("Message", ContainSubstring(message))))
					Expect(activity(id)).To(ContainElement(And(HavePrefix(line(status)), ContainSubstring(message))))
				},
				Entry("NotFound: contact_not_found", sdk.NotFound("no such e-mail"), store.StatusFailed, store.OutcomeNotFound, "anna@example.com"),
				Entry("Invalid: crm_error with the plugin's message", sdk.Invalid("the e-mail address is malformed"), store.StatusFailed, store.OutcomeCRMError, "the e-mail address is malformed"),
				Entry("Unsupported: crm_error", sdk.Unsupported("no search by e-mail"), store.StatusFailed, store.OutcomeCRMError, "no search by e-mail"),
				Entry("retryable, every time: dead / gave_up with the reason", errCRMDown, store.StatusDead, store.OutcomeGaveUp, "klicktipp answered 500"),
			)

			It("retries a retryable decoder answer with backoff, counting each attempt", func() {
				obs := newObserver()
				opts.Observer = obs
				start()
				id := accept("contact=1&decode=retry")
				Eventually(event(id)).Should(HaveField("Attempts", 1))
				ev := event(id)()
				Expect(ev.Status).To(Equal(store.StatusReceived))
				// At most the first backoff (400ms +20%); the store stamps
				// UpdatedAt after the delay was drawn, so the gap can only fall
				// short of it. The delay's own bounds are the backoff specs'.
				Expect(ev.NextAttemptAt.Sub(ev.UpdatedAt)).To(And(BeNumerically("<=", 480*time.Millisecond), BeNumerically(">", 0)))
				Eventually(event(id), "5s").Should(HaveField("Status", store.StatusDead))
				Expect(event(id)().Attempts).To(Equal(3))
				Expect(activity(id)).To(ContainElement(HavePrefix("Gave up after 3 attempts")))
				Eventually(func() int { return obs.snapshot().retried }).Should(Equal(3), "two retries, then dead")
			})

			DescribeTable("ends an event by what the plugin answers while it is applied",
				func(fail error, status, outcome, message string) {
					app.failNext("60", fail, fail, fail)
					start()
					id := accept("contact=60")
					Eventually(event(id), "5s").Should(HaveField("Status", status))
					Expect(event(id)()).To(And(HaveField("Outcome", outcome), HaveField("Message", ContainSubstring(message))))
					Expect(activity(id)).To(ContainElement(And(HavePrefix(line(status)), ContainSubstring(message))))
				},
				Entry("NotFound: contact_not_found", fmt.Errorf("update contact: %w", sdk.NotFound("no contact 60")), store.StatusFailed, store.OutcomeNotFound, "no contact 60"),
				Entry("Invalid: crm_error with the plugin's message", fmt.Errorf("get contact: %w", sdk.Invalid("id 60 is not a subscriber id")), store.StatusFailed, store.OutcomeCRMError, "id 60 is not a subscriber id"),
				Entry("Unsupported: crm_error", sdk.Unsupported("no UpdateContact"), store.StatusFailed, store.OutcomeCRMError, "no UpdateContact"),
				Entry("retryable, every time: dead / gave_up", errCRMDown, store.StatusDead, store.OutcomeGaveUp, "klicktipp answered 500"),
			)

			It("does not count an attempt when the CRM refuses the plugin's credentials while an event is applied", func() {
				app.failNext("61", sdk.Unauthenticated("session expired"))
				start()
				id := accept("contact=61")
				Eventually(event(id)).Should(HaveField("Status", store.StatusDone))
				Expect(app.callsFor("61")).To(HaveLen(2))
				Expect(event(id)().Attempts).To(Equal(1))
			})
		})

		Describe("a poison webhook", func() {
			key := func(query string) string {
				v, err := url.ParseQuery(query)
				Expect(err).NotTo(HaveOccurred())
				return v.Encode()
			}

			It("that fails every batch it is in ends dead after its attempts, while the webhooks around it are applied", func() {
				plug.setReady(false)
				start()
				before, poison, after := accept("contact=70"), accept("contact=71&decode=poison"), accept("contact=72")
				plug.setReady(true)
				in.Kick()
				Eventually(event(before)).Should(HaveField("Status", store.StatusDone))
				Eventually(event(after)).Should(HaveField("Status", store.StatusDone))
				Expect(event(after)().Attempts).To(Equal(1))
				Eventually(event(poison), "5s").Should(HaveField("Status", store.StatusDead))
				Expect(event(poison)()).To(And(HaveField("Outcome", store.OutcomeGaveUp), HaveField("Attempts", 3),
					HaveField("Message", ContainSubstring("the plugin failed"))))

				later := accept("contact=73")
				Eventually(event(later)).Should(HaveField("Status", store.StatusDone))
			})

			It("that kills the plugin every time ends dead after its attempts, while the others are applied at no cost", func() {
				plug.setReady(false)
				start()
				var ids []int64
				for i := range 5 {
					ids = append(ids, accept(fmt.Sprintf("contact=%d", 80+i)))
				}
				killer := accept("contact=89&decode=killer")
				for i := range 5 {
					ids = append(ids, accept(fmt.Sprintf("contact=%d", 90+i)))
				}
				plug.setReady(true)
				in.Kick()
				for _, id := range ids {
					Eventually(event(id), "10s").Should(HaveField("Status", store.StatusDone))
					Expect(event(id)().Attempts).To(Equal(1), "a webhook decoded alongside the killer is charged nothing")
				}
				Eventually(event(killer), "20s").Should(HaveField("Status", store.StatusDead))
				Expect(event(killer)()).To(And(HaveField("Outcome", store.OutcomeGaveUp), HaveField("Attempts", 3),
					HaveField("Message", ContainSubstring("the plugin died decoding this webhook alone"))))
				Expect(plug.decodeCalls(key("contact=89&decode=killer"))).To(BeNumerically(">=", 3))
			})

			It("whose e-mail lookup kills the plugin every time ends dead after its attempts, while the webhooks around it are applied", func() {
				plug.emails["anna@example.com"], plug.emails["ben@example.com"] = "101", "102"
				plug.killers["killer@example.com"] = true
				plug.setReady(false)
				start()
				before, killer, after := accept("email=anna@example.com"), accept("email=killer@example.com"), accept("email=ben@example.com")
				plug.setReady(true)
				in.Kick()
				Eventually(event(before), "10s").Should(HaveField("Status", store.StatusDone))
				Eventually(event(after), "10s").Should(HaveField("Status", store.StatusDone))
				Eventually(event(killer), "20s").Should(HaveField("Status", store.StatusDead))
				Expect(event(killer)()).To(And(HaveField("Outcome", store.OutcomeGaveUp), HaveField("Attempts", 3),
					HaveField("Message", ContainSubstring("the plugin died looking up the contact of this webhook"))))
			})

			It("is not what a plugin dying for a reason of its own makes of the webhooks in flight", func() {
				plug.setReady(false)
				start()
				ids := []int64{accept("contact=96"), accept("contact=97&decode=crash-once"), accept("contact=98")}
				plug.setReady(true)
				in.Kick()
				for _, id := range ids {
					Eventually(event(id), "5s").Should(HaveField("Status", store.StatusDone))
					Expect(event(id)().Attempts).To(Equal(1))
				}
			})
		})

		It("refuses webhooks over the backlog limit", func() {
			plug.setReady(false)
			opts.MaxBacklog = 2
			start()
			accept("contact=1")
			accept("contact=2")
			Expect(in.Accept(context.Background(), webhook("contact=3"))).To(MatchError(inbox.ErrBacklogFull))
		})
	})

	Describe("on a single SQLite process", func() {
		It("returns events a previous run left in processing to the queue at start", func(ctx SpecContext) {
			db := storetest.Get(ctx, store.SQLite)
			st := db.Store()
			Expect(storetest.Empty(ctx, st)).To(Succeed())
			ev := webhook("contact=40")
			Expect(st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
				ev.Status, ev.NextAttemptAt, ev.ReceivedAt, ev.UpdatedAt = store.StatusReceived, time.Now().UTC(), time.Now().UTC(), time.Now().UTC()
				return tx.InsertEvents(ctx, []*store.Event{ev})
			})).To(Succeed())
			Expect(st.MarkDecoded(ctx, ev.ID, "40", "")).To(Succeed())
			_, err := st.ClaimEvents(ctx, "crashed", []string{"klicktipp"}, time.Now().UTC().Add(time.Hour), 1)
			Expect(err).NotTo(HaveOccurred())

			app := newApplier(st)
			in := inbox.New(st, newPlugins(), app, inbox.Options{
				ReleaseStaleLeases: true, Poll: 20 * time.Millisecond,
				CRMs: func() []string { return []string{"klicktipp"} },
			}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			Expect(in.Start(ctx)).To(Succeed())
			defer in.Stop(ctx)
			Eventually(func() string {
				got, _ := st.EventByID(ctx, ev.ID)
				return got.Status
			}).Should(Equal(store.StatusDone))
		})
	})
})
