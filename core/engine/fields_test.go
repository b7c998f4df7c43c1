package engine_test

import (
	"context"
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/apps/message"
	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("updating a user's tags, fields, e-mail and password", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			s    *store.Store
			crm  *fakeCRM
			cfg  engine.Config
			anna *store.User
		)
		BeforeEach(func(ctx SpecContext) {
			s = db.Store()
			crm = newFakeCRM()
			cfg = baseConfig()
			anna = &store.User{Username: "anna", Email: "anna@example.com", Role: "subscriber",
				PasswordHash: secret.HashPassword("old password"), FirstName: "Anna", LastName: "Schmidt"}
			Expect(s.CreateUser(ctx, anna)).To(Succeed())
			Expect(s.LinkContact(ctx, "klicktipp", "123", anna.ID)).To(BeTrue())
			Expect(s.SetFields(ctx, anna.ID, map[string]string{"phone": "030 1"})).To(Succeed())
			Expect(s.ChangeTags(ctx, anna.ID, "klicktipp", []store.UserTag{{TagID: "1", TagName: "Interessent"}, {TagID: "2", TagName: "Kunde"}}, nil)).To(Succeed())
		})
		update := func(ctx context.Context, c sdk.Contact, action string) engine.Result {
			crm.put("klicktipp", c)
			res, err := engine.New(cfg, crm, s, testBox(), nil).Apply(ctx,
				engine.Event{ID: 1, CRM: "klicktipp", Action: action, ContactID: "123"}, nil)
			ExpectWithOffset(1, err).NotTo(HaveOccurred())
			return res
		}
		withFields := func(email string, fields map[string]string, tags ...sdk.Tag) sdk.Contact {
			c := contact("123", email, tags...)
			c.Fields = fields
			return c
		}

		Describe("tags", func() {
			It("are replaced by the CRM's, the difference said by name", func(ctx SpecContext) {
				res := update(ctx, contact("123", "anna@example.com", tag("2", "Kunde"), tag("3", "Newsletter")), engine.ActionUpdateTags)
				Expect(res.Outcome).To(Equal(engine.TagsUpdated))
				Expect(tagNames(ctx, s, anna.ID, "klicktipp")).To(Equal([]string{"Kunde", "Newsletter"}))
				Expect(res.Message).To(Equal("Tags applied: Newsletter. Removed: Interessent."))
			})

			It("are all removed when the contact has none", func(ctx SpecContext) {
				update(ctx, contact("123", "anna@example.com"), engine.ActionUpdateTags)
				Expect(tagNames(ctx, s, anna.ID, "klicktipp")).To(BeEmpty())
				Expect(messages(ctx, s, 1)).To(Equal([]string{"Tags removed: Interessent, Kunde."}))
			})

			It("keep a known name, or use the id, when the CRM sends none, and count a tag once", func(ctx SpecContext) {
				update(ctx, contact("123", "anna@example.com", tag("2", ""), tag("9", ""), tag("9", "")), engine.ActionUpdateTags)
				Expect(tagNames(ctx, s, anna.ID, "klicktipp")).To(Equal([]string{"9", "Kunde"}))
			})

			It("say so when nothing changed", func(ctx SpecContext) {
				update(ctx, contact("123", "anna@example.com", tag("1", "Interessent"), tag("2", "Kunde")), engine.ActionUpdateTags)
				Expect(messages(ctx, s, 1)).To(Equal([]string{"Tags unchanged."}))
			})

			It("take a tag's new name", func(ctx SpecContext) {
				update(ctx, contact("123", "anna@example.com", tag("1", "Interessentin"), tag("2", "Kunde")), engine.ActionUpdateTags)
				Expect(tagNames(ctx, s, anna.ID, "klicktipp")).To(Equal([]string{"Interessentin", "Kunde"}))
			})
		})

		Describe("fields", func() {
			It("are pulled when mapped, the changed ones named", func(ctx SpecContext) {
				res := update(ctx, withFields("anna@example.com", map[string]string{
					"fieldFirstName": "Anna-Lena", "fieldLastName": "Schmidt", "fieldPhone": "030 2",
				}), engine.ActionUpdate)
				u := userByEmail(ctx, s, "anna@example.com")
				Expect(u.FirstName).To(Equal("Anna-Lena"))
				Expect(s.Fields(ctx, anna.ID)).To(Equal(map[string]string{"phone": "030 2"}))
				Expect(res.Message).To(ContainSubstring("Fields changed: first_name, phone."))
			})

			It("are not pulled when not mapped", func(ctx SpecContext) {
				update(ctx, withFields("anna@example.com", map[string]string{"fieldCity": "Berlin", "fieldCompanyName": "ACME"}), engine.ActionUpdate)
				Expect(s.Fields(ctx, anna.ID)).To(Equal(map[string]string{"phone": "030 1"}))
			})

			It("are never blanked by an empty CRM value", func(ctx SpecContext) {
				update(ctx, withFields("anna@example.com", map[string]string{"fieldFirstName": "", "fieldLastName": "  ", "fieldPhone": ""}), engine.ActionUpdate)
				u := userByEmail(ctx, s, "anna@example.com")
				Expect(u.FirstName).To(Equal("Anna"))
				Expect(u.LastName).To(Equal("Schmidt"))
				Expect(s.Fields(ctx, anna.ID)).To(Equal(map[string]string{"phone": "030 1"}))
				Expect(messages(ctx, s, 1)).NotTo(ContainElement(ContainSubstring("Fields")))
			})
		})

		Describe("the e-mail address", func() {
			It("follows the CRM's", func(ctx SpecContext) {
				res := update(ctx, contact("123", "anna.neu@example.com"), engine.ActionUpdate)
				Expect(res.UserID).To(Equal(anna.ID))
				Expect(userByEmail(ctx, s, "anna.neu@example.com").ID).To(Equal(anna.ID))
				Expect(messages(ctx, s, 1)).To(ContainElement("E-mail address changed from anna@example.com to anna.neu@example.com."))
			})

			It("follows the mapped e-mail field rather than the contact's address", func(ctx SpecContext) {
				cfg.CRMs["klicktipp"].Fields["email"] = "fieldLoginEmail"
				update(ctx, withFields("anna@example.com", map[string]string{"fieldLoginEmail": "login@example.com"}), engine.ActionUpdate)
				Expect(userByEmail(ctx, s, "login@example.com").ID).To(Equal(anna.ID))
			})

			It("stays, with a warning, when another user has the new address", func(ctx SpecContext) {
				bob := &store.User{Username: "bob", Email: "bob@example.com", Role: "subscriber", PasswordHash: "x"}
				Expect(s.CreateUser(ctx, bob)).To(Succeed())
				res := update(ctx, contact("123", "Bob@example.com"), engine.ActionUpdate)
				Expect(res.Outcome).To(Equal(engine.Updated))
				Expect(userByEmail(ctx, s, "anna@example.com").ID).To(Equal(anna.ID))
				lines, _ := s.EventActivity(ctx, 1)
				Expect(lines).To(ContainElement(And(
					HaveField("Level", store.LevelWarning),
					HaveField("Message", "E-mail address not changed from anna@example.com to Bob@example.com: it belongs to another user (bob, id "+itoa(bob.ID)+")."),
				)))
			})

			It("is not touched by update_tags", func(ctx SpecContext) {
				update(ctx, contact("123", "anna.neu@example.com"), engine.ActionUpdateTags)
				Expect(userByEmail(ctx, s, "anna@example.com").ID).To(Equal(anna.ID))
			})
		})

		Describe("the password", func() {
			BeforeEach(func() { cfg.CRMs["klicktipp"].Fields["password"] = "fieldPassword" })

			It("changes to the mapped password field's value, kept as a hash", func(ctx SpecContext) {
				update(ctx, withFields("anna@example.com", map[string]string{"fieldPassword": "new password"}), engine.ActionUpdate)
				u := userByEmail(ctx, s, "anna@example.com")
				Expect(secret.CheckPassword(u.PasswordHash, "new password")).To(BeTrue())
				Expect(messages(ctx, s, 1)).To(ContainElement("Password changed to the one in the CRM's password field."))
			})

			It("changes with the e-mail in one webhook, and the user event says so", func(ctx SpecContext) {
				update(ctx, withFields("anna.neu@example.com", map[string]string{"fieldPassword": "new password"}), engine.ActionUpdate)
				u := userByEmail(ctx, s, "anna.neu@example.com")
				Expect(secret.CheckPassword(u.PasswordHash, "new password")).To(BeTrue())

				rows, err := s.ChangesOf(ctx, anna.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(rows).NotTo(BeEmpty())
				var d message.Data
				Expect(json.Unmarshal([]byte(rows[len(rows)-1].Data), &d)).To(Succeed())
				Expect(d.Changes.Email).To(Equal(&message.Value{Old: "anna@example.com", New: "anna.neu@example.com"}))
				Expect(d.Changes.Password).To(BeTrue())
			})

			It("stays when the field holds the same password, or none", func(ctx SpecContext) {
				update(ctx, withFields("anna@example.com", map[string]string{"fieldPassword": "old password"}), engine.ActionUpdate)
				update(ctx, withFields("anna@example.com", map[string]string{"fieldPassword": ""}), engine.ActionUpdate)
				Expect(userByEmail(ctx, s, "anna@example.com").PasswordHash).To(Equal(anna.PasswordHash))
			})
		})
	})
})
