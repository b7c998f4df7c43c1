package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/metrics"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

const token = "the-admin-token"

// reply is an answer of the admin API.
type reply struct {
	code   int
	header http.Header
	body   []byte
}

func (r reply) json() map[string]any {
	var out map[string]any
	ExpectWithOffset(1, json.Unmarshal(r.body, &out)).To(Succeed(), string(r.body))
	return out
}

// items decodes a list answer into T, checking its shape.
func items[T any](r reply) ([]T, string) {
	var list server.List[T]
	ExpectWithOffset(1, r.code).To(Equal(http.StatusOK), string(r.body))
	ExpectWithOffset(1, json.Unmarshal(r.body, &list)).To(Succeed())
	ExpectWithOffset(1, r.json()).To(And(HaveKey("items"), HaveKey("next_cursor")))
	return list.Items, list.NextCursor
}

// seedEvent stores an event of crm and contact and forces it into status,
// with its activity line "Received …".
func seedEvent(ctx context.Context, st *store.Store, crm, contact, status string) *store.Event {
	now := time.Now().UTC()
	ev := &store.Event{CRM: crm, Action: "add", Method: "POST", ContentType: "application/x-www-form-urlencoded",
		Body: []byte("SubscriberID=" + contact), ContactID: contact, Decoded: true, Status: store.StatusReceived,
		ReceivedAt: now, UpdatedAt: now, NextAttemptAt: now}
	Expect(st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.InsertEvents(ctx, []*store.Event{ev}) })).To(Succeed())
	ev.Status = status
	_, err := st.DB().NewUpdate().Model(ev).Column("status").WherePK().Exec(ctx)
	Expect(err).NotTo(HaveOccurred())
	return ev
}

var _ = Describe("The admin API", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			srv *httptest.Server
			st  *store.Store
			cfg atomic.Pointer[config.Config]
			m   *metrics.Metrics
		)

		BeforeEach(func() {
			st = db.Store()
			cfg.Store(loadConfig(`
access_key: ` + key + `
admin: { token: ` + token + ` }
crms:
  klicktipp: { enabled: true }
  hubspot: { enabled: false }
`))
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			in := inbox.New(st, asleep{}, nil, inbox.Options{CRMs: cfg.Load().Enabled}, log)
			Expect(in.Start(context.Background())).To(Succeed())
			DeferCleanup(func() { in.Stop(context.Background()) })
			m = metrics.New(log)
			s := server.New(server.Deps{
				Config: cfg.Load, Store: st, Inbox: in, Replayer: in, Log: log, Metrics: m,
				Plugins: func() []store.PluginState {
					return []store.PluginState{
						{CRM: "hubspot", State: "stopped"},
						{CRM: "klicktipp", Enabled: true, State: "running", Version: "1.2.0", PID: 4242, Restarts: 1, LastError: "exit status 2"},
					}
				},
			})
			srv = httptest.NewServer(s.Handler())
			DeferCleanup(srv.Close)
		})

		call := func(method, path, bearer string) reply {
			req, err := http.NewRequest(method, srv.URL+path, nil)
			Expect(err).NotTo(HaveOccurred())
			if bearer != "" {
				req.Header.Set("Authorization", bearer)
			}
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			Expect(err).NotTo(HaveOccurred())
			return reply{code: resp.StatusCode, header: resp.Header, body: body}
		}
		get := func(path string) reply { return call(http.MethodGet, path, "Bearer "+token) }
		post := func(path string) reply { return call(http.MethodPost, path, "Bearer "+token) }

		Describe("its bearer token", func() {
			paths := []string{"GET /api/v1/users", "GET /api/v1/users/1", "GET /api/v1/events", "GET /api/v1/events/1",
				"POST /api/v1/events/1/replay", "POST /api/v1/events/replay", "GET /api/v1/plugins", "GET /api/v1/activity",
				"GET /api/v1/nosuch", "DELETE /api/v1/users"}

			It("is required: missing or wrong, every endpoint answers 401", func() {
				for _, p := range paths {
					method, path, _ := strings.Cut(p, " ")
					for _, bearer := range []string{"", "Bearer wrong", "Bearer " + token + "x", token, "Basic " + token} {
						r := call(method, path, bearer)
						Expect(r.code).To(Equal(http.StatusUnauthorized), p+" with "+bearer)
						Expect(r.header.Get("WWW-Authenticate")).To(HavePrefix("Bearer"))
					}
				}
			})

			It("opens the API, whatever the case of the scheme", func() {
				Expect(call(http.MethodGet, "/api/v1/users", "bearer "+token).code).To(Equal(http.StatusOK))
				Expect(call(http.MethodGet, "/api/v1/nosuch", "Bearer "+token).code).To(Equal(http.StatusNotFound))
			})

			It("turns the whole API off when none is configured: 404, even for the old token", func() {
				off := *cfg.Load()
				off.Admin.Token = ""
				cfg.Store(&off)
				for _, p := range paths {
					method, path, _ := strings.Cut(p, " ")
					Expect(call(method, path, "Bearer "+token).code).To(Equal(http.StatusNotFound), p)
					Expect(call(method, path, "").code).To(Equal(http.StatusNotFound), p)
				}
			})

			It("guards Go's profiler too, which answers 404 unless admin.pprof is on", func() {
				Expect(get("/debug/pprof/").code).To(Equal(http.StatusNotFound))
				on := *cfg.Load()
				on.Admin.Pprof = true
				cfg.Store(&on)
				Expect(call(http.MethodGet, "/debug/pprof/", "").code).To(Equal(http.StatusUnauthorized))
				Expect(call(http.MethodGet, "/debug/pprof/heap", "Bearer wrong").code).To(Equal(http.StatusUnauthorized))
				r := get("/debug/pprof/heap?debug=1")
				Expect(r.code).To(Equal(http.StatusOK))
				Expect(string(r.body)).To(ContainSubstring("heap profile"))
			})

			It("is read at each request, so a reloaded token applies at once", func() {
				changed := *cfg.Load()
				changed.Admin.Token = "new-token"
				cfg.Store(&changed)
				Expect(get("/api/v1/users").code).To(Equal(http.StatusUnauthorized))
				Expect(call(http.MethodGet, "/api/v1/users", "Bearer new-token").code).To(Equal(http.StatusOK))
			})
		})

		Describe("users", func() {
			var anna, ben *store.User
			BeforeEach(func(ctx SpecContext) {
				anna = &store.User{Username: "anna", Email: "anna@example.com", Role: "customer", PasswordHash: "$argon2id$secret-hash",
					FirstName: "Anna", LastName: "Berg"}
				ben = &store.User{Username: "ben", Email: "ben@example.com", Role: "subscriber", PasswordHash: "$argon2id$other"}
				Expect(st.CreateUser(ctx, anna)).To(Succeed())
				Expect(st.CreateUser(ctx, ben)).To(Succeed())
				Expect(st.LinkContact(ctx, "klicktipp", "1001", anna.ID)).To(BeTrue())
				Expect(st.LinkContact(ctx, "klicktipp", "1002", ben.ID)).To(BeTrue())
				Expect(st.ChangeTags(ctx, anna.ID, "klicktipp", []store.UserTag{{TagID: "7", TagName: "Customer"}}, nil)).To(Succeed())
				Expect(st.SetFields(ctx, anna.ID, map[string]string{"phone": "+49 30 1"})).To(Succeed())
			})

			It("shows one user with its contacts, tags and fields, and never its password hash", func() {
				r := get("/api/v1/users/" + formatID(anna.ID))
				Expect(r.code).To(Equal(http.StatusOK))
				Expect(string(r.body)).NotTo(ContainSubstring("argon2id"))
				Expect(r.json()).To(SatisfyAll(
					HaveLen(11),
					HaveKeyWithValue("id", formatID(anna.ID)),
					HaveKeyWithValue("username", "anna"),
					HaveKeyWithValue("email", "anna@example.com"),
					HaveKeyWithValue("role", "customer"),
					HaveKeyWithValue("first_name", "Anna"),
					HaveKeyWithValue("last_name", "Berg"),
					HaveKeyWithValue("fields", map[string]any{"phone": "+49 30 1"}),
					HaveKeyWithValue("contacts", []any{map[string]any{"crm": "klicktipp", "contact_id": "1001"}}),
					HaveKeyWithValue("tags", []any{map[string]any{"crm": "klicktipp", "id": "7", "name": "Customer"}}),
					HaveKey("created_at"), HaveKey("updated_at"),
				))
			})

			It("answers 404 for a user that does not exist, 400 for an id that is none", func() {
				Expect(get("/api/v1/users/999999").code).To(Equal(http.StatusNotFound))
				Expect(get("/api/v1/users/anna").code).To(Equal(http.StatusBadRequest))
			})

			DescribeTable("lists users by filter",
				func(query string, want ...string) {
					users, next := items[server.User](get("/api/v1/users?" + query))
					Expect(next).To(BeEmpty())
					names := []string{}
					for _, u := range users {
						names = append(names, u.Username)
					}
					Expect(names).To(Equal(append([]string{}, want...)))
				},
				Entry("none: all, newest first", "", "ben", "anna"),
				Entry("e-mail", "email=ANNA@example.com", "anna"),
				Entry("a part of the name", "name=NN", "anna"),
				Entry("tag", "tag=Customer", "anna"),
				Entry("CRM", "crm=klicktipp", "ben", "anna"),
				Entry("contact id", "crm=klicktipp&contact_id=1002", "ben"),
				Entry("a CRM nobody is linked to", "crm=hubspot"),
			)

			It("shows users in a list as it shows one user, with empty lists rather than null", func() {
				users, _ := items[server.User](get("/api/v1/users?email=ben@example.com"))
				Expect(users).To(HaveLen(1))
				Expect(users[0].Tags).To(BeEmpty())
				Expect(get("/api/v1/users?email=ben@example.com").body).To(ContainSubstring(`"tags":[]`))
				Expect(get("/api/v1/users?email=ben@example.com").body).To(ContainSubstring(`"fields":{}`))
			})

			It("pages through users with limit and cursor", func(ctx SpecContext) {
				for _, name := range []string{"cleo", "dora", "emil"} {
					Expect(st.CreateUser(ctx, &store.User{Username: name, Email: name + "@example.com", Role: "subscriber", PasswordHash: "x"})).To(Succeed())
				}
				var seen []string
				path := "/api/v1/users?limit=2"
				for pages := 1; ; pages++ {
					users, next := items[server.User](get(path))
					Expect(len(users)).To(BeNumerically("<=", 2))
					for _, u := range users {
						seen = append(seen, u.Username)
					}
					if next == "" {
						Expect(pages).To(Equal(3))
						break
					}
					path = "/api/v1/users?limit=2&cursor=" + next
				}
				Expect(seen).To(Equal([]string{"emil", "dora", "cleo", "ben", "anna"}))
			})

			DescribeTable("refuses a bad page with 400",
				func(query string) { Expect(get("/api/v1/users?" + query).code).To(Equal(http.StatusBadRequest)) },
				Entry("limit 0", "limit=0"),
				Entry("limit over 500", "limit=501"),
				Entry("limit not a number", "limit=ten"),
				Entry("a cursor not handed out", "cursor=abc"),
			)
		})

		Describe("events", func() {
			var dead, done, other *store.Event
			BeforeEach(func(ctx SpecContext) {
				dead = seedEvent(ctx, st, "klicktipp", "1001", store.StatusDead)
				done = seedEvent(ctx, st, "klicktipp", "1002", store.StatusDone)
				other = seedEvent(ctx, st, "hubspot", "1001", store.StatusFailed)
			})

			DescribeTable("lists events by filter, newest first",
				func(query string, want func() []*store.Event) {
					evs, next := items[server.Event](get("/api/v1/events?" + query))
					Expect(next).To(BeEmpty())
					var got, wantIDs []string
					for _, ev := range evs {
						got = append(got, ev.ID)
					}
					for _, ev := range want() {
						wantIDs = append(wantIDs, formatID(ev.ID))
					}
					Expect(got).To(Equal(wantIDs))
				},
				Entry("none", "", func() []*store.Event { return []*store.Event{other, done, dead} }),
				Entry("status", "status=dead", func() []*store.Event { return []*store.Event{dead} }),
				Entry("CRM", "crm=klicktipp", func() []*store.Event { return []*store.Event{done, dead} }),
				Entry("contact id", "contact_id=1001", func() []*store.Event { return []*store.Event{other, dead} }),
				Entry("all three", "status=done&crm=klicktipp&contact_id=1002", func() []*store.Event { return []*store.Event{done} }),
				Entry("action", "action=add&crm=hubspot", func() []*store.Event { return []*store.Event{other} }),
				Entry("an action none has", "action=update_tags", func() []*store.Event { return nil }),
				Entry("received since an hour ago, as RFC 3339", "since="+time.Now().UTC().Add(-time.Hour).Format(time.RFC3339),
					func() []*store.Event { return []*store.Event{other, done, dead} }),
				Entry("received until an hour ago, as a browser sends it", "until="+time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04"),
					func() []*store.Event { return nil }),
			)

			DescribeTable("refuses a filter it cannot read with 400",
				func(query string) { Expect(get("/api/v1/events?" + query).code).To(Equal(http.StatusBadRequest)) },
				Entry("an unknown status", "status=lost"),
				Entry("a since that is no time", "since=yesterday"),
				Entry("an until that is no time", "until=2026-13-01"),
			)

			It("pages through events", func() {
				evs, next := items[server.Event](get("/api/v1/events?limit=2"))
				Expect(evs).To(HaveLen(2))
				Expect(next).NotTo(BeEmpty())
				evs, next = items[server.Event](get("/api/v1/events?limit=2&cursor=" + next))
				Expect(evs).To(ConsistOf(HaveField("ID", formatID(dead.ID))))
				Expect(next).To(BeEmpty())
			})

			// On SQLite the store's writer is one connection, which the
			// webhooks' commits and the workers need: the API's reads must
			// not take it.
			It("answers its reads while a transaction holds the store's writer", func(ctx SpecContext) {
				storetest.HoldWriter(st, nil)

				evs, _ := items[server.Event](get("/api/v1/events"))
				Expect(evs).To(HaveLen(3))
				Expect(get("/api/v1/events/" + formatID(dead.ID)).code).To(Equal(http.StatusOK))
				Expect(get("/api/v1/activity").code).To(Equal(http.StatusOK))
			}, SpecTimeout(30*time.Second))

			It("shows one event: its outcome, its request, its attempts and its activity lines", func(ctx SpecContext) {
				now := time.Now().UTC()
				_, err := st.DB().NewInsert().Model(&store.EventAttempt{EventID: dead.ID, Number: 1, Owner: "w",
					StartedAt: now, FinishedAt: &now, Outcome: store.StatusDead, Error: "klicktipp: 503"}).Exec(ctx)
				Expect(err).NotTo(HaveOccurred())

				r := get("/api/v1/events/" + formatID(dead.ID))
				Expect(r.code).To(Equal(http.StatusOK))
				Expect(r.json()).To(SatisfyAll(
					HaveKeyWithValue("id", formatID(dead.ID)),
					HaveKeyWithValue("crm", "klicktipp"),
					HaveKeyWithValue("action", "add"),
					HaveKeyWithValue("contact_id", "1001"),
					HaveKeyWithValue("status", "dead"),
					HaveKey("outcome"), HaveKey("user_id"), HaveKey("message"),
					HaveKeyWithValue("request", HaveKeyWithValue("body", "SubscriberID=1001")),
					HaveKeyWithValue("attempts", ConsistOf(SatisfyAll(
						HaveKeyWithValue("number", BeNumerically("==", 1)),
						HaveKeyWithValue("outcome", "dead"),
						HaveKeyWithValue("error", "klicktipp: 503"),
					))),
					HaveKeyWithValue("activity", ConsistOf(HaveKeyWithValue("message", "Received add webhook."))),
				))
				Expect(get("/api/v1/events/999999").code).To(Equal(http.StatusNotFound))
			})

			It("shows a request of several items with its items, their status together, and each item under its request", func(ctx SpecContext) {
				Expect(get("/api/v1/events/"+formatID(dead.ID)).json()).NotTo(HaveKey("items"), "one item: the shape of old")

				req := seedEvent(ctx, st, "klicktipp", "2001", store.StatusReceived)
				req.ItemCount, req.Status, req.Outcome = 3, store.StatusDone, "updated"
				Expect(st.SaveDecoded(ctx, req)).To(Succeed())
				item := func(i int, contact, status, outcome string) *store.Event {
					return &store.Event{CRM: "klicktipp", Action: "add", ContactID: contact, Decoded: true, RequestID: &req.ID,
						ItemIndex: i, Status: status, Outcome: outcome, ReceivedAt: req.ReceivedAt, NextAttemptAt: req.ReceivedAt}
				}
				failed, pending := item(1, "2002", store.StatusFailed, "contact_not_found"), item(2, "2003", store.StatusPending, "")
				Expect(st.InsertItems(ctx, []*store.Event{failed, pending})).To(Succeed())

				got := get("/api/v1/events/" + formatID(req.ID)).json()
				Expect(got).To(SatisfyAll(
					HaveKeyWithValue("id", formatID(req.ID)),
					HaveKeyWithValue("status", "pending"),
					HaveKeyWithValue("outcome", "updated"),
					HaveKeyWithValue("items", HaveExactElements(
						SatisfyAll(HaveKeyWithValue("id", formatID(req.ID)), HaveKeyWithValue("status", "done"), Not(HaveKey("request_id"))),
						SatisfyAll(HaveKeyWithValue("id", formatID(failed.ID)), HaveKeyWithValue("contact_id", "2002"),
							HaveKeyWithValue("status", "failed"), HaveKeyWithValue("outcome", "contact_not_found"),
							HaveKeyWithValue("request_id", formatID(req.ID)), HaveKey("user_id"), HaveKey("message"), HaveKey("crm"), HaveKey("action")),
						HaveKeyWithValue("status", "pending"),
					)),
				))
				pending.Status = store.StatusDone
				_, err := st.DB().NewUpdate().Model(pending).Column("status").WherePK().Exec(ctx)
				Expect(err).NotTo(HaveOccurred())
				Expect(get("/api/v1/events/" + formatID(req.ID)).json()).To(HaveKeyWithValue("status", "failed"))

				Expect(get("/api/v1/events/" + formatID(failed.ID)).json()).To(SatisfyAll(
					HaveKeyWithValue("request_id", formatID(req.ID)), Not(HaveKey("items"))))
				evs, _ := items[server.Event](get("/api/v1/events?request_id=" + formatID(req.ID)))
				Expect(evs).To(ConsistOf(HaveField("ID", formatID(failed.ID)), HaveField("ID", formatID(pending.ID))))
				Expect(get("/api/v1/events?request_id=x").code).To(Equal(http.StatusBadRequest))
			})

			It("replays one dead event: queued again, with an activity line", func() {
				r := post("/api/v1/events/" + formatID(dead.ID) + "/replay")
				Expect(r.code).To(Equal(http.StatusOK), string(r.body))
				Expect(r.json()).To(SatisfyAll(
					HaveKeyWithValue("status", "pending"),
					HaveKeyWithValue("activity", ContainElement(HaveKeyWithValue("message", ContainSubstring("Replayed")))),
				))
			})

			It("refuses to replay an event that is neither failed nor dead, with 409, and one that does not exist with 404", func() {
				r := post("/api/v1/events/" + formatID(done.ID) + "/replay")
				Expect(r.code).To(Equal(http.StatusConflict))
				Expect(r.json()).To(HaveKeyWithValue("error", ContainSubstring("is done")))
				Expect(post("/api/v1/events/999999/replay").code).To(Equal(http.StatusNotFound))
			})

			It("replays by filter, touching nothing else", func(ctx SpecContext) {
				more := seedEvent(ctx, st, "klicktipp", "1003", store.StatusDead)
				failed := seedEvent(ctx, st, "klicktipp", "1004", store.StatusFailed)
				r := post("/api/v1/events/replay?status=dead&crm=klicktipp")
				Expect(r.code).To(Equal(http.StatusOK), string(r.body))
				Expect(r.json()).To(Equal(map[string]any{"replayed": 2.0}))
				for ev, want := range map[*store.Event]string{dead: "pending", more: "pending", failed: "failed", other: "failed", done: "done"} {
					got, err := st.EventByID(ctx, ev.ID)
					Expect(err).NotTo(HaveOccurred())
					Expect(got.Status).To(Equal(want), "event %d", ev.ID)
				}
			})

			It("refuses to replay by a status other than failed or dead", func() {
				Expect(post("/api/v1/events/replay?status=done").code).To(Equal(http.StatusBadRequest))
			})
		})

		It("lists the plugins with state, version, pid, restarts and last error", func() {
			plugins, next := items[server.Plugin](get("/api/v1/plugins"))
			Expect(next).To(BeEmpty())
			Expect(plugins).To(HaveLen(2))
			Expect(plugins[1]).To(And(
				HaveField("CRM", "klicktipp"), HaveField("Enabled", true), HaveField("State", "running"),
				HaveField("Version", "1.2.0"), HaveField("PID", 4242), HaveField("Restarts", 1),
				HaveField("LastError", "exit status 2"),
			))
			Expect(plugins[0]).To(And(HaveField("CRM", "hubspot"), HaveField("State", "stopped")))
		})

		It("lists recent activity, newest first, a page at a time", func(ctx SpecContext) {
			for _, msg := range []string{"one", "two", "three"} {
				Expect(st.AddActivity(ctx, &store.Activity{CRM: "klicktipp", Message: msg})).To(Succeed())
			}
			lines, next := items[server.ActivityLine](get("/api/v1/activity?limit=2"))
			Expect(lines).To(HaveExactElements(HaveField("Message", "three"), HaveField("Message", "two")))
			lines, next = items[server.ActivityLine](get("/api/v1/activity?limit=2&cursor=" + next))
			Expect(lines).To(HaveExactElements(HaveField("Message", "one")))
			Expect(next).To(BeEmpty())
		})

		It("counts webhooks on /metrics by CRM, action and status code", func() {
			send := func(path string) {
				resp, err := http.Post(srv.URL+path, "application/x-www-form-urlencoded", strings.NewReader("SubscriberID=1"))
				Expect(err).NotTo(HaveOccurred())
				resp.Body.Close()
			}
			send("/hooks/klicktipp?action=add&access_key=" + key)
			send("/hooks/klicktipp?action=add&access_key=" + key)
			send("/hooks/klicktipp?action=update&access_key=wrong")
			send("/hooks/klicktipp?action=delete&access_key=" + key)
			send("/hooks/hubspot?action=add&access_key=" + key)
			send("/hooks/no-such-crm-" + formatID(time.Now().UnixNano()) + "?action=add")

			scrape := func() string {
				resp, err := http.Get(srv.URL + "/metrics")
				Expect(err).NotTo(HaveOccurred())
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				Expect(resp.StatusCode).To(Equal(http.StatusOK))
				return string(body)
			}
			// Counted as each answer leaves: the last may trail its answer.
			Eventually(scrape).Should(SatisfyAll(
				ContainSubstring(`crmhub_webhooks_received_total{action="add",code="202",crm="klicktipp"} 2`),
				ContainSubstring(`crmhub_webhooks_received_total{action="update",code="403",crm="klicktipp"} 1`),
				ContainSubstring(`crmhub_webhooks_received_total{action="unknown",code="400",crm="klicktipp"} 1`),
				ContainSubstring(`crmhub_webhooks_received_total{action="unknown",code="404",crm="hubspot"} 1`),
				ContainSubstring(`crmhub_webhooks_received_total{action="unknown",code="404",crm="unknown"} 1`),
				ContainSubstring(`crmhub_ingest_duration_seconds_count{crm="klicktipp"} 2`),
			))
		})
	})
})
