package acceptance_test

import (
	"net/http"
	"regexp"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/notify/smtptest"
	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
)

// Tags of the fake KlickTipp account.
const (
	tagCustomer = "11"
	tagPremium  = "12"
	tagVIP      = "13"
)

// passwordField is a custom KlickTipp field the hub may write a
// generated password to.
const passwordField = "field20001"

var _ = Describe("crmhub, driven as a user would", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			kt   *harness.KlickTipp
			mail *smtptest.Server
			cfg  harness.Config
			hub  *harness.Hub
			st   *store.Store
			anna string // Anna's Subscriber ID
		)

		BeforeEach(func() {
			kt = harness.StartKlickTipp()
			DeferCleanup(kt.Close)
			kt.AddTag(tagCustomer, "Kunde")
			kt.AddTag(tagPremium, "Premium")
			kt.AddTag(tagVIP, "VIP")
			kt.AddField(passwordField, "Passwort")
			anna = kt.AddSubscriber(fakeklicktipp.Subscriber{
				Email:      "anna@example.com",
				ManualTags: []string{tagCustomer},
				Fields:     map[string]string{"fieldFirstName": "Anna", "fieldLastName": "Muster"},
			})

			var err error
			mail, err = smtptest.Start(smtptest.Options{})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(mail.Close)

			st = db.Store()
			cfg = harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(), KlickTipp: kt, SMTP: mail}
		})

		JustBeforeEach(func(ctx SpecContext) {
			var err error
			hub, err = harness.Start(ctx, bins, cfg)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() {
				if CurrentSpecReport().Failed() {
					AddReportEntry("hub log", hub.LogTail(60))
				}
				Expect(hub.Stop()).To(Succeed())
			})
		})

		// add sends an add for Anna and waits for its outcome.
		add := func(ctx SpecContext, params ...string) harness.Outcome {
			hook := hub.Hook("add", harness.Outbound(anna, "anna@example.com")).With("wait", "20s")
			for i := 0; i+1 < len(params); i += 2 {
				hook = hook.With(params[i], params[i+1])
			}
			return final(ctx, hub, hook)
		}

		It("answers KlickTipp's test outbound with success and one activity line, storing no event", func(ctx SpecContext) {
			reply, err := hub.Send(ctx, hub.Hook("test", nil))
			Expect(err).NotTo(HaveOccurred())
			Expect(reply.Status).To(Equal(http.StatusOK))
			Expect(reply.Body).To(MatchJSON(`{"success":true}`))

			Expect(events(ctx, hub)).To(BeEmpty())
			Expect(activity(ctx, hub)).To(ConsistOf(ContainSubstring("Test webhook received")))
		})

		It("creates the user on add, with the role asked for, its tags and fields, and mails the welcome", func(ctx SpecContext) {
			got := add(ctx, "role", "customer", "send_notification", "true")
			Expect(got).To(And(HaveField("Status", "done"), HaveField("Outcome", "created")))

			Expect(users(ctx, hub)).To(ConsistOf(And(
				HaveField("ID", got.UserID),
				HaveField("Username", "anna@example.com"),
				HaveField("Email", "anna@example.com"),
				HaveField("Role", "customer"),
				HaveField("FirstName", "Anna"),
				HaveField("LastName", "Muster"),
				HaveField("Contacts", ConsistOf(harness.Contact{CRM: "klicktipp", ContactID: anna})),
				HaveField("Tags", ConsistOf(harness.Tag{CRM: "klicktipp", ID: tagCustomer, Name: "Kunde"})),
			)))

			By("asking the CLI, which reads the same store")
			run, err := hub.CLI(ctx, "users list", "--json", "--email", "anna@example.com")
			Expect(err).NotTo(HaveOccurred())
			Expect(run.ExitCode).To(BeZero(), run.Stderr)
			var listed harness.List[harness.User]
			Expect(run.Decode(&listed)).To(Succeed())
			Expect(listed.Items).To(ConsistOf(HaveField("ID", got.UserID)))

			By("reading the welcome mail")
			Eventually(mail.Mails).Should(HaveLen(1))
			welcome := mail.Mails()[0]
			Expect(welcome.To).To(ConsistOf("anna@example.com"))
			Expect(welcome.Text).To(ContainSubstring("Hello Anna"))
			Expect(welcome.Text).To(ContainSubstring("Username: anna@example.com"))
			password := passwordIn(welcome.Text)
			Expect(secret.CheckPassword(passwordHash(ctx, st, got.UserID), password)).To(BeTrue(),
				"the mailed password is the user's")
			Expect(hub.LogTail(10_000)).NotTo(ContainSubstring(password), "no log line carries a password")
		})

		Context("with return_password_field set", func() {
			BeforeEach(func() { cfg.ReturnPasswordField = passwordField })

			It("writes the generated password back to the contact, and to no log", func(ctx SpecContext) {
				got := add(ctx)
				Expect(got).To(HaveField("Outcome", "created"))

				returned := func() string {
					sub, _ := kt.Subscriber(anna)
					return sub.Fields[passwordField]
				}
				Eventually(returned).ShouldNot(BeEmpty())
				Expect(len(returned())).To(BeNumerically(">=", 16))
				Expect(secret.CheckPassword(passwordHash(ctx, st, got.UserID), returned())).To(BeTrue(),
					"the returned password is the user's")
				Expect(hub.LogTail(10_000)).NotTo(ContainSubstring(returned()))
				Expect(mail.Mails()).To(BeEmpty(), "no welcome mail was asked for")
			})
		})

		It("replaces the user's tags on update_tags after the contact's tags changed", func(ctx SpecContext) {
			Expect(add(ctx)).To(HaveField("Outcome", "created"))
			Expect(kt.SetTags(anna, []string{tagPremium, tagVIP}, nil)).To(Succeed())

			got := final(ctx, hub, hub.Hook("update_tags", harness.Outbound(anna, "anna@example.com")).With("wait", "20s"))
			Expect(got).To(And(HaveField("Status", "done"), HaveField("Outcome", "tags_updated")))
			Expect(users(ctx, hub)).To(ConsistOf(HaveField("Tags", ConsistOf(
				harness.Tag{CRM: "klicktipp", ID: tagPremium, Name: "Premium"},
				harness.Tag{CRM: "klicktipp", ID: tagVIP, Name: "VIP"},
			))))
		})

		It("pulls the changed fields on update", func(ctx SpecContext) {
			Expect(add(ctx)).To(HaveField("Outcome", "created"))
			Expect(kt.SetField(anna, "fieldFirstName", "Annabel")).To(Succeed())
			Expect(kt.SetField(anna, "fieldPhone", "+49 221 123456")).To(Succeed())

			got := final(ctx, hub, hub.Hook("update", harness.Outbound(anna, "anna@example.com")).With("wait", "20s"))
			Expect(got).To(And(HaveField("Status", "done"), HaveField("Outcome", "updated")))
			Expect(users(ctx, hub)).To(ConsistOf(And(
				HaveField("FirstName", "Annabel"),
				HaveField("LastName", "Muster"),
				HaveField("Fields", HaveKeyWithValue("phone", "+49 221 123456")),
			)))
		})

		It("updates the existing user on add of a known contact, never making a second", func(ctx SpecContext) {
			first := add(ctx)
			Expect(first).To(HaveField("Outcome", "created"))
			second := add(ctx)
			Expect(second).To(And(HaveField("Outcome", "updated"), HaveField("UserID", first.UserID)))

			By("sending adds of one new contact at once")
			bert := kt.AddSubscriber(fakeklicktipp.Subscriber{Email: "bert@example.com"})
			var wg sync.WaitGroup
			for _, role := range []string{"", "subscriber", "customer", "member"} {
				wg.Go(func() {
					defer GinkgoRecover()
					hook := hub.Hook("add", harness.Outbound(bert, "bert@example.com")).With("wait", "20s").With("role", role)
					Expect(final(ctx, hub, hook)).To(HaveField("Status", "done"))
				})
			}
			wg.Wait()
			Expect(users(ctx, hub)).To(ConsistOf(
				HaveField("Email", "anna@example.com"),
				HaveField("Email", "bert@example.com"),
			))
		})

		It("asks KlickTipp once for the webhooks of a contact that queued behind one being applied", func(ctx SpecContext) {
			Expect(add(ctx)).To(HaveField("Outcome", "created"))
			kt.ResetCalls()
			release := kt.Stall()
			DeferCleanup(release)
			send := func(round string) string {
				// The role parameter keeps the webhooks from merging;
				// update_tags does not read it.
				reply, err := hub.Send(ctx, hub.Hook("update_tags", harness.Outbound(anna, "anna@example.com")).With("role", round))
				Expect(err).NotTo(HaveOccurred())
				Expect(reply.Status).To(Equal(http.StatusAccepted))
				got, err := reply.Outcome()
				Expect(err).NotTo(HaveOccurred())
				return got.ID
			}
			status := func(id string) func() string {
				return func() string {
					for _, ev := range events(ctx, hub) {
						if ev.ID == id {
							return ev.Status
						}
					}
					return ""
				}
			}

			first := send("1")
			Eventually(ctx, status(first)).Should(Equal("processing")) // its lookup hangs at KlickTipp
			later := []string{send("2"), send("3"), send("4")}
			for _, id := range later {
				Eventually(ctx, status(id)).Should(Equal("pending")) // decoded, waiting for the first
			}
			Expect(kt.SetTags(anna, []string{tagPremium}, nil)).To(Succeed())
			release()

			for _, id := range append([]string{first}, later...) {
				Eventually(ctx, status(id)).Should(Equal("done"))
			}
			// The first lookup began before the others arrived, so the
			// second event asked again; the third and fourth, waiting at
			// its claim, were applied with what it got.
			lookups := 0
			for _, c := range kt.Calls() {
				if c.Method == http.MethodGet && c.Path == "/subscriber/"+anna {
					lookups++
				}
			}
			Expect(lookups).To(Equal(2))
			Expect(users(ctx, hub)).To(ConsistOf(HaveField("Tags", ConsistOf(
				harness.Tag{CRM: "klicktipp", ID: tagPremium, Name: "Premium"}))))
			metrics, err := hub.Get(ctx, "/metrics")
			Expect(err).NotTo(HaveOccurred())
			Expect(string(metrics.Body)).To(ContainSubstring(`crmhub_event_shared_lookups_total{crm="klicktipp"} 2`))
		})

		Context("with a CRM that is configured but disabled", func() {
			BeforeEach(func() { cfg.DisabledCRMs = []string{"legacy"} })

			It("answers its webhooks 404 and stores nothing", func(ctx SpecContext) {
				hook := hub.Hook("add", harness.Outbound(anna, "anna@example.com"))
				hook.CRM = "legacy"
				reply, err := hub.Send(ctx, hook)
				Expect(err).NotTo(HaveOccurred())
				Expect(reply.Status).To(Equal(http.StatusNotFound))
				Expect(events(ctx, hub)).To(BeEmpty())
				Expect(hub.Plugins(ctx)).To(ContainElement(And(
					HaveField("CRM", "legacy"), HaveField("Enabled", false), HaveField("State", "stopped"))))
			})
		})

		It("stops a CRM switched off in the config file at once, and takes it back when switched on, without a restart", func(ctx SpecContext) {
			Expect(add(ctx)).To(HaveField("Outcome", "created"))
			pid := hub.PID()

			update := hub.Hook("update", harness.Outbound(anna, "anna@example.com"))
			send := func() int {
				reply, err := hub.Send(ctx, update)
				Expect(err).NotTo(HaveOccurred())
				return reply.Status
			}

			Expect(hub.Reload(func(c *harness.Config) { c.DisabledCRMs = []string{"klicktipp"} })).To(Succeed())
			Eventually(ctx, send).Should(Equal(http.StatusNotFound))
			stored := len(events(ctx, hub))
			Expect(send()).To(Equal(http.StatusNotFound))
			Expect(events(ctx, hub)).To(HaveLen(stored), "a webhook answered 404 is not stored")
			Eventually(ctx, func() ([]harness.Plugin, error) { return hub.Plugins(ctx) }).Should(ContainElement(And(
				HaveField("CRM", "klicktipp"), HaveField("Enabled", false), HaveField("State", "stopped"))))
			Eventually(ctx, hub.PluginPIDs).Should(BeEmpty(), "the plugin process is gone once it is reported stopped")

			Expect(hub.Reload(func(c *harness.Config) { c.DisabledCRMs = nil })).To(Succeed())
			Eventually(ctx, func() error { return hub.WaitForPlugin(ctx, "klicktipp", "running") }).Should(Succeed())
			Expect(final(ctx, hub, update.With("wait", "20s"))).To(HaveField("Outcome", "updated"))
			Expect(hub.PID()).To(Equal(pid), "the same hub process throughout")
		})

		It("refuses a webhook with a wrong key, storing and changing nothing", func(ctx SpecContext) {
			for _, action := range []string{"add", "test"} {
				hook := hub.Hook(action, harness.Outbound(anna, "anna@example.com"))
				hook.Key = "not-the-key"
				reply, err := hub.Send(ctx, hook)
				Expect(err).NotTo(HaveOccurred())
				Expect(reply.Status).To(Equal(http.StatusForbidden), action)
			}
			Expect(events(ctx, hub)).To(BeEmpty())
			Expect(activity(ctx, hub)).To(BeEmpty())
			Expect(users(ctx, hub)).To(BeEmpty())
		})

		Context("when KlickTipp fails for longer than the attempts allow", func() {
			BeforeEach(func() {
				cfg.MaxAttempts = 2
				cfg.BackoffInitial = 50 * time.Millisecond
				cfg.BackoffMax = 100 * time.Millisecond
			})

			It("gives the event up as dead, and a replay brings it to done", func(ctx SpecContext) {
				kt.Inject(fakeklicktipp.ServerError("GET /subscriber/", 2))
				reply, err := hub.Send(ctx, hub.Hook("add", harness.Outbound(anna, "anna@example.com")))
				Expect(err).NotTo(HaveOccurred())
				Expect(reply.Status).To(Equal(http.StatusAccepted))
				accepted, err := reply.Outcome()
				Expect(err).NotTo(HaveOccurred())

				Eventually(ctx, func() []harness.Outcome { return events(ctx, hub) }).Should(ConsistOf(And(
					HaveField("ID", accepted.ID), HaveField("Status", "dead"))))
				dead, err := hub.Event(ctx, accepted.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(dead.Attempts).To(HaveExactElements(
					HaveField("Error", ContainSubstring("503")), HaveField("Error", ContainSubstring("503"))))
				Expect(dead.Activity).To(ContainElement(HaveField("Message", ContainSubstring("Gave up after 2 attempts"))))
				Expect(users(ctx, hub)).To(BeEmpty())

				By("replaying it with the CLI")
				run, err := hub.CLI(ctx, "events replay", accepted.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(run.ExitCode).To(BeZero(), run.Stderr)
				Eventually(ctx, func() []harness.Outcome { return events(ctx, hub) }).Should(ConsistOf(And(
					HaveField("ID", accepted.ID), HaveField("Status", "done"), HaveField("Outcome", "created"))))
				Expect(users(ctx, hub)).To(ConsistOf(HaveField("Email", "anna@example.com")))
			})
		})
	})
})

// final sends a webhook with ?wait= and returns its outcome, which must
// be final.
func final(ctx SpecContext, hub *harness.Hub, hook harness.Hook) harness.Outcome {
	GinkgoHelper()
	reply, err := hub.Send(ctx, hook)
	Expect(err).NotTo(HaveOccurred())
	Expect(reply.Status).To(Equal(http.StatusOK), "the outcome is final: %s", reply.Body)
	got, err := reply.Outcome()
	Expect(err).NotTo(HaveOccurred())
	return got
}

var passwordLine = regexp.MustCompile(`Password: (\S+)`)

// passwordIn finds the password in a welcome mail's text.
func passwordIn(text string) string {
	GinkgoHelper()
	m := passwordLine.FindStringSubmatch(text)
	Expect(m).To(HaveLen(2), "the welcome mail names a password")
	return m[1]
}
