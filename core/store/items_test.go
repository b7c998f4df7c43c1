package store_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gstruct"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

var _ = Describe("a request of several items", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var s *store.Store

		BeforeEach(func() { s = db.Store() })

		// decode records req as decoded into its own item and items more,
		// as the inbox does, in one transaction.
		decode := func(ctx context.Context, req *store.Event, items ...*store.Event) {
			req.Decoded, req.ItemCount, req.Status = true, 1+len(items), store.StatusPending
			for i, it := range items {
				it.CRM, it.Action, it.Decoded, it.RequestID, it.ItemIndex = req.CRM, req.Action, true, &req.ID, i+1
				it.ReceivedAt, it.NextAttemptAt = req.ReceivedAt, req.ReceivedAt
				if it.Status == "" {
					it.Status = store.StatusPending
				}
			}
			Expect(s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
				if err := tx.SaveDecoded(ctx, req); err != nil {
					return err
				}
				return tx.InsertItems(ctx, items)
			})).To(Succeed())
		}

		It("keeps its items as events of their own, listed under it, and reads them with it", func(ctx SpecContext) {
			req := addEvent(ctx, s, "klicktipp", "", store.StatusReceived)
			req.ContactID = "1"
			decode(ctx, req, &store.Event{ContactID: "2"}, &store.Event{ContactID: "3", Contact: `{"ID":"3"}`})

			got, err := s.EventByID(ctx, req.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(And(HaveField("ItemCount", 3), HaveField("ContactID", "1"), HaveField("Status", store.StatusPending)))
			Expect(s.WithItems(ctx, got)).To(Succeed())
			Expect(got.Items).To(HaveExactElements(
				HaveField("ID", req.ID),
				And(HaveField("ContactID", "2"), HaveField("RequestID", Equal(&req.ID)), HaveField("ItemIndex", 1)),
				And(HaveField("ContactID", "3"), HaveField("ItemIndex", 2), HaveField("Contact", `{"ID":"3"}`)),
			))
			item, err := s.EventByID(ctx, got.Items[1].ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(s.WithItems(ctx, item)).To(Succeed())
			Expect(item.Items).To(BeNil(), "an item row has no items of its own")

			listed, _, err := s.ListEvents(ctx, store.EventFilter{RequestID: req.ID}, store.Page{Limit: 10})
			Expect(err).NotTo(HaveOccurred())
			Expect(ids(listed, eventID)).To(ConsistOf(got.Items[1].ID, got.Items[2].ID))
		})

		It("is decoded once: a second hub's decode of the same request saves nothing, and no item is made twice", func(ctx SpecContext) {
			req := addEvent(ctx, s, "klicktipp", "", store.StatusReceived)
			late := *req // what another hub read before the first one saved
			req.ContactID = "1"
			decode(ctx, req, &store.Event{ContactID: "2"})

			late.Decoded, late.ContactID, late.ItemCount, late.Status = true, "1", 2, store.StatusPending
			err := s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.SaveDecoded(ctx, &late) })
			Expect(err).To(MatchError(store.ErrNotReceived))

			again := &store.Event{CRM: "klicktipp", Action: req.Action, ContactID: "2", Decoded: true, RequestID: &req.ID,
				ItemIndex: 1, Status: store.StatusPending, ReceivedAt: req.ReceivedAt, NextAttemptAt: req.ReceivedAt}
			err = s.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.InsertItems(ctx, []*store.Event{again}) })
			Expect(err).To(HaveOccurred(), "a request's item index is unique")
			listed, _, err := s.ListEvents(ctx, store.EventFilter{RequestID: req.ID}, store.Page{Limit: 10})
			Expect(err).NotTo(HaveOccurred())
			Expect(listed).To(HaveLen(1))
		})

		It("saves a batch of decodes at once, leaving out a row another hub saved first", func(ctx SpecContext) {
			pending := addEvent(ctx, s, "klicktipp", "", store.StatusReceived)
			taken := addEvent(ctx, s, "klicktipp", "", store.StatusReceived)
			failed := addEvent(ctx, s, "klicktipp", "", store.StatusReceived)
			late := *taken // what this hub read before another one saved it
			taken.Decoded, taken.ContactID, taken.ItemCount, taken.Status = true, "7", 1, store.StatusPending
			Expect(s.SaveDecoded(ctx, taken)).To(Succeed())

			retryAt := time.Now().UTC().Add(time.Minute).Truncate(time.Millisecond)
			pending.Decoded, pending.ContactID, pending.Email, pending.ItemCount = true, "1", "a@example.com", 1
			pending.Status, pending.Contact, pending.NextAttemptAt = store.StatusPending, `{"ID":"1"}`, retryAt
			late.Decoded, late.ContactID, late.ItemCount, late.Status = true, "8", 1, store.StatusPending
			failed.Status, failed.Outcome, failed.Message, failed.Attempts = store.StatusFailed, store.OutcomeInvalidPayload, "unreadable", 1
			var saved []*store.Event
			Expect(s.InTx(ctx, func(ctx context.Context, tx *store.Tx) (err error) {
				saved, err = tx.SaveDecodedEvents(ctx, []*store.Event{pending, &late, failed})
				return err
			})).To(Succeed())
			Expect(saved).To(HaveExactElements(pending, failed))

			got, err := s.EventByID(ctx, pending.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(*got).To(gstruct.MatchFields(gstruct.IgnoreExtras, gstruct.Fields{
				"Decoded": BeTrue(), "ContactID": Equal("1"), "Email": Equal("a@example.com"), "Contact": Equal(`{"ID":"1"}`),
				"ItemCount": Equal(1), "Status": Equal(store.StatusPending), "FinishedAt": BeNil(),
				"NextAttemptAt": BeTemporally("~", retryAt, time.Millisecond),
			}))
			got, err = s.EventByID(ctx, taken.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(got.ContactID).To(Equal("7"), "the first hub's decode stands")
			got, err = s.EventByID(ctx, failed.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(*got).To(gstruct.MatchFields(gstruct.IgnoreExtras, gstruct.Fields{
				"Decoded": BeFalse(), "Status": Equal(store.StatusFailed), "Outcome": Equal(store.OutcomeInvalidPayload),
				"Message": Equal("unreadable"), "Attempts": Equal(1), "FinishedAt": Not(BeNil()),
			}))
			for _, ev := range []*store.Event{pending, taken, failed} {
				lines, err := s.EventActivity(ctx, ev.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(lines).To(HaveExactElements(HaveField("Message", "Received add webhook.")), "event %d", ev.ID)
			}
		})

		It("is final once every item is: dead before failed before done", func() {
			ev := func(status string) *store.Event { return &store.Event{Status: status} }
			Expect(store.RequestStatus([]*store.Event{ev(store.StatusDone), ev(store.StatusPending), ev(store.StatusDead)})).
				To(Equal(store.StatusPending))
			Expect(store.RequestStatus([]*store.Event{ev(store.StatusDone), ev(store.StatusFailed), ev(store.StatusDead)})).
				To(Equal(store.StatusDead))
			Expect(store.RequestStatus([]*store.Event{ev(store.StatusFailed), ev(store.StatusDone)})).To(Equal(store.StatusFailed))
			Expect(store.RequestStatus([]*store.Event{ev(store.StatusDone), ev(store.StatusDone)})).To(Equal(store.StatusDone))
		})

		It("replays a request's failed and dead items, each from its decoded data", func(ctx SpecContext) {
			req := addEvent(ctx, s, "klicktipp", "", store.StatusReceived)
			req.ContactID = "1"
			failed := &store.Event{ContactID: "2", Status: store.StatusFailed, Contact: `{"ID":"2","Email":"then@example.com"}`}
			unresolved := &store.Event{Email: "x@example.com", Status: store.StatusDead}
			done := &store.Event{ContactID: "4", Status: store.StatusDone}
			decode(ctx, req, failed, unresolved, done)

			replayed, err := s.Replay(ctx, store.ReplayFilter{IDs: []int64{req.ID}})
			Expect(err).NotTo(HaveOccurred())
			Expect(replayed).To(ConsistOf(failed.ID, unresolved.ID), "the request's own row is pending, not replayable")
			for id, status := range map[int64]string{failed.ID: store.StatusPending, unresolved.ID: store.StatusReceived, done.ID: store.StatusDone} {
				got, err := s.EventByID(ctx, id)
				Expect(err).NotTo(HaveOccurred())
				Expect(got.Status).To(Equal(status), "item %d", id)
			}
			got, err := s.EventByID(ctx, failed.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Contact).To(BeEmpty(), "a replay fetches the contact as it is now, not as the webhook carried it then")
		})

		Describe("a contact's items apply in the order their requests were received, not in row order", func() {
			// A batch A (items for contacts 1 and 2) is received, then a
			// request B for contact 2 with newer data; A is decoded after B
			// arrived, so A's item for contact 2 gets a higher id than B.
			var itemA, reqB *store.Event
			receive := func(ctx context.Context, action string) {
				reqA := addEvent(ctx, s, "klicktipp", "", store.StatusReceived)
				reqB = addEvent(ctx, s, "klicktipp", "2", store.StatusPending)
				reqB.Action, reqB.Contact = action, `{"ID":"2","Email":"new@example.com"}`
				_, err := s.DB().NewUpdate().Model(reqB).Column("action", "contact").WherePK().Exec(ctx)
				Expect(err).NotTo(HaveOccurred())
				reqA.ContactID = "1"
				itemA = &store.Event{ContactID: "2", Contact: `{"ID":"2","Email":"old@example.com"}`}
				decode(ctx, reqA, itemA)
				Expect(itemA.ID).To(BeNumerically(">", reqB.ID))
			}
			claimContact2 := func(ctx context.Context) store.Claim {
				claims, err := s.ClaimEvents(ctx, "hub-1", []string{"klicktipp"}, time.Now().UTC().Add(time.Minute), 5)
				Expect(err).NotTo(HaveOccurred())
				for _, c := range claims {
					if c.Event.ContactID == "2" {
						return c
					}
				}
				Fail("contact 2 was not claimed")
				return store.Claim{}
			}

			It("claims the earlier-received item first", func(ctx SpecContext) {
				receive(ctx, "update")
				Expect(claimContact2(ctx).Event.ID).To(Equal(itemA.ID))
			})

			It("merges into the earlier-received item the contact the later request carried", func(ctx SpecContext) {
				receive(ctx, "add")
				c := claimContact2(ctx)
				Expect(c.Event.ID).To(Equal(itemA.ID))
				Expect(c.Coalesced).To(ConsistOf(reqB.ID))
				Expect(c.Event.Contact).To(ContainSubstring("new@example.com"))
			})
		})

		It("merges identical pending items into the oldest, which applies the contact the newest carried", func(ctx SpecContext) {
			mk := func(contact string) *store.Event {
				ev := addEvent(ctx, s, "klicktipp", "9", store.StatusPending)
				ev.Contact = contact
				_, err := s.DB().NewUpdate().Model(ev).Column("contact").WherePK().Exec(ctx)
				Expect(err).NotTo(HaveOccurred())
				return ev
			}
			oldest := mk(`{"ID":"9","Email":"old@example.com"}`)
			mk(`{"ID":"9","Email":"middle@example.com"}`)
			newest := mk(`{"ID":"9","Email":"new@example.com"}`)

			claims, err := s.ClaimEvents(ctx, "hub-1", []string{"klicktipp"}, time.Now().UTC().Add(time.Minute), 5)
			Expect(err).NotTo(HaveOccurred())
			Expect(claims).To(HaveLen(1))
			Expect(claims[0].Event.ID).To(Equal(oldest.ID))
			Expect(claims[0].Coalesced).To(ContainElement(newest.ID))
			Expect(claims[0].Event.Contact).To(ContainSubstring("new@example.com"))
			got, err := s.EventByID(ctx, oldest.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Contact).To(ContainSubstring("new@example.com"), "stored, so a take-over applies it too")
		})
	})
})
