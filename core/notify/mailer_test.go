package notify_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/notify"
	"github.com/crmhub/crmhub/core/notify/smtptest"
)

var _ = Describe("the mailer", func() {
	start := func(opts smtptest.Options) *smtptest.Server {
		srv, err := smtptest.Start(opts)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(srv.Close)
		return srv
	}

	It("delivers the welcome mail over STARTTLS after logging in, with the variables filled in", func(ctx SpecContext) {
		srv := start(smtptest.Options{Username: "hub", Password: "mailpass", StartTLS: true})
		m, err := notify.New(notify.SMTPConfig{Host: srv.Host, Port: srv.Port, Username: "hub", Password: "mailpass",
			From: "Example <noreply@example.com>", StartTLS: true}, "", notify.WithTLSConfig(srv.ClientTLSConfig()))
		Expect(err).NotTo(HaveOccurred())

		Expect(m.Send(ctx, anna)).To(Succeed())

		mails := srv.Mails()
		Expect(mails).To(HaveLen(1))
		got := mails[0]
		Expect(got.TLS).To(BeTrue())
		Expect(got.Username).To(Equal("hub"))
		Expect(got.From).To(Equal("noreply@example.com"))
		Expect(got.To).To(Equal([]string{"anna@example.com"}))
		Expect(got.Header.Get("To")).To(ContainSubstring("anna@example.com"))
		Expect(got.Header.Get("Message-Id")).NotTo(BeEmpty())
		Expect(got.Subject).To(Equal("Your account is ready"))
		Expect(got.Text).To(ContainSubstring("Hello Anna,"))
		Expect(got.Text).To(ContainSubstring("Username: anna"))
		Expect(got.Text).To(ContainSubstring("Password: TOPSECRET42"))
		Expect(got.Text).To(ContainSubstring("https://app.example.com/login"))
	})

	It("keeps non-ASCII text intact in subject and body", func(ctx SpecContext) {
		srv := start(smtptest.Options{})
		path := filepath.Join(GinkgoT().TempDir(), "welcome.txt")
		Expect(os.WriteFile(path, []byte("Subject: Grüß dich, {{.FirstName}}\n\nSchön, dass du da bist, {{.LastName}}.\n"), 0o600)).To(Succeed())
		m, err := notify.New(notify.SMTPConfig{Host: srv.Host, Port: srv.Port, From: "hub@example.com"}, path)
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Send(ctx, anna)).To(Succeed())
		Expect(srv.Mails()).To(HaveLen(1))
		Expect(srv.Mails()[0].Subject).To(Equal("Grüß dich, Anna"))
		Expect(srv.Mails()[0].Text).To(Equal("Schön, dass du da bist, Müller.\n"))
		Expect(srv.Mails()[0].TLS).To(BeFalse())
	})

	It("sends nothing when STARTTLS is required and the server does not offer it", func(ctx SpecContext) {
		srv := start(smtptest.Options{})
		m, err := notify.New(notify.SMTPConfig{Host: srv.Host, Port: srv.Port, From: "hub@example.com", StartTLS: true}, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Send(ctx, anna)).To(MatchError(ContainSubstring("STARTTLS")))
		Expect(srv.Mails()).To(BeEmpty())
	})

	It("sends nothing when the server's certificate is not trusted", func(ctx SpecContext) {
		srv := start(smtptest.Options{StartTLS: true})
		m, err := notify.New(notify.SMTPConfig{Host: srv.Host, Port: srv.Port, From: "hub@example.com", StartTLS: true}, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Send(ctx, anna)).To(MatchError(ContainSubstring("certificate")))
		Expect(srv.Mails()).To(BeEmpty())
	})

	It("sends nothing when the login is refused", func(ctx SpecContext) {
		srv := start(smtptest.Options{Username: "hub", Password: "mailpass", StartTLS: true})
		m, err := notify.New(notify.SMTPConfig{Host: srv.Host, Port: srv.Port, Username: "hub", Password: "wrong",
			From: "hub@example.com", StartTLS: true}, "", notify.WithTLSConfig(srv.ClientTLSConfig()))
		Expect(err).NotTo(HaveOccurred())
		err = m.Send(ctx, anna)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).NotTo(ContainSubstring("TOPSECRET42"))
		Expect(srv.Mails()).To(BeEmpty())
	})

	It("reports a server's temporary refusal as an error, for the outbox to retry", func(ctx SpecContext) {
		srv := start(smtptest.Options{})
		srv.RejectNext(1)
		m, err := notify.New(notify.SMTPConfig{Host: srv.Host, Port: srv.Port, From: "hub@example.com"}, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Send(ctx, anna)).To(MatchError(ContainSubstring("451")))
		Expect(m.Send(ctx, anna)).To(Succeed())
		Expect(srv.Mails()).To(HaveLen(1))
	})

	It("says so when no SMTP server is configured", func(ctx SpecContext) {
		m, err := notify.New(notify.SMTPConfig{}, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Send(ctx, anna)).To(MatchError(notify.ErrNotConfigured))
	})

	It("is refused without a sender address, or with a broken template", func() {
		_, err := notify.New(notify.SMTPConfig{Host: "mail.example.com"}, "")
		Expect(err).To(MatchError(ContainSubstring("notify.smtp.from")))
		path := filepath.Join(GinkgoT().TempDir(), "bad.txt")
		Expect(os.WriteFile(path, []byte("Subject: x\n\n{{.Nope}}"), 0o600)).To(Succeed())
		_, err = notify.New(notify.SMTPConfig{Host: "mail.example.com", From: "a@example.com"}, path)
		Expect(err).To(MatchError(ContainSubstring(path)))
	})
})
