package engine_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

// The user an event finds, as in the columns of the actions table (docs/architecture.md).
type finding int

const (
	byLink finding = iota
	byEmail
	nobody
)

// The actions table of docs/architecture.md, one entry per cell.
var _ = Describe("the table of actions", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			s   *store.Store
			crm *fakeCRM
			eng *engine.Engine
		)
		BeforeEach(func(ctx SpecContext) {
			s = db.Store()
			crm = newFakeCRM()
			eng = engine.New(baseConfig(), crm, s, testBox(), nil)
			c := contact("123", "anna@example.com", tag("2", "Kunde"), tag("3", "Newsletter"))
			c.Fields = map[string]string{"fieldFirstName": "Anna", "fieldLastName": "Schmidt", "fieldPhone": "030 1234"}
			crm.put("klicktipp", c)
		})

		// given makes the store hold what the column says.
		given := func(ctx context.Context, f finding) {
			if f == nobody {
				return
			}
			u := &store.User{Username: "anna", Email: "anna@example.com", Role: "customer", PasswordHash: "x", FirstName: "Anna"}
			Expect(s.CreateUser(ctx, u)).To(Succeed())
			Expect(s.ChangeTags(ctx, u.ID, "klicktipp", []store.UserTag{{TagID: "1", TagName: "Interessent"}}, nil)).To(Succeed())
			Expect(s.ChangeTags(ctx, u.ID, "hubspot", []store.UserTag{{TagID: "h1", TagName: "Lead"}}, nil)).To(Succeed())
			if f == byLink {
				Expect(s.LinkContact(ctx, "klicktipp", "123", u.ID)).To(BeTrue())
			}
		}

		type cell struct {
			action  string
			finding finding
			outcome engine.Outcome
			// pulls: mapped fields are pulled (update, add); otherwise
			// only tags change.
			pulls bool
		}

		DescribeTable("applies each action to each finding",
			func(ctx SpecContext, c cell) {
				given(ctx, c.finding)
				res, err := eng.Apply(ctx, engine.Event{ID: 7, CRM: "klicktipp", Action: c.action, ContactID: "123"}, nil)
				Expect(err).NotTo(HaveOccurred())
				Expect(res.Outcome).To(Equal(c.outcome))

				if c.outcome == engine.NoMatchingUser {
					Expect(res.UserID).To(BeZero())
					Expect(count(ctx, s, (*store.User)(nil))).To(BeZero(), "nothing changes")
					Expect(count(ctx, s, (*store.ContactLink)(nil))).To(BeZero())
					Expect(messages(ctx, s, 7)).To(ConsistOf(ContainSubstring("No user matches klicktipp contact 123 (anna@example.com)")))
					return
				}

				u := userByEmail(ctx, s, "anna@example.com")
				Expect(res.UserID).To(Equal(u.ID))
				linked, err := s.UserByContact(ctx, "klicktipp", "123")
				Expect(err).NotTo(HaveOccurred(), "the contact is linked")
				Expect(linked.ID).To(Equal(u.ID))
				Expect(tagNames(ctx, s, u.ID, "klicktipp")).To(Equal([]string{"Kunde", "Newsletter"}), "its tags are replaced from the CRM")
				if c.finding != nobody {
					Expect(tagNames(ctx, s, u.ID, "hubspot")).To(Equal([]string{"Lead"}), "another CRM's tags stay")
				}

				fields, err := s.Fields(ctx, u.ID)
				Expect(err).NotTo(HaveOccurred())
				if c.pulls {
					Expect(u.LastName).To(Equal("Schmidt"))
					Expect(fields).To(Equal(map[string]string{"phone": "030 1234"}))
				} else {
					Expect(u.LastName).To(BeEmpty(), "update_tags pulls no fields")
					Expect(fields).To(BeEmpty())
				}
				if c.finding == byEmail {
					Expect(messages(ctx, s, 7)).To(ContainElement("Linked anna@example.com to klicktipp contact 123 (found by e-mail address)."))
				}
				if c.finding == nobody {
					Expect(messages(ctx, s, 7)).To(ContainElement("Created user anna@example.com (role subscriber) for klicktipp contact 123."))
				} else {
					Expect(messages(ctx, s, 7)).To(ContainElement("Tags applied: Kunde, Newsletter. Removed: Interessent."))
				}
			},
			Entry("update_tags, user found by contact link: replace its tags from the CRM",
				cell{engine.ActionUpdateTags, byLink, engine.TagsUpdated, false}),
			Entry("update_tags, found by e-mail: link, then replace its tags",
				cell{engine.ActionUpdateTags, byEmail, engine.TagsUpdated, false}),
			Entry("update_tags, not found: no_matching_user, nothing changes",
				cell{engine.ActionUpdateTags, nobody, engine.NoMatchingUser, false}),
			Entry("update, user found by contact link: replace tags, pull mapped fields",
				cell{engine.ActionUpdate, byLink, engine.Updated, true}),
			Entry("update, found by e-mail: link, then as update",
				cell{engine.ActionUpdate, byEmail, engine.Updated, true}),
			Entry("update, not found: no_matching_user",
				cell{engine.ActionUpdate, nobody, engine.NoMatchingUser, false}),
			Entry("add, user found by contact link: as update",
				cell{engine.ActionAdd, byLink, engine.Updated, true}),
			Entry("add, found by e-mail: link, then as update",
				cell{engine.ActionAdd, byEmail, engine.Updated, true}),
			Entry("add, not found: create the user, then as update",
				cell{engine.ActionAdd, nobody, engine.Created, true}),
		)
	})
})
