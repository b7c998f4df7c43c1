package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

// cmdRun is what one in-process CLI command did.
type cmdRun struct {
	code           int
	stdout, stderr string
}

// crmhub runs a CLI command in this process, as main would.
func crmhub(ctx context.Context, args ...string) cmdRun {
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	return cmdRun{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// writeConfig writes a config file naming the store at dbURL, and more.
func writeConfig(dbURL, more string) string {
	path := filepath.Join(GinkgoT().TempDir(), "crmhub.yaml")
	Expect(os.WriteFile(path, []byte("database: { url: \""+dbURL+"\" }\n"+more), 0o600)).To(Succeed())
	return path
}

// addEvents stores n webhook events of crm in status.
func addEvents(ctx context.Context, st *store.Store, crm, status string, n int) []*store.Event {
	now := time.Now().UTC()
	evs := make([]*store.Event, n)
	for i := range evs {
		evs[i] = &store.Event{CRM: crm, Action: "add", Method: "POST", ContentType: "application/x-www-form-urlencoded",
			Body: []byte(fmt.Sprintf("SubscriberID=%d", 1000+i)), ContactID: fmt.Sprint(1000 + i), Decoded: true,
			Status: store.StatusReceived, ReceivedAt: now, UpdatedAt: now, NextAttemptAt: now}
	}
	Expect(st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.InsertEvents(ctx, evs) })).To(Succeed())
	_, err := st.DB().NewUpdate().Model((*store.Event)(nil)).Set("status = ?", status).
		Where("id >= ? AND id <= ?", evs[0].ID, evs[n-1].ID).Exec(ctx)
	Expect(err).NotTo(HaveOccurred())
	for _, ev := range evs {
		ev.Status = status
	}
	return evs
}

var _ = Describe("The read commands", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			st         *store.Store
			config     string
			anna, ben  *store.User
			dead, done *store.Event
		)

		BeforeEach(func(ctx SpecContext) {
			st = db.Store()
			config = writeConfig(db.URL(), "")
			anna = &store.User{Username: "anna", Email: "anna@example.com", Role: "customer", FirstName: "Anna", LastName: "Berg", PasswordHash: "$argon2id$hash"}
			ben = &store.User{Username: "ben", Email: "ben@example.com", Role: "subscriber", PasswordHash: "$argon2id$hash"}
			Expect(st.CreateUser(ctx, anna)).To(Succeed())
			Expect(st.CreateUser(ctx, ben)).To(Succeed())
			Expect(st.LinkContact(ctx, "klicktipp", "1001", anna.ID)).To(BeTrue())
			Expect(st.ChangeTags(ctx, anna.ID, "klicktipp", []store.UserTag{{TagID: "7", TagName: "Customer"}}, nil)).To(Succeed())
			Expect(st.SetFields(ctx, anna.ID, map[string]string{"phone": "+49 30 1"})).To(Succeed())
			dead = addEvents(ctx, st, "klicktipp", store.StatusDead, 1)[0]
			done = addEvents(ctx, st, "klicktipp", store.StatusDone, 1)[0]
		})

		Describe("users", func() {
			It("lists users in a table, newest first", func(ctx SpecContext) {
				r := crmhub(ctx, "users", "list", "--config", config)
				Expect(r.code).To(Equal(0), r.stderr)
				lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
				Expect(lines).To(HaveLen(3))
				Expect(strings.Fields(lines[0])).To(Equal([]string{"ID", "USERNAME", "E-MAIL", "ROLE", "CONTACTS", "TAGS", "CREATED"}))
				Expect(lines[1]).To(HavePrefix(fmt.Sprint(ben.ID) + " "))
				Expect(lines[2]).To(And(ContainSubstring("anna@example.com"), ContainSubstring("klicktipp:1001"), ContainSubstring("Customer")))
			})

			It("filters and prints the admin API's JSON with --json", func(ctx SpecContext) {
				r := crmhub(ctx, "users", "list", "--config", config, "--tag", "Customer", "--json")
				Expect(r.code).To(Equal(0), r.stderr)
				var list server.List[server.User]
				Expect(json.Unmarshal([]byte(r.stdout), &list)).To(Succeed())
				Expect(list.NextCursor).To(BeEmpty())
				Expect(list.Items).To(ConsistOf(And(
					HaveField("Username", "anna"),
					HaveField("Contacts", ConsistOf(server.Contact{CRM: "klicktipp", ContactID: "1001"})),
					HaveField("Tags", ConsistOf(server.Tag{CRM: "klicktipp", ID: "7", Name: "Customer"})),
					HaveField("Fields", HaveKeyWithValue("phone", "+49 30 1")),
				)))
				Expect(r.stdout).NotTo(ContainSubstring("argon2id"))
			})

			It("pages with --limit and the --cursor it prints", func(ctx SpecContext) {
				r := crmhub(ctx, "users", "list", "--config", config, "--limit", "1")
				Expect(r.code).To(Equal(0), r.stderr)
				Expect(r.stdout).To(ContainSubstring("ben@example.com"))
				Expect(r.stdout).To(ContainSubstring("more: crmhub users list --cursor " + fmt.Sprint(ben.ID)))
				r = crmhub(ctx, "users", "list", "--config", config, "--limit", "1", "--cursor", fmt.Sprint(ben.ID))
				Expect(r.stdout).To(ContainSubstring("anna@example.com"))
				Expect(r.stdout).NotTo(ContainSubstring("more:"))
			})

			It("shows one user, flags before or after its id", func(ctx SpecContext) {
				r := crmhub(ctx, "users", "show", fmt.Sprint(anna.ID), "--config", config)
				Expect(r.code).To(Equal(0), r.stderr)
				Expect(r.stdout).To(SatisfyAll(
					ContainSubstring("anna <anna@example.com>"), ContainSubstring("Anna Berg"),
					ContainSubstring("klicktipp: Customer (id 7)"), ContainSubstring("phone = +49 30 1"),
				))
				r = crmhub(ctx, "users", "show", "--json", fmt.Sprint(anna.ID), "--config", config)
				var u server.User
				Expect(json.Unmarshal([]byte(r.stdout), &u)).To(Succeed(), r.stdout)
				Expect(u.Email).To(Equal("anna@example.com"))
			})

			It("says so when a user does not exist", func(ctx SpecContext) {
				r := crmhub(ctx, "users", "show", "999999", "--config", config)
				Expect(r.code).To(Equal(1))
				Expect(r.stderr).To(ContainSubstring("no user 999999"))
			})
		})

		Describe("events", func() {
			It("lists events by status", func(ctx SpecContext) {
				r := crmhub(ctx, "events", "list", "--config", config, "--status", "dead")
				Expect(r.code).To(Equal(0), r.stderr)
				Expect(r.stdout).To(ContainSubstring("dead"))
				Expect(r.stdout).NotTo(ContainSubstring("done"))

				r = crmhub(ctx, "events", "list", "--config", config, "--json")
				var list server.List[server.Event]
				Expect(json.Unmarshal([]byte(r.stdout), &list)).To(Succeed())
				Expect(list.Items).To(HaveExactElements(HaveField("ID", fmt.Sprint(done.ID)), HaveField("ID", fmt.Sprint(dead.ID))))
			})

			It("refuses a status that does not exist", func(ctx SpecContext) {
				r := crmhub(ctx, "events", "list", "--config", config, "--status", "lost")
				Expect(r.code).To(Equal(1))
				Expect(r.stderr).To(ContainSubstring("--status"))
			})

			It("shows one event with its attempts and activity", func(ctx SpecContext) {
				now := time.Now().UTC()
				_, err := st.DB().NewInsert().Model(&store.EventAttempt{EventID: dead.ID, Number: 1, Owner: "w",
					StartedAt: now, FinishedAt: &now, Outcome: store.StatusDead, Error: "klicktipp answered 503"}).Exec(ctx)
				Expect(err).NotTo(HaveOccurred())
				r := crmhub(ctx, "events", "show", fmt.Sprint(dead.ID), "--config", config)
				Expect(r.code).To(Equal(0), r.stderr)
				Expect(r.stdout).To(SatisfyAll(
					ContainSubstring("klicktipp add, dead"), ContainSubstring("Attempts:"),
					ContainSubstring("klicktipp answered 503"), ContainSubstring("Activity:"),
					ContainSubstring("Received add webhook."),
				))
				r = crmhub(ctx, "events", "show", fmt.Sprint(dead.ID), "--config", config, "--json")
				var detail server.EventDetail
				Expect(json.Unmarshal([]byte(r.stdout), &detail)).To(Succeed())
				Expect(detail.Attempts).To(ConsistOf(HaveField("Error", "klicktipp answered 503")))
			})

			It("shows a request's items under it, and lists each item with its request", func(ctx SpecContext) {
				done.ItemCount = 2
				_, err := st.DB().NewUpdate().Model(done).Column("item_count").WherePK().Exec(ctx)
				Expect(err).NotTo(HaveOccurred())
				item := &store.Event{CRM: "klicktipp", Action: "add", ContactID: "4242", Decoded: true, RequestID: &done.ID,
					ItemIndex: 1, Status: store.StatusFailed, Outcome: "contact_not_found", ReceivedAt: done.ReceivedAt}
				Expect(st.InsertItems(ctx, []*store.Event{item})).To(Succeed())

				r := crmhub(ctx, "events", "show", fmt.Sprint(done.ID), "--config", config)
				Expect(r.code).To(Equal(0), r.stderr)
				Expect(r.stdout).To(SatisfyAll(ContainSubstring("Items (2):"), ContainSubstring("4242"), ContainSubstring("contact_not_found")))
				r = crmhub(ctx, "events", "show", fmt.Sprint(item.ID), "--config", config)
				Expect(r.stdout).To(ContainSubstring(fmt.Sprintf("item of request %d", done.ID)))
				r = crmhub(ctx, "events", "list", "--config", config, "--request-id", fmt.Sprint(done.ID), "--json")
				var list server.List[server.Event]
				Expect(json.Unmarshal([]byte(r.stdout), &list)).To(Succeed())
				Expect(list.Items).To(HaveExactElements(And(HaveField("ID", fmt.Sprint(item.ID)), HaveField("RequestID", fmt.Sprint(done.ID)))))
			})

			It("replays one dead event, and refuses one that is done", func(ctx SpecContext) {
				r := crmhub(ctx, "events", "replay", fmt.Sprint(dead.ID), "--config", config)
				Expect(r.code).To(Equal(0), r.stderr)
				Expect(r.stdout).To(ContainSubstring(fmt.Sprintf("event %d queued again (pending)", dead.ID)))
				lines, err := st.EventActivity(ctx, dead.ID)
				Expect(err).NotTo(HaveOccurred())
				Expect(lines).To(ContainElement(HaveField("Message", ContainSubstring("Replayed"))))

				r = crmhub(ctx, "events", "replay", fmt.Sprint(done.ID), "--config", config)
				Expect(r.code).To(Equal(1))
				Expect(r.stderr).To(ContainSubstring("is done: only failed and dead events are replayed"))
			})

			It("replays many events by filter in batches, showing its progress", func(ctx SpecContext) {
				addEvents(ctx, st, "klicktipp", store.StatusDead, 1199)
				other := addEvents(ctx, st, "hubspot", store.StatusDead, 1)[0]
				r := crmhub(ctx, "events", "replay", "--status", "dead", "--crm", "klicktipp", "--config", config)
				Expect(r.code).To(Equal(0), r.stderr)
				Expect(r.stderr).To(Equal("replaying: 500 of 1200 events queued again\n" +
					"replaying: 1000 of 1200 events queued again\n" +
					"replaying: 1200 of 1200 events queued again\n"))
				Expect(r.stdout).To(Equal("1200 events queued again\n"))
				n, err := st.DB().NewSelect().Model((*store.Event)(nil)).Where("status = ?", store.StatusDead).Count(ctx)
				Expect(err).NotTo(HaveOccurred())
				Expect(n).To(BeEquivalentTo(1), "only hubspot's is left")
				Expect(st.EventByID(ctx, other.ID)).To(HaveField("Status", store.StatusDead))
			})
		})

		Describe("plugins", func() {
			It("lists the plugin states the hub recorded, and when", func(ctx SpecContext) {
				now := time.Now().UTC()
				Expect(st.SavePluginStates(ctx, []store.PluginState{
					{CRM: "hubspot", State: "stopped", Reporter: "hub-1:42", ReportedAt: now},
					{CRM: "klicktipp", Enabled: true, State: "not_configured", Version: "0.1.0", PID: 4242,
						LastError: "configure: setting username is empty", Since: now, Reporter: "hub-1:42", ReportedAt: now},
				})).To(Succeed())
				r := crmhub(ctx, "plugins", "list", "--config", config)
				Expect(r.code).To(Equal(0), r.stderr)
				lines := strings.Split(r.stdout, "\n")
				Expect(strings.Fields(lines[0])).To(Equal([]string{"CRM", "ENABLED", "STATE", "VERSION", "PID", "RESTARTS", "SINCE", "LAST", "ERROR"}))
				Expect(lines[1]).To(MatchRegexp(`^hubspot\s+no\s+stopped\s+-\s+-\s+0\s+-\s+-`))
				Expect(lines[2]).To(MatchRegexp(`^klicktipp\s+yes\s+not_configured\s+0\.1\.0\s+4242\s+0\s+.*setting username is empty`))
				Expect(r.stdout).To(ContainSubstring("as recorded by the hub hub-1:42"))
				Expect(r.stdout).NotTo(ContainSubstring("is the hub running?"))

				r = crmhub(ctx, "plugins", "list", "--config", config, "--json")
				var list server.List[server.Plugin]
				Expect(json.Unmarshal([]byte(r.stdout), &list)).To(Succeed())
				Expect(list.Items).To(HaveLen(2))
				Expect(list.Items[1]).To(And(HaveField("State", "not_configured"), HaveField("PID", 4242), HaveField("ReportedAt", BeTemporally("~", now, time.Second))))
			})

			It("warns when the record is old", func(ctx SpecContext) {
				long := time.Now().UTC().Add(-time.Hour)
				Expect(st.SavePluginStates(ctx, []store.PluginState{{CRM: "klicktipp", Enabled: true, State: "running", Reporter: "h:1", ReportedAt: long}})).To(Succeed())
				r := crmhub(ctx, "plugins", "list", "--config", config)
				Expect(r.stdout).To(MatchRegexp(`that was 1h0m\d+s ago; is the hub running\?`))
			})
		})

		It("redacts, in config check, the settings a plugin marks secret", func(ctx SpecContext) {
			config = writeConfig(db.URL(), "crms:\n  klicktipp:\n    settings: { username: api, customer: cust-value }\n")
			Expect(st.SavePluginStates(ctx, []store.PluginState{{CRM: "klicktipp", State: "running", Secret: []string{"customer"}}})).To(Succeed())
			r := crmhub(ctx, "config", "check", "--config", config)
			Expect(r.code).To(Equal(0), r.stderr)
			Expect(r.stdout).NotTo(ContainSubstring("cust-value"))
			Expect(r.stdout).To(ContainSubstring("customer: <redacted>"))
			Expect(r.stdout).To(ContainSubstring("username: api"))
		})
	})

	It("says how to make a store that does not exist yet, and makes none", func(ctx SpecContext) {
		path := filepath.Join(GinkgoT().TempDir(), "none.db")
		r := crmhub(ctx, "users", "list", "--config", writeConfig("sqlite://"+path, ""))
		Expect(r.code).To(Equal(1))
		Expect(r.stderr).To(ContainSubstring("crmhub migrate"))
		Expect(path).NotTo(BeAnExistingFile())
	})
})
