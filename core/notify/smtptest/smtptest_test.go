package smtptest_test

import (
	"net/smtp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/notify/smtptest"
)

var _ = Describe("the test SMTP server", func() {
	start := func(opts smtptest.Options) *smtptest.Server {
		srv, err := smtptest.Start(opts)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(srv.Close)
		return srv
	}
	send := func(srv *smtptest.Server, auth smtp.Auth, msg string) error {
		return smtp.SendMail(srv.Addr(), auth, "hub@example.com", []string{"anna@example.com"},
			[]byte(strings.ReplaceAll(msg, "\n", "\r\n")))
	}

	It("keeps a mail with its envelope, decoded subject and quoted-printable body", func() {
		srv := start(smtptest.Options{})
		Expect(send(srv, nil, "From: hub@example.com\nTo: anna@example.com\n"+
			"Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=\nContent-Type: text/plain; charset=UTF-8\n"+
			"Content-Transfer-Encoding: quoted-printable\n\nSch=C3=B6n, dass du da bist.\n")).To(Succeed())
		Expect(srv.Mails()).To(HaveLen(1))
		m := srv.Mails()[0]
		Expect(m.From).To(Equal("hub@example.com"))
		Expect(m.To).To(Equal([]string{"anna@example.com"}))
		Expect(m.Subject).To(Equal("Grüße"))
		Expect(m.Text).To(Equal("Schön, dass du da bist.\n"))
		Expect(m.Username).To(BeEmpty())
		Expect(m.TLS).To(BeFalse())
	})

	It("reads the text part of a multipart mail, base64 encoded", func() {
		srv := start(smtptest.Options{})
		Expect(send(srv, nil, "Subject: Hi\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=XX\n\n"+
			"--XX\nContent-Type: text/html\n\n<p>Hallo</p>\n"+
			"--XX\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n\nSGFsbG8gQW5uYQ==\n"+
			"--XX--\n")).To(Succeed())
		Expect(srv.Mails()[0].Text).To(Equal("Hallo Anna"))
	})

	It("wants a login when configured, and records who logged in", func() {
		srv := start(smtptest.Options{Username: "hub", Password: "pw"})
		Expect(send(srv, nil, "Subject: x\n\nbody\n")).To(MatchError(ContainSubstring("authenticate")))
		Expect(send(srv, smtp.PlainAuth("", "hub", "wrong", srv.Host), "Subject: x\n\nbody\n")).To(HaveOccurred())
		Expect(send(srv, smtp.PlainAuth("", "hub", "pw", srv.Host), "Subject: x\n\nbody\n")).To(Succeed())
		Expect(srv.Mails()).To(HaveLen(1))
		Expect(srv.Mails()[0].Username).To(Equal("hub"))
	})

	It("refuses the next mails for a while when told to", func() {
		srv := start(smtptest.Options{})
		srv.RejectNext(2)
		Expect(send(srv, nil, "Subject: 1\n\n.\n")).To(MatchError(ContainSubstring("451")))
		Expect(send(srv, nil, "Subject: 2\n\n.\n")).To(MatchError(ContainSubstring("451")))
		Expect(send(srv, nil, "Subject: 3\n\n.\n")).To(Succeed())
		Expect(srv.Mails()).To(HaveLen(1))
		Expect(srv.Mails()[0].Subject).To(Equal("3"))
	})

	It("offers STARTTLS with a certificate its client configuration trusts", func() {
		srv := start(smtptest.Options{StartTLS: true})
		c, err := smtp.Dial(srv.Addr())
		Expect(err).NotTo(HaveOccurred())
		defer c.Close()
		Expect(c.StartTLS(srv.ClientTLSConfig())).To(Succeed())
		Expect(c.Mail("hub@example.com")).To(Succeed())
		Expect(c.Rcpt("anna@example.com")).To(Succeed())
		w, err := c.Data()
		Expect(err).NotTo(HaveOccurred())
		_, err = w.Write([]byte("Subject: secure\r\n\r\nhi\r\n"))
		Expect(err).NotTo(HaveOccurred())
		Expect(w.Close()).To(Succeed())
		Expect(c.Quit()).To(Succeed())
		Expect(srv.Mails()).To(HaveLen(1))
		Expect(srv.Mails()[0].TLS).To(BeTrue())
	})
})
