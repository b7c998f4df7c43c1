package engine_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("creating a user", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			s   *store.Store
			crm *fakeCRM
			cfg engine.Config
		)
		BeforeEach(func() {
			s = db.Store()
			crm = newFakeCRM()
			cfg = baseConfig()
		})
		// create applies add for a new contact and returns the new user.
		create := func(ctx context.Context, c sdk.Contact, ev engine.Event) *store.User {
			crm.put("klicktipp", c)
			ev.CRM, ev.Action, ev.ContactID = "klicktipp", engine.ActionAdd, c.ID
			res, err := engine.New(cfg, crm, s, testBox(), nil).Apply(ctx, ev, nil)
			ExpectWithOffset(1, err).NotTo(HaveOccurred())
			ExpectWithOffset(1, res.Outcome).To(Equal(engine.Created))
			u, err := s.UserByID(ctx, res.UserID)
			ExpectWithOffset(1, err).NotTo(HaveOccurred())
			return u
		}
		named := func(id, email, first, last string) sdk.Contact {
			c := contact(id, email)
			c.Fields = map[string]string{"fieldFirstName": first, "fieldLastName": last}
			return c
		}

		DescribeTable("names the user by users.username_format",
			func(ctx SpecContext, format, first, last, want string) {
				cfg.UsernameFormat = format
				u := create(ctx, named("1", "Anna.Schmidt@Example.com", first, last), engine.Event{})
				Expect(u.Username).To(MatchRegexp("^" + want + "$"))
				Expect(u.Email).To(Equal("Anna.Schmidt@Example.com"))
			},
			Entry("email: the e-mail address, lower case", engine.UsernameEmail, "Anna", "Schmidt", `anna\.schmidt@example\.com`),
			Entry("flname: first and last name, lower case, letters and digits only, German spelling",
				engine.UsernameFLName, "Jürgen", "Groß-Éclair 2nd", "juergengrosseclair2nd"),
			Entry("flname without names: the e-mail address", engine.UsernameFLName, "", "", `anna\.schmidt@example\.com`),
			Entry("fnamenum: first name and a random number", engine.UsernameFNameNum, "Zoë", "Schmidt", `zoe\d{4}`),
			Entry("fnamenum without a first name: the e-mail address", engine.UsernameFNameNum, "", "Schmidt", `anna\.schmidt@example\.com`),
		)

		It("takes the mapped username field first", func(ctx SpecContext) {
			cfg.CRMs["klicktipp"].Fields["username"] = "fieldNick"
			c := contact("1", "anna@example.com")
			c.Fields = map[string]string{"fieldNick": "anna_s"}
			Expect(create(ctx, c, engine.Event{}).Username).To(Equal("anna_s"))
		})

		It("appends a number when the name is taken: anna, anna1, anna2", func(ctx SpecContext) {
			cfg.UsernameFormat = engine.UsernameFLName
			Expect(create(ctx, named("1", "a1@example.com", "Anna", ""), engine.Event{}).Username).To(Equal("anna"))
			Expect(create(ctx, named("2", "a2@example.com", "Anna", ""), engine.Event{}).Username).To(Equal("anna1"))
			Expect(create(ctx, named("3", "a3@example.com", "Anna", ""), engine.Event{}).Username).To(Equal("anna2"))
		})

		It("appends a number to a taken e-mail username too", func(ctx SpecContext) {
			// A user who changed her address left her old one as username.
			Expect(s.CreateUser(ctx, &store.User{Username: "anna@example.com", Email: "anna.new@example.com", Role: "subscriber", PasswordHash: "x"})).To(Succeed())
			Expect(create(ctx, contact("1", "anna@example.com"), engine.Event{}).Username).To(Equal("anna@example.com1"))
		})

		It("takes the password from the mapped password field, keeping only its argon2id hash", func(ctx SpecContext) {
			cfg.CRMs["klicktipp"] = engine.CRMConfig{Fields: map[string]string{"password": "fieldPassword"}, ReturnPasswordField: "fieldPassword"}
			c := contact("1", "anna@example.com")
			c.Fields = map[string]string{"fieldPassword": "Chosen by Anna 1"}
			u := create(ctx, c, engine.Event{})
			Expect(u.PasswordHash).To(HavePrefix("$argon2id$"))
			Expect(secret.CheckPassword(u.PasswordHash, "Chosen by Anna 1")).To(BeTrue())
			items, err := s.OutboxItems(ctx, u.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(items).To(BeEmpty(), "a password the CRM gave is not written back")
		})

		It("generates a password of at least 16 characters when none is mapped, sealed for the CRM's return field", func(ctx SpecContext) {
			cfg.CRMs["klicktipp"] = engine.CRMConfig{ReturnPasswordField: "fieldPassword"}
			u := create(ctx, contact("1", "anna@example.com"), engine.Event{ID: 3})
			items, err := s.OutboxItems(ctx, u.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(items).To(HaveLen(1))
			Expect(items[0].Kind).To(Equal(store.OutboxReturnPassword))
			Expect(items[0].Target).To(Equal("fieldPassword"))
			Expect(items[0].ContactID).To(Equal("1"))
			Expect(*items[0].EventID).To(BeEquivalentTo(3))
			password, err := testBox().Open(items[0].Secret)
			Expect(err).NotTo(HaveOccurred())
			Expect(len(password)).To(BeNumerically(">=", 16))
			Expect(secret.CheckPassword(u.PasswordHash, string(password))).To(BeTrue())
			Expect(messages(ctx, s, 3)).To(ContainElement("The generated password will be written to klicktipp field fieldPassword."))
		})

		It("queues one welcome mail when the webhook asks for it, and none otherwise", func(ctx SpecContext) {
			with := create(ctx, contact("1", "anna@example.com"), engine.Event{ID: 4, SendNotification: true})
			without := create(ctx, contact("2", "bob@example.com"), engine.Event{ID: 5})
			items, _ := s.OutboxItems(ctx, with.ID)
			Expect(items).To(HaveLen(1))
			Expect(items[0].Kind).To(Equal(store.OutboxWelcomeMail))
			Expect(items[0].Target).To(Equal("anna@example.com"))
			Expect(messages(ctx, s, 4)).To(ContainElement("Welcome mail to anna@example.com queued."))
			items, _ = s.OutboxItems(ctx, without.ID)
			Expect(items).To(BeEmpty())
			Expect(messages(ctx, s, 5)).To(ContainElement(
				"A password was generated and is sent nowhere (no welcome mail asked for, no return_password_field): bob@example.com must reset it to log in."))
		})

		It("reads like a story in the activity log", func(ctx SpecContext) {
			cfg.UsernameFormat = engine.UsernameFLName
			c := named("123", "anna@example.com", "Anna", "Schmidt")
			c.Tags = []sdk.Tag{tag("2", "Newsletter"), tag("1", "Kunde")}
			c.Fields["fieldPhone"] = "030 1234"
			create(ctx, c, engine.Event{ID: 9, SendNotification: true})
			Expect(messages(ctx, s, 9)).To(Equal([]string{
				"Created user annaschmidt <anna@example.com> (role subscriber) for klicktipp contact 123.",
				"Tags applied: Kunde, Newsletter.",
				"Fields set: first_name, last_name, phone.",
				"Welcome mail to anna@example.com queued.",
			}))
			lines, _ := s.EventActivity(ctx, 9)
			for _, l := range lines {
				Expect(l.CRM).To(Equal("klicktipp"))
				Expect(l.UserID).NotTo(BeNil())
			}
		})
	})
})
