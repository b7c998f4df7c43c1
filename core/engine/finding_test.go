package engine_test

import (
	"context"
	"errors"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("finding, linking and the CRM's answers", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			s    *store.Store
			crm  *fakeCRM
			eng  *engine.Engine
			anna *store.User
		)
		BeforeEach(func(ctx SpecContext) {
			s = db.Store()
			crm = newFakeCRM()
			eng = engine.New(baseConfig(), crm, s, testBox(), nil)
			anna = &store.User{Username: "anna", Email: "anna@example.com", Role: "subscriber", PasswordHash: "x"}
			Expect(s.CreateUser(ctx, anna)).To(Succeed())
		})
		apply := func(ctx context.Context, action, contactID string) engine.Result {
			res, err := eng.Apply(ctx, engine.Event{ID: 1, CRM: "klicktipp", Action: action, ContactID: contactID}, nil)
			ExpectWithOffset(1, err).NotTo(HaveOccurred())
			return res
		}

		It("looks a user up by the e-mail address the CRM reports, ignoring case", func(ctx SpecContext) {
			crm.put("klicktipp", contact("123", "ANNA@Example.com"))
			res := apply(ctx, engine.ActionUpdate, "123")
			Expect(res.Outcome).To(Equal(engine.Updated))
			Expect(res.UserID).To(Equal(anna.ID))
		})

		It("finds nobody when the CRM reports another address, whatever the webhook said", func(ctx SpecContext) {
			// The webhook claimed anna@example.com (the inbox used it to
			// find contact 123), but the CRM is the authority.
			crm.put("klicktipp", contact("123", "someone.else@example.com"))
			Expect(apply(ctx, engine.ActionUpdate, "123").Outcome).To(Equal(engine.NoMatchingUser))
			_, err := s.UserByContact(ctx, "klicktipp", "123")
			Expect(err).To(MatchError(store.ErrNotFound))
		})

		It("replaces a user's link to another contact of the same CRM, saying so", func(ctx SpecContext) {
			Expect(s.LinkContact(ctx, "klicktipp", "111", anna.ID)).To(BeTrue())
			Expect(s.LinkContact(ctx, "hubspot", "h-9", anna.ID)).To(BeTrue())
			crm.put("klicktipp", contact("123", "anna@example.com"))

			Expect(apply(ctx, engine.ActionUpdateTags, "123").Outcome).To(Equal(engine.TagsUpdated))

			links, err := s.Links(ctx, anna.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(links).To(HaveLen(2))
			Expect(links[0].CRM+"/"+links[0].ContactID).To(Equal("hubspot/h-9"), "another CRM's link stays")
			Expect(links[1].CRM + "/" + links[1].ContactID).To(Equal("klicktipp/123"))
			_, err = s.UserByContact(ctx, "klicktipp", "111")
			Expect(err).To(MatchError(store.ErrNotFound))
			Expect(messages(ctx, s, 1)).To(ContainElement(
				"anna@example.com was linked to klicktipp contact 111; it is now linked to contact 123, which has its e-mail address."))
		})

		It("ends KlickTipp's 'Save and Test' contact as contact_not_found with a clear line, and commits", func(ctx SpecContext) {
			var committed engine.Result
			res, err := eng.Apply(ctx, engine.Event{ID: 1, CRM: "klicktipp", Action: engine.ActionAdd, ContactID: "12345"},
				func(ctx context.Context, tx *store.Tx, res engine.Result) error {
					committed = res
					return nil
				})
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Outcome).To(Equal(engine.ContactNotFound))
			Expect(committed).To(Equal(res))
			Expect(res.Message).To(Equal("Contact 12345 was not found in klicktipp — KlickTipp's 'Save and Test' sends this id, so this was probably a test."))
			Expect(messages(ctx, s, 1)).To(Equal([]string{res.Message}))
			Expect(count(ctx, s, (*store.User)(nil))).To(Equal(1), "no user was created")
		})

		It("says plainly when any other contact is unknown to the CRM", func(ctx SpecContext) {
			res := apply(ctx, engine.ActionUpdate, "999")
			Expect(res.Outcome).To(Equal(engine.ContactNotFound))
			Expect(res.Message).To(Equal("Contact 999 was not found in klicktipp."))
		})

		DescribeTable("returns any other CRM error unchanged, writing nothing and not committing",
			func(ctx SpecContext, crmErr error, kind sdk.Kind) {
				crm.failWith(crmErr)
				committed := false
				_, err := eng.Apply(ctx, engine.Event{ID: 1, CRM: "klicktipp", Action: engine.ActionAdd, ContactID: "123"},
					func(context.Context, *store.Tx, engine.Result) error { committed = true; return nil })
				Expect(err).To(MatchError(crmErr))
				Expect(sdk.KindOf(err)).To(Equal(kind))
				Expect(committed).To(BeFalse())
				Expect(count(ctx, s, (*store.Activity)(nil))).To(BeZero())
				Expect(count(ctx, s, (*store.User)(nil))).To(Equal(1))
			},
			Entry("a retryable error", sdk.Retryable(errors.New("klicktipp answered 503"), 0), sdk.KindRetryable),
			Entry("refused credentials", sdk.Unauthenticated("login refused"), sdk.KindUnauthenticated),
			Entry("a plugin that is down", errors.New("plugin klicktipp is not running"), sdk.KindRetryable),
		)

		DescribeTable("ends an event it cannot use as invalid_payload, with a line, and commits",
			func(ctx SpecContext, ev engine.Event, contactEmail, want string) {
				crm.put("klicktipp", contact("123", contactEmail))
				committed := false
				res, err := eng.Apply(ctx, ev, func(context.Context, *store.Tx, engine.Result) error { committed = true; return nil })
				Expect(err).NotTo(HaveOccurred())
				Expect(res.Outcome).To(Equal(engine.InvalidPayload))
				Expect(res.Message).To(ContainSubstring(want))
				Expect(committed).To(BeTrue())
				Expect(messages(ctx, s, 1)).To(ContainElement(ContainSubstring(want)))
				Expect(count(ctx, s, (*store.User)(nil))).To(Equal(1))
			},
			Entry("an unknown action", engine.Event{ID: 1, CRM: "klicktipp", Action: "delete", ContactID: "123"},
				"x@example.com", `Unknown action "delete"`),
			Entry("no contact", engine.Event{ID: 1, CRM: "klicktipp", Action: engine.ActionAdd},
				"x@example.com", "names no contact"),
			Entry("add for a contact without an e-mail address", engine.Event{ID: 1, CRM: "klicktipp", Action: engine.ActionAdd, ContactID: "123"},
				"", "klicktipp contact 123 has no e-mail address, so no user was created."),
		)

		It("makes the caller's commit part of the event's transaction", func(ctx SpecContext) {
			crm.put("klicktipp", contact("123", "bob@example.com", tag("1", "Kunde")))
			boom := errors.New("inbox could not mark the event")
			var seenInTx int64
			_, err := eng.Apply(ctx, engine.Event{ID: 1, CRM: "klicktipp", Action: engine.ActionAdd, ContactID: "123"},
				func(ctx context.Context, tx *store.Tx, res engine.Result) error {
					u, err := tx.UserByContact(ctx, "klicktipp", "123")
					Expect(err).NotTo(HaveOccurred())
					seenInTx = u.ID
					return boom
				})
			Expect(err).To(MatchError(boom))
			Expect(seenInTx).NotTo(BeZero(), "the commit sees the event's changes")
			_, err = s.UserByEmail(ctx, "bob@example.com")
			Expect(err).To(MatchError(store.ErrNotFound), "and without the commit none of them stay")
			Expect(count(ctx, s, (*store.Activity)(nil))).To(BeZero())
			Expect(count(ctx, s, (*store.OutboxItem)(nil))).To(BeZero())
		})

		It("converges when the same event is applied twice, queueing nothing twice", func(ctx SpecContext) {
			c := contact("123", "bob@example.com", tag("1", "Kunde"))
			c.Fields = map[string]string{"fieldFirstName": "Bob", "fieldPhone": "555"}
			crm.put("klicktipp", c)
			cfg := baseConfig()
			cfg.CRMs["klicktipp"] = engine.CRMConfig{Fields: cfg.CRMs["klicktipp"].Fields, ReturnPasswordField: "fieldPassword"}
			eng.SetConfig(cfg)
			ev := engine.Event{ID: 1, CRM: "klicktipp", Action: engine.ActionAdd, ContactID: "123", SendNotification: true}

			first, err := eng.Apply(ctx, ev, nil)
			Expect(err).NotTo(HaveOccurred())
			before := userByEmail(ctx, s, "bob@example.com")
			second, err := eng.Apply(ctx, ev, nil)
			Expect(err).NotTo(HaveOccurred())

			Expect(first.Outcome).To(Equal(engine.Created))
			Expect(second.Outcome).To(Equal(engine.Updated))
			Expect(second.UserID).To(Equal(first.UserID))
			after := userByEmail(ctx, s, "bob@example.com")
			Expect(after.PasswordHash).To(Equal(before.PasswordHash))
			Expect(after.FirstName).To(Equal("Bob"))
			Expect(tagNames(ctx, s, after.ID, "klicktipp")).To(Equal([]string{"Kunde"}))
			Expect(count(ctx, s, (*store.User)(nil))).To(Equal(2))
			Expect(count(ctx, s, (*store.ContactLink)(nil))).To(Equal(1))
			items, err := s.OutboxItems(ctx, after.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(items).To(HaveLen(2), "one welcome mail, one password write-back")
		})

		It("follows a configuration replaced while running", func(ctx SpecContext) {
			crm.put("klicktipp", contact("123", "anna@example.com"))
			Expect(apply(ctx, engine.ActionUpdate, "123").Outcome).To(Equal(engine.Updated))
			cfg := baseConfig()
			cfg.AllowedRoles = append(cfg.AllowedRoles, "editor")
			eng.SetConfig(cfg)
			_, err := eng.Apply(ctx, engine.Event{ID: 2, CRM: "klicktipp", Action: engine.ActionUpdate, ContactID: "123", Role: "editor"}, nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(userByEmail(ctx, s, "anna@example.com").Role).To(Equal("editor"))
		})
	})
})
