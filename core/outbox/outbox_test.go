package outbox_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/crmhub/crmhub/core/metrics"
	"github.com/crmhub/crmhub/core/notify"
	"github.com/crmhub/crmhub/core/notify/smtptest"
	"github.com/crmhub/crmhub/core/outbox"
	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

// crmWriter records UpdateContact calls and fails while told to.
type crmWriter struct {
	mu     sync.Mutex
	err    error
	writes []map[string]string
}

func (c *crmWriter) UpdateContact(_ context.Context, crm, contactID string, fields map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	c.writes = append(c.writes, map[string]string{"crm": crm, "contact": contactID, "fields": fmtFields(fields)})
	return nil
}

func fmtFields(f map[string]string) string {
	var b bytes.Buffer
	for k, v := range f {
		b.WriteString(k + "=" + v)
	}
	return b.String()
}

func (c *crmWriter) failWith(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
}

func (c *crmWriter) calls() []map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]map[string]string(nil), c.writes...)
}

// syncBuffer is a log sink many goroutines write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var errPluginDown = errors.New("plugin not running")

const password = "Pw-Never-Shown-4711"

var _ = Describe("the outbox worker", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			s        *store.Store
			box      *secret.Box
			smtp     *smtptest.Server
			crm      *crmWriter
			logs     *syncBuffer
			worker   *outbox.Worker
			anna     *store.User
			opts     []outbox.Option
			observed *metrics.Metrics
		)
		BeforeEach(func(ctx SpecContext) {
			s = db.Store()
			var err error
			box, err = secret.NewBox(bytes.Repeat([]byte{1}, secret.KeySize))
			Expect(err).NotTo(HaveOccurred())
			smtp, err = smtptest.Start(smtptest.Options{})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(smtp.Close)
			crm = &crmWriter{}
			logs = &syncBuffer{}
			observed = metrics.New(slog.New(slog.DiscardHandler))
			opts = []outbox.Option{outbox.WithBackoff(0, 0), outbox.WithMaxAttempts(3), outbox.WithUnavailable(errPluginDown),
				outbox.WithObserver(observed)}
			anna = &store.User{Username: "anna", Email: "anna@example.com", FirstName: "Anna", LastName: "Schmidt",
				Role: "subscriber", PasswordHash: "x"}
			Expect(s.CreateUser(ctx, anna)).To(Succeed())
		})
		mailer := func() *notify.Mailer {
			m, err := notify.New(notify.SMTPConfig{Host: smtp.Host, Port: smtp.Port, From: "hub@example.com"}, "")
			Expect(err).NotTo(HaveOccurred())
			return m
		}
		JustBeforeEach(func() {
			log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			worker = outbox.New(s, box, mailer(), crm, "https://app.example.com/login", log, opts...)
		})
		AfterEach(func() { Expect(logs.String()).NotTo(ContainSubstring(password), "the password is never logged") })

		queue := func(ctx context.Context, kind, target string) *store.OutboxItem {
			sealed, err := box.Seal([]byte(password))
			Expect(err).NotTo(HaveOccurred())
			eventID := int64(5)
			item := &store.OutboxItem{Kind: kind, UserID: anna.ID, EventID: &eventID, CRM: "klicktipp", ContactID: "123", Target: target, Secret: sealed}
			Expect(s.QueueOutbox(ctx, item)).To(BeTrue())
			return item
		}
		item := func(ctx context.Context, id int64) store.OutboxItem {
			items, err := s.OutboxItems(ctx, anna.ID)
			Expect(err).NotTo(HaveOccurred())
			for _, it := range items {
				if it.ID == id {
					return it
				}
			}
			Fail("no outbox item")
			return store.OutboxItem{}
		}
		lines := func(ctx context.Context) []store.Activity {
			l, err := s.EventActivity(ctx, 5)
			Expect(err).NotTo(HaveOccurred())
			return l
		}

		It("sends a welcome mail with the user's details and the password, then wipes the password", func(ctx SpecContext) {
			w := queue(ctx, store.OutboxWelcomeMail, "anna@example.com")
			Expect(worker.DeliverDue(ctx)).To(Equal(1))

			Expect(smtp.Mails()).To(HaveLen(1))
			mail := smtp.Mails()[0]
			Expect(mail.To).To(Equal([]string{"anna@example.com"}))
			Expect(mail.Text).To(ContainSubstring("Hello Anna,"))
			Expect(mail.Text).To(ContainSubstring("Username: anna"))
			Expect(mail.Text).To(ContainSubstring("Password: " + password))
			Expect(mail.Text).To(ContainSubstring("https://app.example.com/login"))

			got := item(ctx, w.ID)
			Expect(got.Status).To(Equal(store.OutboxSent))
			Expect(got.Secret).To(BeNil())
			Expect(lines(ctx)).To(ConsistOf(And(HaveField("Message", "Welcome mail sent to anna@example.com."),
				HaveField("UserID", HaveValue(Equal(anna.ID))), HaveField("CRM", "klicktipp"))))
			Expect(worker.DeliverDue(ctx)).To(Equal(0), "nothing is sent twice")
			Expect(smtp.Mails()).To(HaveLen(1))
		})

		It("writes a generated password to the CRM's field once", func(ctx SpecContext) {
			r := queue(ctx, store.OutboxReturnPassword, "fieldPassword")
			Expect(worker.DeliverDue(ctx)).To(Equal(1))
			Expect(crm.calls()).To(Equal([]map[string]string{{"crm": "klicktipp", "contact": "123", "fields": "fieldPassword=" + password}}))
			Expect(item(ctx, r.ID).Secret).To(BeNil())
			Expect(lines(ctx)).To(ConsistOf(HaveField("Message", "Password returned to klicktipp field fieldPassword.")))
			Expect(worker.DeliverDue(ctx)).To(Equal(0))
			Expect(crm.calls()).To(HaveLen(1))
		})

		It("retries a failed delivery later and then succeeds", func(ctx SpecContext) {
			w := queue(ctx, store.OutboxWelcomeMail, "anna@example.com")
			smtp.RejectNext(1)
			Expect(worker.DeliverDue(ctx)).To(Equal(1))
			got := item(ctx, w.ID)
			Expect(got.Status).To(Equal(store.OutboxPending))
			Expect(got.Attempts).To(Equal(1))
			Expect(got.LastError).To(ContainSubstring("451"))
			Expect(got.Secret).NotTo(BeNil(), "kept for the retry")
			Expect(lines(ctx)).To(ConsistOf(And(HaveField("Level", store.LevelWarning),
				HaveField("Message", MatchRegexp(`^The welcome mail to anna@example.com failed \(attempt 1 of 3\): .*451.*\. Next try in 0s\.$`)))))

			Expect(worker.DeliverDue(ctx)).To(Equal(1))
			Expect(smtp.Mails()).To(HaveLen(1))
			Expect(item(ctx, w.ID).Status).To(Equal(store.OutboxSent))
		})

		It("gives up after the last attempt, wiping the password and saying so", func(ctx SpecContext) {
			r := queue(ctx, store.OutboxReturnPassword, "fieldPassword")
			crm.failWith(sdk.Retryable(errors.New("klicktipp answered 503"), 0))
			for range 3 {
				Expect(worker.DeliverDue(ctx)).To(Equal(1))
			}
			got := item(ctx, r.ID)
			Expect(got.Status).To(Equal(store.OutboxFailed))
			Expect(got.Secret).To(BeNil())
			Expect(got.Attempts).To(Equal(3))
			Expect(lines(ctx)).To(HaveLen(3))
			Expect(lines(ctx)[2].Level).To(Equal(store.LevelError))
			Expect(lines(ctx)[2].Message).To(Equal("The password write-back to klicktipp field fieldPassword failed for good after 3 attempt(s): klicktipp answered 503."))
			Expect(worker.DeliverDue(ctx)).To(Equal(0))
		})

		It("gives up at once when the CRM says retrying cannot help", func(ctx SpecContext) {
			r := queue(ctx, store.OutboxReturnPassword, "fieldPassword")
			crm.failWith(sdk.NotFound("contact 123 is gone"))
			Expect(worker.DeliverDue(ctx)).To(Equal(1))
			Expect(item(ctx, r.ID).Status).To(Equal(store.OutboxFailed))
		})

		It("keeps retrying while the CRM's plugin is down, never giving up", func(ctx SpecContext) {
			r := queue(ctx, store.OutboxReturnPassword, "fieldPassword")
			crm.failWith(errPluginDown)
			for range 5 {
				Expect(worker.DeliverDue(ctx)).To(Equal(1))
			}
			Expect(item(ctx, r.ID).Status).To(Equal(store.OutboxPending))
			crm.failWith(nil)
			Expect(worker.DeliverDue(ctx)).To(Equal(1))
			Expect(item(ctx, r.ID).Status).To(Equal(store.OutboxSent))
			Expect(crm.calls()).To(HaveLen(1))
		})

		It("blanks the password out of an error that echoes it", func(ctx SpecContext) {
			r := queue(ctx, store.OutboxReturnPassword, "fieldPassword")
			crm.failWith(sdk.Invalid("field fieldPassword rejects value %q", password))
			Expect(worker.DeliverDue(ctx)).To(Equal(1))
			got := item(ctx, r.ID)
			Expect(got.LastError).To(Equal(`field fieldPassword rejects value "[password]"`))
			Expect(lines(ctx)[0].Message).NotTo(ContainSubstring(password))
		})

		It("delivers again, warning that it may arrive twice, an item whose delivery was interrupted", func(ctx SpecContext) {
			w := queue(ctx, store.OutboxWelcomeMail, "anna@example.com")
			// A hub claimed it and stopped before finishing; its claim ran out.
			_, err := s.ClaimOutbox(ctx, time.Now(), time.Now().Add(-time.Second), 1)
			Expect(err).NotTo(HaveOccurred())
			Expect(item(ctx, w.ID).Status).To(Equal(store.OutboxSending))

			Expect(worker.DeliverDue(ctx)).To(Equal(1))
			Expect(smtp.Mails()).To(HaveLen(1))
			Expect(item(ctx, w.ID).Status).To(Equal(store.OutboxSent))
			Expect(lines(ctx)).To(ContainElement(And(HaveField("Level", store.LevelWarning), HaveField("Message",
				"The hub stopped while delivering the welcome mail to anna@example.com; delivering it again, so it may have been sent twice."))))
		})

		It("does not touch an item another hub is still sending", func(ctx SpecContext) {
			w := queue(ctx, store.OutboxWelcomeMail, "anna@example.com")
			_, err := s.ClaimOutbox(ctx, time.Now(), time.Now().Add(time.Hour), 1)
			Expect(err).NotTo(HaveOccurred())
			Expect(worker.DeliverDue(ctx)).To(Equal(0))
			Expect(item(ctx, w.ID).Status).To(Equal(store.OutboxSending))
		})

		It("keeps an item sealed with another key — logged, counted, never wiped — and a hub with that key delivers it", func(ctx SpecContext) {
			otherKey, err := secret.NewBox(bytes.Repeat([]byte{2}, secret.KeySize))
			Expect(err).NotTo(HaveOccurred())
			sealed, _ := otherKey.Seal([]byte(password))
			eventID := int64(5)
			w := &store.OutboxItem{Kind: store.OutboxWelcomeMail, UserID: anna.ID, EventID: &eventID, CRM: "klicktipp",
				Target: "anna@example.com", Secret: sealed}
			Expect(s.QueueOutbox(ctx, w)).To(BeTrue())

			for range 2 { // no backoff in these specs: looked at again at once
				Expect(worker.DeliverDue(ctx)).To(Equal(1))
			}
			got := item(ctx, w.ID)
			Expect(got.Status).To(Equal(store.OutboxPending))
			Expect(got.Secret).To(Equal(sealed), "never wiped")
			Expect(got.Attempts).To(Equal(0), "waiting for the right key costs no attempt")
			Expect(got.LastError).To(ContainSubstring("does not open with this hub's secret key (secret_key_file)"))
			Expect(smtp.Mails()).To(BeEmpty())
			Expect(logs.String()).To(MatchRegexp(`level=ERROR msg="outbox: cannot open the item's password; keeping it[^"]*" item=%d kind=welcome_mail`, w.ID))
			Expect(testutil.GatherAndCompare(observed.Gatherer(), strings.NewReader(`
# HELP crmhub_outbox_unopenable_total Outbox deliveries put off because the item's sealed password does not open with this hub's secret key (sealed with another key, or damaged), by kind (welcome_mail, return_password). The item is kept for a hub with the right key, never wiped.
# TYPE crmhub_outbox_unopenable_total counter
crmhub_outbox_unopenable_total{kind="welcome_mail"} 2
`), "crmhub_outbox_unopenable_total")).To(Succeed())
			Expect(lines(ctx)).To(ConsistOf(And(HaveField("Level", store.LevelError), HaveField("Message",
				"The welcome mail to anna@example.com waits: its password does not open with this hub's secret key (secret_key_file). It is kept until a hub with the key it was sealed with delivers it."))),
				"the activity log says it once")

			By("a hub with the key it was sealed with")
			rightKey := outbox.New(s, otherKey, mailer(), crm, "https://app.example.com/login", nil, opts...)
			Expect(rightKey.DeliverDue(ctx)).To(Equal(1))
			Expect(smtp.Mails()).To(HaveLen(1))
			Expect(smtp.Mails()[0].Text).To(ContainSubstring("Password: " + password))
			got = item(ctx, w.ID)
			Expect(got.Status).To(Equal(store.OutboxSent))
			Expect(got.Secret).To(BeNil())
		})

		It("fails an item that has no password left to deliver", func(ctx SpecContext) {
			w := &store.OutboxItem{Kind: store.OutboxWelcomeMail, UserID: anna.ID, CRM: "klicktipp", Target: "anna@example.com"}
			Expect(s.QueueOutbox(ctx, w)).To(BeTrue())
			Expect(worker.DeliverDue(ctx)).To(Equal(1))
			got := item(ctx, w.ID)
			Expect(got.Status).To(Equal(store.OutboxFailed))
			Expect(got.LastError).To(Equal("no password to deliver"))
			Expect(smtp.Mails()).To(BeEmpty())
		})

		Describe("running", func() {
			BeforeEach(func() { opts = append(opts, outbox.WithPollInterval(time.Hour)) })

			It("delivers what is due at start, then when kicked, and stops with its context", func(ctx SpecContext) {
				queue(ctx, store.OutboxWelcomeMail, "anna@example.com")
				runCtx, cancel := context.WithCancel(ctx)
				done := make(chan error)
				go func() { done <- worker.Run(runCtx) }()
				Eventually(smtp.Mails).Should(HaveLen(1))

				// The next poll is an hour away: only the kick delivers this.
				queue(ctx, store.OutboxReturnPassword, "fieldPassword")
				worker.Kick()
				Eventually(crm.calls).Should(HaveLen(1))

				cancel()
				Eventually(done).Should(Receive(BeNil()))
			})

			It("takes back at start what a stopped run left sending — on SQLite, where no other hub can be sending it", func(ctx SpecContext) {
				w := queue(ctx, store.OutboxWelcomeMail, "anna@example.com")
				_, err := s.ClaimOutbox(ctx, time.Now(), time.Now().Add(time.Hour), 1) // a claim still valid for an hour
				Expect(err).NotTo(HaveOccurred())
				runCtx, cancel := context.WithCancel(ctx)
				defer cancel()
				go func() { _ = worker.Run(runCtx) }()

				if db.Dialect == store.SQLite {
					Eventually(smtp.Mails).Should(HaveLen(1))
					Eventually(func() string { return item(ctx, w.ID).Status }).Should(Equal(store.OutboxSent))
					Expect(lines(ctx)).To(ContainElement(HaveField("Message", ContainSubstring("may have been sent twice"))))
					return
				}
				// On PostgreSQL another hub may be sending it. Once a later
				// item has gone, the run has looked and left it alone.
				queue(ctx, store.OutboxReturnPassword, "fieldPassword")
				worker.Kick()
				Eventually(crm.calls).Should(HaveLen(1))
				Expect(item(ctx, w.ID).Status).To(Equal(store.OutboxSending))
				Expect(smtp.Mails()).To(BeEmpty())
			})
		})
	})
})
