package engine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/notify"
	"github.com/crmhub/crmhub/core/notify/smtptest"
	"github.com/crmhub/crmhub/core/outbox"
	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

// From webhook to welcome mail and back to the CRM, as the hub runs it.
var _ = Describe("a generated password", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			s      *store.Store
			crm    *fakeCRM
			logs   *logBuffer
			smtp   *smtptest.Server
			eng    *engine.Engine
			worker *outbox.Worker
		)
		BeforeEach(func() {
			s = db.Store()
			crm = newFakeCRM()
			logs = &logBuffer{}
			var err error
			smtp, err = smtptest.Start(smtptest.Options{Username: "hub", Password: "mailpass", StartTLS: true})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(smtp.Close)
			template := filepath.Join(GinkgoT().TempDir(), "welcome.txt")
			Expect(os.WriteFile(template, []byte("Subject: Willkommen, {{.FirstName}} {{.LastName}}\n\n"+
				"Username: {{.Username}}\nE-mail: {{.Email}}\nPassword: {{.Password}}\nLogin: {{.LoginURL}}\n"), 0o600)).To(Succeed())
			mailer, err := notify.New(notify.SMTPConfig{Host: smtp.Host, Port: smtp.Port, Username: "hub", Password: "mailpass",
				From: "Example <noreply@example.com>", StartTLS: true}, template, notify.WithTLSConfig(smtp.ClientTLSConfig()))
			Expect(err).NotTo(HaveOccurred())

			cfg := baseConfig()
			cfg.UsernameFormat = engine.UsernameFLName
			cfg.CRMs["klicktipp"] = engine.CRMConfig{Fields: cfg.CRMs["klicktipp"].Fields, ReturnPasswordField: "fieldPassword"}
			eng = engine.New(cfg, crm, s, testBox(), logs.logger())
			worker = outbox.New(s, testBox(), mailer, crm, "https://app.example.com/login", logs.logger(), outbox.WithBackoff(0, 0))

			c := contact("123", "anna@example.com", tag("1", "Kunde"))
			c.Fields = map[string]string{"fieldFirstName": "Anna", "fieldLastName": "Schmidt"}
			crm.put("klicktipp", c)
		})
		add := func(ctx context.Context) engine.Result {
			res, err := eng.Apply(ctx, engine.Event{ID: 1, CRM: "klicktipp", Action: engine.ActionAdd, ContactID: "123", SendNotification: true}, nil)
			ExpectWithOffset(1, err).NotTo(HaveOccurred())
			ExpectWithOffset(1, res.Outcome).To(Equal(engine.Created))
			return res
		}

		It("reaches the user in a welcome mail and the CRM once, and is nowhere in plaintext", func(ctx SpecContext) {
			res := add(ctx)
			Expect(worker.DeliverDue(ctx)).To(Equal(2))

			Expect(crm.writes()).To(HaveLen(1), "written to the CRM once")
			w := crm.writes()[0]
			Expect(w.CRM).To(Equal("klicktipp"))
			Expect(w.ContactID).To(Equal("123"))
			Expect(w.Fields).To(HaveLen(1))
			password := w.Fields["fieldPassword"]
			Expect(len(password)).To(BeNumerically(">=", 16))
			u, err := s.UserByID(ctx, res.UserID)
			Expect(err).NotTo(HaveOccurred())
			Expect(secret.CheckPassword(u.PasswordHash, password)).To(BeTrue())

			Expect(smtp.Mails()).To(HaveLen(1), "the welcome mail, received by a real SMTP server")
			mail := smtp.Mails()[0]
			Expect(mail.TLS).To(BeTrue())
			Expect(mail.To).To(Equal([]string{"anna@example.com"}))
			Expect(mail.Subject).To(Equal("Willkommen, Anna Schmidt"))
			Expect(mail.Text).To(Equal("Username: annaschmidt\nE-mail: anna@example.com\nPassword: " + password +
				"\nLogin: https://app.example.com/login\n"))

			for _, v := range everyValue(ctx, s) {
				Expect(v).NotTo(ContainSubstring(password), "no store column holds the password")
			}
			Expect(logs.String()).To(ContainSubstring("event applied"), "the log was captured")
			Expect(logs.String()).NotTo(ContainSubstring(password), "no log line holds the password")
			items, _ := s.OutboxItems(ctx, u.ID)
			for _, it := range items {
				Expect(it.Status).To(Equal(store.OutboxSent))
				Expect(it.Secret).To(BeNil(), "wiped after delivery")
			}
			msgs, err := s.RecentActivity(ctx, 100, 0)
			Expect(err).NotTo(HaveOccurred())
			Expect(msgs).To(ContainElement(HaveField("Message", "Welcome mail sent to anna@example.com.")))
			Expect(msgs).To(ContainElement(HaveField("Message", "Password returned to klicktipp field fieldPassword.")))
		})

		It("is sealed while it waits for delivery", func(ctx SpecContext) {
			add(ctx)
			items, err := s.OutboxItems(ctx, userByEmail(ctx, s, "anna@example.com").ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(items).To(HaveLen(2))
			plain, err := testBox().Open(items[0].Secret)
			Expect(err).NotTo(HaveOccurred())
			for _, v := range everyValue(ctx, s) {
				Expect(v).NotTo(ContainSubstring(string(plain)))
			}
		})

		It("is written back again after a failure, without creating anything again", func(ctx SpecContext) {
			add(ctx)
			crm.failWith(sdk.Retryable(errUnavailable, 0))
			Expect(worker.DeliverDue(ctx)).To(Equal(2))
			Expect(smtp.Mails()).To(HaveLen(1), "the mail went")
			Expect(crm.writes()).To(BeEmpty(), "the write-back did not")

			crm.failWith(nil)
			Expect(worker.DeliverDue(ctx)).To(Equal(1))
			Expect(crm.writes()).To(HaveLen(1))
			password := crm.writes()[0].Fields["fieldPassword"]
			Expect(secret.CheckPassword(userByEmail(ctx, s, "anna@example.com").PasswordHash, password)).To(BeTrue())
			Expect(smtp.Mails()).To(HaveLen(1))
			Expect(count(ctx, s, (*store.User)(nil))).To(Equal(1))
			for _, v := range everyValue(ctx, s) {
				Expect(v).NotTo(ContainSubstring(password))
			}
			Expect(logs.String()).To(ContainSubstring("will retry"))
			Expect(logs.String()).NotTo(ContainSubstring(password))
		})
	})
})

var errUnavailable = errors.New("klicktipp answered 503")
