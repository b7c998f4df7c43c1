package store_test

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

var _ = Describe("claiming events", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var s *store.Store

		BeforeEach(func() { s = db.Store() })

		claimOne := func(ctx context.Context, owner string, until time.Time) store.Claim {
			claims, err := s.ClaimEvents(ctx, owner, []string{"klicktipp"}, until, 1)
			Expect(err).NotTo(HaveOccurred())
			Expect(claims).To(HaveLen(1))
			return claims[0]
		}
		contactLease := func(ctx context.Context, crm, contact string) *store.ContactLease {
			var leases []store.ContactLease
			Expect(s.DB().NewSelect().Model(&leases).Where("crm = ? AND contact_id = ?", crm, contact).Scan(ctx)).To(Succeed())
			if len(leases) == 0 {
				return nil
			}
			return &leases[0]
		}

		Describe("a lease belongs to one claim, not to the process that made it", func() {
			var (
				ev             *store.Event
				stalled, taken store.Claim
				takenUntil     time.Time
				stalledView    store.Event // the event as the stalled worker knows it
			)

			BeforeEach(func(ctx SpecContext) {
				ev = addEvent(ctx, s, "klicktipp", "7", store.StatusPending)
				// A worker claims it and stalls until its lease has run out;
				// another worker of the same process takes the event over.
				stalled = claimOne(ctx, "hub-1", time.Now().UTC().Add(-time.Second))
				stalledView = *stalled.Event
				takenUntil = time.Now().UTC().Add(time.Hour).Truncate(time.Second)
				taken = claimOne(ctx, "hub-1", takenUntil)
				Expect(taken.Event.ID).To(Equal(ev.ID))
				Expect(taken.Event.Attempts).To(Equal(2))
			})

			It("names the process on every lease, so operators see which hub holds it", func(ctx SpecContext) {
				Expect(stalled.Lease).To(HavePrefix("hub-1/"))
				Expect(taken.Lease).To(HavePrefix("hub-1/"))
				Expect(taken.Lease).NotTo(Equal(stalled.Lease))
				got, err := s.EventByID(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(got.LeaseOwner).To(Equal(taken.Lease))
				Expect(contactLease(ctx, "klicktipp", "7")).To(HaveField("Owner", taken.Lease))
				attempts, err := s.EventAttempts(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(attempts).To(HaveExactElements(HaveField("Owner", stalled.Lease), HaveField("Owner", taken.Lease)))
			})

			// stillHeld checks that the event and its contact are the new
			// claim's, as that claim left them.
			stillHeld := func(ctx context.Context) {
				got, err := s.EventByID(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(got).To(And(HaveField("Status", store.StatusProcessing), HaveField("Message", ""),
					HaveField("LeaseOwner", taken.Lease)))
				Expect(got.LeaseUntil.Equal(takenUntil)).To(BeTrue(), "event lease until %s, want %s", got.LeaseUntil, takenUntil)
				lease := contactLease(ctx, "klicktipp", "7")
				Expect(lease).NotTo(BeNil(), "the contact lease was released under the new owner")
				Expect(lease.Owner).To(Equal(taken.Lease))
				Expect(lease.Until.Equal(takenUntil)).To(BeTrue(), "contact lease until %s, want %s", lease.Until, takenUntil)
			}

			It("lets the overtaken claim not renew the new one's leases", func(ctx SpecContext) {
				renewed, err := s.RenewLease(ctx, stalled.Event, stalled.Lease, time.Now().UTC().Add(2*time.Hour))
				Expect(err).NotTo(HaveOccurred())
				Expect(renewed).To(BeFalse())
				stillHeld(ctx)
			})

			It("lets the overtaken claim not finish the event", func(ctx SpecContext) {
				late := stalledView
				late.Status, late.Outcome, late.Message = store.StatusDone, "tags_updated", "applied by the stalled worker"
				Expect(s.Finish(ctx, &late, stalled.Lease)).To(MatchError(store.ErrLeaseLost))
				stillHeld(ctx)
			})

			It("lets the overtaken claim not reschedule the event", func(ctx SpecContext) {
				late := stalledView
				late.Status, late.NextAttemptAt, late.Message = store.StatusRetrying, time.Now().UTC(), "rescheduled by the stalled worker"
				Expect(s.Reschedule(ctx, &late, stalled.Lease)).To(MatchError(store.ErrLeaseLost))
				stillHeld(ctx)
			})

			It("lets the overtaken claim not release the contact", func(ctx SpecContext) {
				Expect(s.ReleaseContact(ctx, "klicktipp", "7", stalled.Lease)).To(Succeed())
				stillHeld(ctx)
			})

			It("lets the overtaken claim not close the new attempt, and the new claim close it", func(ctx SpecContext) {
				current, err := s.EventByID(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(s.CloseAttempt(ctx, current, stalled.Lease, store.StatusDone, "")).To(Succeed())
				attempts, err := s.EventAttempts(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(attempts).To(HaveLen(2))
				Expect(attempts[1].FinishedAt).To(BeNil(), "the stalled worker closed the new attempt")

				Expect(s.CloseAttempt(ctx, taken.Event, taken.Lease, store.StatusDone, "")).To(Succeed())
				attempts, err = s.EventAttempts(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(attempts[1]).To(And(HaveField("FinishedAt", Not(BeNil())), HaveField("Outcome", store.StatusDone)))
			})

			It("lets the new claim renew, finish and release the contact", func(ctx SpecContext) {
				renewed, err := s.RenewLease(ctx, taken.Event, taken.Lease, time.Now().UTC().Add(2*time.Hour))
				Expect(err).NotTo(HaveOccurred())
				Expect(renewed).To(BeTrue())

				taken.Event.Status, taken.Event.Outcome, taken.Event.Message = store.StatusDone, "tags_updated", "applied by the new owner"
				Expect(s.Finish(ctx, taken.Event, taken.Lease)).To(Succeed())
				got, err := s.EventByID(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(got).To(And(HaveField("Status", store.StatusDone), HaveField("Message", "applied by the new owner"),
					HaveField("Attempts", 2), HaveField("LeaseOwner", "")))
				Expect(contactLease(ctx, "klicktipp", "7")).To(BeNil())
			})

			// Writing the contact again, even unchanged, would move its
			// entry in the index of a contact's events at every finish.
			It("finishes with the outcome alone, leaving what the event was decoded to", func(ctx SpecContext) {
				decoded := *taken.Event
				taken.Event.ContactID, taken.Event.Email, taken.Event.Decoded = "8", "someone@example.com", false
				taken.Event.Status, taken.Event.Outcome = store.StatusDone, "tags_updated"
				Expect(s.Finish(ctx, taken.Event, taken.Lease)).To(Succeed())
				got, err := s.EventByID(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(got).To(And(HaveField("Status", store.StatusDone), HaveField("Outcome", "tags_updated"),
					HaveField("ContactID", decoded.ContactID), HaveField("Email", decoded.Email), HaveField("Decoded", true)))
			})

			It("lets the new claim reschedule, freeing the contact", func(ctx SpecContext) {
				taken.Event.Status, taken.Event.NextAttemptAt = store.StatusRetrying, time.Now().UTC().Add(time.Minute)
				Expect(s.Reschedule(ctx, taken.Event, taken.Lease)).To(Succeed())
				got, err := s.EventByID(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(got).To(And(HaveField("Status", store.StatusRetrying), HaveField("LeaseOwner", "")))
				Expect(contactLease(ctx, "klicktipp", "7")).To(BeNil())
			})
		})

		DescribeTable("renews a claim's leases only when it still holds both the event and its contact",
			func(ctx SpecContext, lose func(ctx context.Context, c store.Claim)) {
				addEvent(ctx, s, "klicktipp", "9", store.StatusPending)
				until := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
				c := claimOne(ctx, "hub-1", until)
				lose(ctx, c)

				renewed, err := s.RenewLease(ctx, c.Event, c.Lease, until.Add(time.Hour))
				Expect(err).NotTo(HaveOccurred())
				Expect(renewed).To(BeFalse())
				got, err := s.EventByID(ctx, c.Event.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(got.LeaseUntil.Equal(until)).To(BeTrue(), "the event's lease was renewed alone: until %s", got.LeaseUntil)
			},
			Entry("the contact lease is gone", func(ctx context.Context, c store.Claim) {
				_, err := s.DB().NewDelete().Model((*store.ContactLease)(nil)).Where("crm = ? AND contact_id = ?", "klicktipp", "9").Exec(ctx)
				Expect(err).NotTo(HaveOccurred())
			}),
			Entry("another claim holds the contact", func(ctx context.Context, c store.Claim) {
				_, err := s.DB().NewUpdate().Model((*store.ContactLease)(nil)).Set("owner = ?", "hub-2/0123456789abcdef").
					Where("crm = ? AND contact_id = ?", "klicktipp", "9").Exec(ctx)
				Expect(err).NotTo(HaveOccurred())
			}),
		)

		It("claims the oldest event of each free contact, passing over contacts another claim holds", func(ctx SpecContext) {
			byContact := map[string][]*store.Event{}
			for _, contact := range []string{"1", "2", "3", "2", "4", "5", "6"} {
				byContact[contact] = append(byContact[contact], addEvent(ctx, s, "klicktipp", contact, store.StatusPending))
			}
			held := time.Now().UTC().Add(time.Hour)
			for _, contact := range []string{"1", "3"} {
				_, err := s.DB().NewInsert().Model(&store.ContactLease{CRM: "klicktipp", ContactID: contact, Owner: "hub-2/0123456789abcdef", Until: held}).Exec(ctx)
				Expect(err).NotTo(HaveOccurred())
			}

			claims, err := s.ClaimEvents(ctx, "hub-1", []string{"klicktipp"}, held, 3)
			Expect(err).NotTo(HaveOccurred())
			Expect(claims).To(HaveLen(3))
			for i, contact := range []string{"2", "4", "5"} {
				c := claims[i]
				Expect(c.Event.ID).To(Equal(byContact[contact][0].ID))
				Expect(contactLease(ctx, "klicktipp", contact)).To(HaveField("Owner", c.Lease))
				got, err := s.EventByID(ctx, c.Event.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(got).To(And(HaveField("Status", store.StatusProcessing), HaveField("LeaseOwner", c.Lease), HaveField("Attempts", 1)))
			}
			// The second event of contact 2 was identical: merged into the first.
			Expect(claims[0].Coalesced).To(ConsistOf(byContact["2"][1].ID))
			Expect(claims[1].Coalesced).To(BeEmpty())
			Expect(contactLease(ctx, "klicktipp", "1")).To(HaveField("Owner", "hub-2/0123456789abcdef"))

			claims, err = s.ClaimEvents(ctx, "hub-1", []string{"klicktipp"}, held, 3)
			Expect(err).NotTo(HaveOccurred())
			Expect(claims).To(HaveExactElements(HaveField("Event.ID", byContact["6"][0].ID)))
		})

		Describe("behind events of contacts other claims hold", func() {
			// A claim of one reads four candidates a window: pending
			// events of contacts 100–105, two each, held by another hub,
			// fill three windows, and a free contact's event comes after
			// them.
			var held time.Time
			holdContacts := func(ctx context.Context, events int) {
				for i := range events {
					contact := fmt.Sprint(100 + i%6)
					addEvent(ctx, s, "klicktipp", contact, store.StatusPending)
					if i < 6 {
						_, err := s.DB().NewInsert().Model(&store.ContactLease{CRM: "klicktipp", ContactID: contact, Owner: "hub-2/0123456789abcdef", Until: held}).Exec(ctx)
						Expect(err).NotTo(HaveOccurred())
					}
				}
			}
			BeforeEach(func() { held = time.Now().UTC().Add(time.Hour) })

			It("reads further while it has taken none and its windows come back full, to a free contact's event", func(ctx SpecContext) {
				holdContacts(ctx, 12)
				free := addEvent(ctx, s, "klicktipp", "9", store.StatusPending)
				other := addEvent(ctx, s, "klicktipp", "10", store.StatusPending)

				claims, err := s.ClaimEvents(ctx, "hub-1", []string{"klicktipp"}, held, 1)
				Expect(err).NotTo(HaveOccurred())
				Expect(claims).To(HaveExactElements(HaveField("Event.ID", free.ID)))
				claims, err = s.ClaimEvents(ctx, "hub-1", []string{"klicktipp"}, held, 1)
				Expect(err).NotTo(HaveOccurred())
				Expect(claims).To(HaveExactElements(HaveField("Event.ID", other.ID)))
			})

			It("reads further inside a request of several items, in their order", func(ctx SpecContext) {
				// One request's items: twelve of held contacts (100–105),
				// then a free contact's, all in one place of receipt.
				now := time.Now().UTC()
				request := addEvent(ctx, s, "klicktipp", "100", store.StatusPending)
				_, err := s.DB().NewInsert().Model(&store.ContactLease{CRM: "klicktipp", ContactID: "100", Owner: "hub-2/0123456789abcdef", Until: held}).Exec(ctx)
				Expect(err).NotTo(HaveOccurred())
				items := make([]*store.Event, 13)
				for i := range items {
					contact := fmt.Sprint(100 + (i+1)%6)
					if i == 12 {
						contact = "9"
					}
					items[i] = &store.Event{CRM: "klicktipp", Action: "add", ContactID: contact, Decoded: true, Status: store.StatusPending,
						RequestID: &request.ID, ItemIndex: i + 1, ReceivedAt: now, UpdatedAt: now, NextAttemptAt: now}
					if i < 5 {
						_, err := s.DB().NewInsert().Model(&store.ContactLease{CRM: "klicktipp", ContactID: contact, Owner: "hub-2/0123456789abcdef", Until: held}).Exec(ctx)
						Expect(err).NotTo(HaveOccurred())
					}
				}
				Expect(s.InsertEvents(ctx, items)).To(Succeed())

				claims, err := s.ClaimEvents(ctx, "hub-1", []string{"klicktipp"}, held, 1)
				Expect(err).NotTo(HaveOccurred())
				Expect(claims).To(HaveExactElements(HaveField("Event.ID", items[12].ID)))
			})

			It("reads no further once it has taken one", func(ctx SpecContext) {
				first := addEvent(ctx, s, "klicktipp", "9", store.StatusPending)
				holdContacts(ctx, 12)
				addEvent(ctx, s, "klicktipp", "10", store.StatusPending)

				claims, err := s.ClaimEvents(ctx, "hub-1", []string{"klicktipp"}, held, 2)
				Expect(err).NotTo(HaveOccurred())
				Expect(claims).To(HaveExactElements(HaveField("Event.ID", first.ID)))
			})

			It("reads four windows at most", func(ctx SpecContext) {
				holdContacts(ctx, 16)
				addEvent(ctx, s, "klicktipp", "9", store.StatusPending)

				claims, err := s.ClaimEvents(ctx, "hub-1", []string{"klicktipp"}, held, 1)
				Expect(err).NotTo(HaveOccurred())
				Expect(claims).To(BeEmpty())
			})
		})

		It("lists the contact's other pending events as waiting for the claimed one, but not those merged into it", func(ctx SpecContext) {
			first := addEvent(ctx, s, "klicktipp", "7", store.StatusPending)
			twin := addEvent(ctx, s, "klicktipp", "7", store.StatusPending)
			other := addEvent(ctx, s, "klicktipp", "7", store.StatusPending)
			other.Action = "update_tags"
			_, err := s.DB().NewUpdate().Model(other).Column("action").WherePK().Exec(ctx)
			Expect(err).NotTo(HaveOccurred())
			addEvent(ctx, s, "klicktipp", "8", store.StatusPending)              // another contact's
			addEvent(ctx, s, "klicktipp", "7", store.StatusReceived)             // not decoded yet
			retrying := addEvent(ctx, s, "klicktipp", "7", store.StatusRetrying) // not due
			_, err = s.DB().NewUpdate().Model(retrying).Set("next_attempt_at = ?", time.Now().UTC().Add(time.Hour)).WherePK().Exec(ctx)
			Expect(err).NotTo(HaveOccurred())

			claims, err := s.ClaimEvents(ctx, "hub-1", []string{"klicktipp"}, time.Now().UTC().Add(time.Hour), 1)
			Expect(err).NotTo(HaveOccurred())
			Expect(claims).To(HaveExactElements(And(
				HaveField("Event.ID", first.ID),
				HaveField("Coalesced", ConsistOf(twin.ID)),
				HaveField("Waiting", ConsistOf(other.ID)))))
		})

		It("claims any number of events with a handful of statements kept prepared", func(ctx SpecContext) {
			for i := range 131 {
				addEvent(ctx, s, "klicktipp", fmt.Sprint(i), store.StatusPending)
			}
			claim := func(n int) {
				claims, err := s.ClaimEvents(ctx, "hub-1", []string{"klicktipp"}, time.Now().UTC().Add(time.Hour), n)
				Expect(err).NotTo(HaveOccurred())
				Expect(claims).To(HaveLen(n))
			}
			claim(16)
			claim(15) // the attempts go in statements of 8, 4, 2 and 1 rows
			kept := store.PreparedTexts(s)
			for n := 9; n <= 16; n++ {
				claim(n)
				Expect(store.PreparedTexts(s)).To(Equal(kept), "after a claim of %d events", n)
			}
		})

		It("hands the worker the event whole, but for the request as received", func(ctx SpecContext) {
			now := time.Now().UTC()
			ev := &store.Event{CRM: "klicktipp", Action: "add", Role: "subscriber", SendNotification: true,
				Method: "POST", Query: "role=subscriber", Header: `{"X-Test":["1"]}`, ContentType: "application/json",
				Body: []byte(`{"id":"21"}`), Decoded: true, ContactID: "21", Email: "ann@example.com",
				Contact: `{"ID":"21","Email":"ann@example.com"}`, Status: store.StatusPending,
				ReceivedAt: now, UpdatedAt: now, NextAttemptAt: now}
			Expect(s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.InsertEvents(ctx, []*store.Event{ev}) })).To(Succeed())

			c := claimOne(ctx, "hub-1", now.Add(time.Hour))
			Expect(*c.Event).To(MatchFields(IgnoreExtras, Fields{
				"ID": Equal(ev.ID), "Action": Equal("add"), "Role": Equal("subscriber"), "SendNotification": BeTrue(),
				"ContactID": Equal("21"), "Email": Equal("ann@example.com"), "Contact": Equal(ev.Contact),
				"Status": Equal(store.StatusProcessing), "Attempts": Equal(1),
				"Method": BeEmpty(), "Query": BeEmpty(), "Header": BeEmpty(), "ContentType": BeEmpty(), "Body": BeEmpty(),
			}))
		})

		It("releases every lease at the start of a single process, whatever claim holds it", func(ctx SpecContext) {
			ev := addEvent(ctx, s, "klicktipp", "8", store.StatusPending)
			claimOne(ctx, "crashed", time.Now().UTC().Add(time.Hour))
			n, err := s.ReleaseAllLeases(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(n).To(Equal(1))
			got, err := s.EventByID(ctx, ev.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(And(HaveField("Status", store.StatusPending), HaveField("LeaseOwner", "")))
			Expect(contactLease(ctx, "klicktipp", "8")).To(BeNil())
			claimOne(ctx, "restarted", time.Now().UTC().Add(time.Hour))
		})
	})
})

var _ = Describe("claims on one PostgreSQL", Label("postgres"), func() {
	It("take contact leases in one order, so claims that overlap wait for each other instead of deadlocking", func(ctx SpecContext) {
		s := storetest.Get(ctx, store.Postgres).Store()
		Expect(storetest.Empty(ctx, s)).To(Succeed())
		// Contact 2's event was received first, so a claim meets the
		// contacts in the order 2, 1.
		addEvent(ctx, s, "klicktipp", "2", store.StatusPending)
		addEvent(ctx, s, "klicktipp", "1", store.StatusPending)

		// Another hub's claim holds contact 1 and is about to take 2.
		other, err := s.DB().BeginTx(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		defer other.Rollback() //nolint:errcheck // committed below
		takeLease := func(contact string) error {
			_, err := other.NewInsert().Model(&store.ContactLease{CRM: "klicktipp", ContactID: contact,
				Owner: "other/1", Until: time.Now().UTC().Add(time.Hour)}).Exec(ctx)
			return err
		}
		Expect(takeLease("1")).To(Succeed())

		claimed := make(chan error, 1)
		go func() {
			_, err := s.ClaimEvents(ctx, "hub-1", []string{"klicktipp"}, time.Now().UTC().Add(time.Hour), 2)
			claimed <- err
		}()
		// The claim now waits for contact 1. Had it taken contact 2 before
		// asking for 1, the other claim's next step would close a cycle.
		Eventually(ctx, func() (int64, error) {
			return s.DB().NewSelect().TableExpr("pg_stat_activity").
				Where("datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO contact_leases%'").Count(ctx)
		}).Should(BeEquivalentTo(1))
		Expect(takeLease("2")).To(Succeed())
		Expect(other.Commit()).To(Succeed())
		Expect(<-claimed).To(Succeed())
	})
})
