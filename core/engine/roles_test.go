package engine_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

var _ = Describe("roles", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			s   *store.Store
			crm *fakeCRM
			eng *engine.Engine
		)
		BeforeEach(func() {
			s = db.Store()
			crm = newFakeCRM()
			cfg := baseConfig()
			cfg.CRMs["klicktipp"].Fields["role"] = "fieldRole"
			eng = engine.New(cfg, crm, s, testBox(), nil)
		})
		// put makes contact 123 with the given mapped role field.
		put := func(roleField string) {
			c := contact("123", "anna@example.com")
			c.Fields = map[string]string{"fieldRole": roleField}
			crm.put("klicktipp", c)
		}
		apply := func(ctx context.Context, action, roleParam string) engine.Result {
			res, err := eng.Apply(ctx, engine.Event{ID: 1, CRM: "klicktipp", Action: action, ContactID: "123", Role: roleParam}, nil)
			ExpectWithOffset(1, err).NotTo(HaveOccurred())
			return res
		}

		DescribeTable("on creation",
			func(ctx SpecContext, roleField, roleParam, want, notice string) {
				put(roleField)
				Expect(apply(ctx, engine.ActionAdd, roleParam).Outcome).To(Equal(engine.Created))
				Expect(userByEmail(ctx, s, "anna@example.com").Role).To(Equal(want))
				if notice == "" {
					Expect(messages(ctx, s, 1)).NotTo(ContainElement(ContainSubstring("Role")))
				} else {
					Expect(messages(ctx, s, 1)).To(ContainElement(notice))
				}
			},
			Entry("an empty role gives the default", "", "", "subscriber", ""),
			Entry("an allowed role param is taken", "", "customer", "customer", ""),
			Entry("an allowed role in another case is taken as configured", "", "Customer", "customer", ""),
			Entry("the mapped role field wins over the param", "member", "customer", "member", ""),
			Entry("a role not allowed gives the default, with a notice", "", "editor", "subscriber",
				"Role editor is not among the roles a webhook may assign (roles.allowed); the new user gets the default role subscriber."),
			Entry("role=administrator is never assigned", "", "administrator", "subscriber",
				"Role administrator is privileged and is never assigned by a webhook; the new user gets the default role subscriber."),
			Entry("nor is Administrator in another case", "", "Administrator", "subscriber",
				"Role Administrator is privileged and is never assigned by a webhook; the new user gets the default role subscriber."),
			Entry("nor administrator from the mapped role field", "administrator", "customer", "subscriber",
				"Role administrator is privileged and is never assigned by a webhook; the new user gets the default role subscriber."),
		)

		DescribeTable("on update of a user with the role customer",
			func(ctx SpecContext, action, roleField, roleParam, want, line string) {
				Expect(s.CreateUser(ctx, &store.User{Username: "anna", Email: "anna@example.com", Role: "customer", PasswordHash: "x"})).To(Succeed())
				put(roleField)
				apply(ctx, action, roleParam)
				Expect(userByEmail(ctx, s, "anna@example.com").Role).To(Equal(want))
				if line == "" {
					Expect(messages(ctx, s, 1)).NotTo(ContainElement(ContainSubstring("Role")))
				} else {
					Expect(messages(ctx, s, 1)).To(ContainElement(line))
				}
			},
			Entry("an empty role keeps it", engine.ActionUpdate, "", "", "customer", ""),
			Entry("an allowed role replaces it", engine.ActionUpdate, "", "member", "member", "Role changed from customer to member."),
			Entry("the mapped role field wins over the param", engine.ActionUpdate, "member", "subscriber", "member", "Role changed from customer to member."),
			Entry("add of an existing user changes it as update does", engine.ActionAdd, "", "member", "member", "Role changed from customer to member."),
			Entry("a role not allowed keeps it, with a notice", engine.ActionUpdate, "", "editor", "customer",
				"Role editor is not among the roles a webhook may assign (roles.allowed); kept customer."),
			Entry("role=administrator is never assigned", engine.ActionUpdate, "", "administrator", "customer",
				"Role administrator is privileged and is never assigned by a webhook; kept customer."),
			Entry("update_tags leaves the role alone", engine.ActionUpdateTags, "", "member", "customer", ""),
		)

		Describe("a privileged user", func() {
			var admin *store.User
			BeforeEach(func(ctx SpecContext) {
				cfg := baseConfig()
				cfg.CRMs["klicktipp"] = engine.CRMConfig{Fields: map[string]string{
					"role": "fieldRole", "password": "fieldPassword", "first_name": "fieldFirstName",
				}}
				eng.SetConfig(cfg)
				admin = &store.User{Username: "admin", Email: "admin@example.com", Role: "administrator",
					PasswordHash: secret.HashPassword("the admin's own")}
				Expect(s.CreateUser(ctx, admin)).To(Succeed())
				Expect(s.LinkContact(ctx, "klicktipp", "123", admin.ID)).To(BeTrue())
				c := contact("123", "taken.over@example.com", tag("1", "Kunde"))
				c.Fields = map[string]string{"fieldRole": "subscriber", "fieldPassword": "attacker's", "fieldFirstName": "Ada"}
				crm.put("klicktipp", c)
			})

			DescribeTable("keeps its role, e-mail and password, whatever the webhook says",
				func(ctx SpecContext, action string) {
					res := apply(ctx, action, "member")
					Expect(res.Outcome).To(Equal(engine.Updated))
					u := userByEmail(ctx, s, "admin@example.com")
					Expect(u.Role).To(Equal("administrator"))
					Expect(u.Email).To(Equal("admin@example.com"))
					Expect(u.PasswordHash).To(Equal(admin.PasswordHash))
					Expect(secret.CheckPassword(u.PasswordHash, "the admin's own")).To(BeTrue())
					Expect(messages(ctx, s, 1)).To(ContainElement("admin@example.com has the privileged role administrator: " +
						"a webhook never changes its role, e-mail or password, so its role, e-mail and password stayed unchanged."))

					Expect(u.FirstName).To(Equal("Ada"), "its other fields are still pulled")
					Expect(tagNames(ctx, s, u.ID, "klicktipp")).To(Equal([]string{"Kunde"}), "and its tags replaced")
				},
				Entry("on update", engine.ActionUpdate),
				Entry("on add", engine.ActionAdd),
			)

			It("is left without a notice when the webhook would change nothing protected", func(ctx SpecContext) {
				c := contact("123", "admin@example.com")
				c.Fields = map[string]string{"fieldPassword": "the admin's own"}
				crm.put("klicktipp", c)
				apply(ctx, engine.ActionUpdate, "")
				Expect(messages(ctx, s, 1)).NotTo(ContainElement(ContainSubstring("privileged")))
			})
		})

		It("never creates a user with a privileged default role", func(ctx SpecContext) {
			cfg := baseConfig()
			cfg.DefaultRole = "administrator"
			eng.SetConfig(cfg)
			put("")
			_, err := eng.Apply(ctx, engine.Event{ID: 1, CRM: "klicktipp", Action: engine.ActionAdd, ContactID: "123"}, nil)
			Expect(err).To(MatchError(ContainSubstring(`roles.default "administrator" cannot be given to new users`)))
			Expect(count(ctx, s, (*store.User)(nil))).To(BeZero())
		})
	})
})
