package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/console"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

const token = "the-admin-token"

// page is one answer of the console.
type page struct {
	code   int
	header http.Header
	body   string
}

// browser is a client with its own cookies that does not follow
// redirects, so a spec sees each answer.
type browser struct {
	base   string
	client *http.Client
}

func newBrowser(base string) *browser {
	jar, err := cookiejar.New(nil)
	Expect(err).NotTo(HaveOccurred())
	return &browser{base: base, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) page {
	GinkgoHelper()
	resp, err := b.client.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return page{code: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *browser) get(path string) page {
	GinkgoHelper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	Expect(err).NotTo(HaveOccurred())
	return b.do(req)
}

// post sends a form as the console's own pages do, from its own origin.
func (b *browser) post(path string, form url.Values) page {
	GinkgoHelper()
	return b.postFrom(b.base, path, form)
}

func (b *browser) postFrom(origin, path string, form url.Values) page {
	GinkgoHelper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return b.do(req)
}

func (b *browser) signIn(token string) page {
	GinkgoHelper()
	return b.post("/ui/signin", url.Values{"token": {token}, "next": {"/ui/events"}})
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token of a page's forms.
func csrf(p page) string {
	GinkgoHelper()
	m := csrfField.FindStringSubmatch(p.body)
	Expect(m).To(HaveLen(2), "the page has a form with a CSRF token")
	return m[1]
}

// seedEvent stores an event of crm and contact and forces it into status.
func seedEvent(ctx context.Context, st *store.Store, crm, contact, status string) *store.Event {
	GinkgoHelper()
	now := time.Now().UTC()
	ev := &store.Event{CRM: crm, Action: "add", Method: "POST", ContentType: "application/x-www-form-urlencoded",
		Body: []byte("SubscriberID=" + contact + "&email=<b>anna</b>@example.com"), ContactID: contact, Decoded: true,
		Status: store.StatusReceived, ReceivedAt: now, UpdatedAt: now, NextAttemptAt: now}
	Expect(st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.InsertEvents(ctx, []*store.Event{ev}) })).To(Succeed())
	ev.Status = status
	_, err := st.DB().NewUpdate().Model(ev).Column("status").WherePK().Exec(ctx)
	Expect(err).NotTo(HaveOccurred())
	return ev
}

var _ = Describe("The web console", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			st      *store.Store
			cfg     atomic.Pointer[config.Config]
			hub     *httptest.Server
			user    *browser
			appSite *appReceiver
		)

		// serve starts a hub's HTTP server with the console on st, as a
		// replica would.
		serve := func() *httptest.Server {
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			plugins := func() []store.PluginState {
				return []store.PluginState{{CRM: "klicktipp", Enabled: true, State: "running", Version: "1.4.2",
					Restarts: 3, LastError: "exit status 2", Since: time.Now()}}
			}
			// The worker is not run: deliveries stay as a spec puts them,
			// and Send test posts at once.
			worker := apps.New(st, apps.Options{Apps: []apps.App{{Name: "shop", URL: appSite.URL, Secret: appSecret}},
				Timeout: 5 * time.Second, MaxAttempts: 3}, log)
			info := func(crm string) (sdk.Info, bool) {
				return sdk.Info{Name: "klicktipp", DisplayName: "KlickTipp", Version: "1.4.2", ProtocolVersion: 2, Settings: []sdk.Setting{
					{Name: "password", Secret: true, Description: "the API user's password"},
					{Name: "timeout", Type: sdk.TypeDuration, Default: "30s", Description: "bound on one API call"},
				}}, crm == "klicktipp"
			}
			reads := server.Reads{Config: cfg.Load, Store: st, Replayer: st, Plugins: plugins, Apps: worker, PluginInfo: info}
			s := server.New(server.Deps{Config: cfg.Load, Store: st, Replayer: st, Log: log, Plugins: plugins, Apps: worker,
				Console: console.New(console.Deps{Config: cfg.Load, Reads: reads, Log: log})})
			srv := httptest.NewServer(s.Handler())
			DeferCleanup(srv.Close)
			return srv
		}

		BeforeEach(func() {
			st = db.Store()
			appSite = newAppSite()
			cfg.Store(&config.Config{Admin: config.Admin{Token: token}, CRMs: map[string]config.CRM{
				"klicktipp": {Enabled: true, Settings: config.Settings{"password": "pa55-w0rd-value", "timeout": "20s"}},
			}, Apps: map[string]config.App{
				"shop":     {Enabled: true, URL: appSite.URL, Secret: appSecret, Token: appToken, Events: []string{"user.created"}},
				"old-shop": {Enabled: false, Token: "the-old-shop-token"},
			}})
			hub = serve()
			user = newBrowser(hub.URL)
		})

		Describe("without admin.token", func() {
			It("answers 404 on every path, as the admin API does", func() {
				cfg.Store(&config.Config{})
				for _, path := range []string{"/ui/", "/ui/signin", "/ui/events", "/ui/assets/console.css", "/ui/nosuch"} {
					Expect(user.get(path).code).To(Equal(http.StatusNotFound), path)
				}
				Expect(user.signIn("").code).To(Equal(http.StatusNotFound))
			})
		})

		Describe("signing in", func() {
			It("sends a visitor without a session to sign in, and back afterwards", func() {
				p := user.get("/ui/events?status=dead")
				Expect(p.code).To(Equal(http.StatusSeeOther))
				Expect(p.header.Get("Location")).To(Equal("/ui/signin?next=" + url.QueryEscape("/ui/events?status=dead")))
				Expect(user.get("/ui/signin").body).To(ContainSubstring(`<label for="token">Admin token</label>`))
			})

			It("refuses a wrong token with 401 and no cookie", func() {
				p := user.signIn("not-the-token")
				Expect(p.code).To(Equal(http.StatusUnauthorized))
				Expect(p.body).To(ContainSubstring("That is not the admin token."))
				Expect(p.header.Values("Set-Cookie")).To(BeEmpty())
				Expect(user.get("/ui/").code).To(Equal(http.StatusSeeOther))
			})

			It("gives the admin token an HttpOnly, SameSite=Strict session cookie", func() {
				p := user.signIn(token)
				Expect(p.code).To(Equal(http.StatusSeeOther))
				Expect(p.header.Get("Location")).To(Equal("/ui/events"))
				cookie := p.header.Get("Set-Cookie")
				Expect(cookie).To(And(ContainSubstring("HttpOnly"), ContainSubstring("SameSite=Strict"), ContainSubstring("Path=/ui/")))
				Expect(cookie).NotTo(ContainSubstring("Secure"), "the hub is reached over plain http")
				Expect(cookie).NotTo(ContainSubstring(token))
				Expect(user.get("/ui/").code).To(Equal(http.StatusOK))
			})

			It("marks the cookie Secure when the public URL is https", func() {
				cfg.Store(&config.Config{Admin: config.Admin{Token: token}, Server: config.Server{PublicURL: "https://hub.example.com"}})
				Expect(user.signIn(token).header.Get("Set-Cookie")).To(ContainSubstring("Secure"))
			})

			It("returns only to a page of the console", func() {
				for _, next := range []string{"https://evil.example/", "//evil.example/ui/", "/api/v1/users"} {
					p := user.post("/ui/signin", url.Values{"token": {token}, "next": {next}})
					Expect(p.header.Get("Location")).To(Equal("/ui/"), next)
				}
			})

			It("holds on every replica with the same token, and ends when the token changes", func() {
				Expect(user.signIn(token).code).To(Equal(http.StatusSeeOther))
				replica := serve()
				at := func(srv *httptest.Server) int {
					u, _ := url.Parse(hub.URL + "/ui/")
					req, err := http.NewRequest(http.MethodGet, srv.URL+"/ui/", nil)
					Expect(err).NotTo(HaveOccurred())
					for _, c := range user.client.Jar.Cookies(u) {
						req.AddCookie(c)
					}
					return user.do(req).code
				}
				Expect(at(replica)).To(Equal(http.StatusOK))

				cfg.Store(&config.Config{Admin: config.Admin{Token: "a-new-token"}})
				Expect(at(hub)).To(Equal(http.StatusSeeOther))
				Expect(at(replica)).To(Equal(http.StatusSeeOther))
			})

			It("refuses a session cookie whose signature was altered", func() {
				Expect(user.signIn(token).code).To(Equal(http.StatusSeeOther))
				u, _ := url.Parse(hub.URL + "/ui/")
				c := user.client.Jar.Cookies(u)[0]
				id, rest, _ := strings.Cut(c.Value, ".")
				expires, _, _ := strings.Cut(rest, ".")
				// A later expiry with the old signature.
				user.client.Jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: id + ".9" + expires + "." + strings.Split(c.Value, ".")[2], Path: "/ui/"}})
				Expect(user.get("/ui/").code).To(Equal(http.StatusSeeOther))
			})

			It("signs out with the page's CSRF token", func() {
				user.signIn(token)
				overview := user.get("/ui/")
				p := user.post("/ui/signout", url.Values{"csrf": {csrf(overview)}})
				Expect(p.code).To(Equal(http.StatusSeeOther))
				Expect(user.get("/ui/").code).To(Equal(http.StatusSeeOther))
			})
		})

		Describe("replaying from an event's page", func() {
			var dead *store.Event
			BeforeEach(func(ctx SpecContext) {
				dead = seedEvent(ctx, st, "klicktipp", "1001", store.StatusDead)
				Expect(user.signIn(token).code).To(Equal(http.StatusSeeOther))
			})
			status := func(ctx context.Context) string {
				ev, err := st.EventByID(ctx, dead.ID)
				Expect(err).NotTo(HaveOccurred())
				return ev.Status
			}
			path := func() string { return "/ui/events/" + formatID(dead.ID) }

			It("queues the event again and goes back to its page", func(ctx SpecContext) {
				p := user.post(path()+"/replay", url.Values{"csrf": {csrf(user.get(path()))}})
				Expect(p.code).To(Equal(http.StatusSeeOther))
				Expect(p.header.Get("Location")).To(Equal(path() + "?replayed"))
				Expect(status(ctx)).To(Equal(store.StatusPending))
				Expect(user.get(path() + "?replayed").body).To(ContainSubstring("Queued again."))
			})

			It("answers 409 for an event that is neither failed nor dead", func(ctx SpecContext) {
				token := csrf(user.get(path()))
				Expect(user.post(path()+"/replay", url.Values{"csrf": {token}}).code).To(Equal(http.StatusSeeOther))
				Expect(user.post(path()+"/replay", url.Values{"csrf": {token}}).code).To(Equal(http.StatusConflict))
			})

			DescribeTable("refuses a request that did not come from the console's page, leaving the event dead",
				func(ctx SpecContext, form func(token string) url.Values, origin func() string) {
					token := csrf(user.get(path()))
					p := user.postFrom(origin(), path()+"/replay", form(token))
					Expect(p.code).To(Equal(http.StatusForbidden))
					Expect(status(ctx)).To(Equal(store.StatusDead))
				},
				Entry("without the CSRF token", func(string) url.Values { return url.Values{} }, func() string { return hub.URL }),
				Entry("with a wrong CSRF token", func(t string) url.Values { return url.Values{"csrf": {t + "x"}} }, func() string { return hub.URL }),
				Entry("from another origin", func(t string) url.Values { return url.Values{"csrf": {t}} }, func() string { return "https://evil.example" }),
				Entry("without a session", func(t string) url.Values {
					user.client.Jar, _ = cookiejar.New(nil)
					return url.Values{"csrf": {t}}
				}, func() string { return hub.URL }),
			)
		})

		Describe("its pages", func() {
			BeforeEach(func() { Expect(user.signIn(token).code).To(Equal(http.StatusSeeOther)) })

			specsOfApps(func() *store.Store { return st }, func() *browser { return user }, func() *appReceiver { return appSite })

			It("show plugins with their states on the overview and the plugins page", func() {
				Expect(user.get("/ui/").body).To(And(ContainSubstring("klicktipp"), ContainSubstring(`state-running">running`)))
				p := user.get("/ui/plugins")
				Expect(p.body).To(And(ContainSubstring("1.4.2"), ContainSubstring("exit status 2"), MatchRegexp(`class="num">3<`)))
			})

			It("show a request's items on its page, each linking to its own, which names its request", func(ctx SpecContext) {
				req := seedEvent(ctx, st, "klicktipp", "3001", store.StatusReceived)
				req.ItemCount, req.Status = 2, store.StatusDone
				Expect(st.SaveDecoded(ctx, req)).To(Succeed())
				item := &store.Event{CRM: "klicktipp", Action: "add", ContactID: "3002", Decoded: true, RequestID: &req.ID,
					ItemIndex: 1, Status: store.StatusFailed, Outcome: "contact_not_found", ReceivedAt: req.ReceivedAt}
				Expect(st.InsertItems(ctx, []*store.Event{item})).To(Succeed())

				p := user.get("/ui/events/" + formatID(req.ID))
				Expect(p.code).To(Equal(http.StatusOK))
				Expect(p.body).To(And(ContainSubstring("Items"), ContainSubstring(`href="/ui/events/`+formatID(item.ID)+`"`),
					ContainSubstring("contact_not_found")))
				p = user.get("/ui/events/" + formatID(item.ID))
				Expect(p.body).To(ContainSubstring(`href="/ui/events/` + formatID(req.ID) + `"`))
			})

			It("show each plugin's webhook profile and settings schema with the configured values, never a secret's", func() {
				p := user.get("/ui/plugins")
				Expect(p.body).To(And(ContainSubstring("Checked at the door: no"), ContainSubstring("the hub&#39;s 202 JSON"),
					ContainSubstring("<td>duration</td>"), ContainSubstring("<td>20s</td>"), ContainSubstring("(set)")))
				Expect(p.body).NotTo(ContainSubstring("pa55-w0rd-value"))
			})

			It("show the queue, the last hour's outcomes and the dead events on the overview", func(ctx SpecContext) {
				dead := seedEvent(ctx, st, "klicktipp", "1001", store.StatusDead)
				seedEvent(ctx, st, "klicktipp", "1002", store.StatusDone)
				p := user.get("/ui/")
				Expect(p.body).To(ContainSubstring("2 webhooks received."))
				Expect(p.body).To(ContainSubstring(`href="/ui/events/` + formatID(dead.ID) + `"`))
				Expect(p.body).To(ContainSubstring(`href="/ui/events?crm=klicktipp&amp;status=dead"`))
			})

			It("filter events with the admin API's parameters, and refuse one they cannot read", func(ctx SpecContext) {
				dead := seedEvent(ctx, st, "klicktipp", "1001", store.StatusDead)
				done := seedEvent(ctx, st, "klicktipp", "1002", store.StatusDone)
				p := user.get("/ui/events?status=dead")
				Expect(p.code).To(Equal(http.StatusOK))
				Expect(p.body).To(ContainSubstring(`href="/ui/events/` + formatID(dead.ID) + `"`))
				Expect(p.body).NotTo(ContainSubstring(`href="/ui/events/` + formatID(done.ID) + `"`))
				Expect(p.body).To(ContainSubstring(`<option selected>dead</option>`))
				Expect(user.get("/ui/events?contact_id=1002").body).To(ContainSubstring(`href="/ui/events/` + formatID(done.ID) + `"`))
				Expect(user.get("/ui/events?since=yesterday").code).To(Equal(http.StatusBadRequest))
			})

			It("page through events 50 at a time", func(ctx SpecContext) {
				for i := range 51 {
					seedEvent(ctx, st, "klicktipp", formatID(int64(i)), store.StatusDone)
				}
				first := user.get("/ui/events")
				Expect(strings.Count(first.body, `<tr>`)).To(Equal(51), "a header row and 50 events")
				next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(first.body)
				Expect(next).To(HaveLen(2))
				second := user.get(strings.ReplaceAll(next[1], "&amp;", "&"))
				Expect(strings.Count(second.body, `<tr>`)).To(Equal(2))
				Expect(second.body).NotTo(ContainSubstring(`rel="next"`))
			})

			It("show an event's request as stored, its attempts with errors and durations, and its activity, escaped", func(ctx SpecContext) {
				ev := seedEvent(ctx, st, "klicktipp", "1001", store.StatusDead)
				started := time.Now().UTC().Add(-time.Minute)
				finished := started.Add(1500 * time.Millisecond)
				_, err := st.DB().NewInsert().Model(&store.EventAttempt{EventID: ev.ID, Number: 1, Owner: "w", StartedAt: started,
					FinishedAt: &finished, Outcome: "dead", Error: "klicktipp: 503 Service Unavailable"}).Exec(ctx)
				Expect(err).NotTo(HaveOccurred())
				Expect(st.AddActivity(ctx, &store.Activity{CRM: "klicktipp", EventID: &ev.ID, Level: store.LevelError, Message: "gave up after 1 attempt"})).To(Succeed())

				p := user.get("/ui/events/" + formatID(ev.ID))
				Expect(p.code).To(Equal(http.StatusOK))
				Expect(p.body).To(ContainSubstring("SubscriberID=1001&amp;email=&lt;b&gt;anna&lt;/b&gt;@example.com"))
				Expect(p.body).To(And(ContainSubstring("klicktipp: 503 Service Unavailable"), ContainSubstring("1.5s"),
					ContainSubstring("gave up after 1 attempt"), ContainSubstring(">Replay</button>")))
				Expect(user.get("/ui/events/999999").code).To(Equal(http.StatusNotFound))
			})

			It("find users by e-mail, name, tag and CRM, and show one with its links, tags per CRM, fields and activity", func(ctx SpecContext) {
				anna := &store.User{Username: "anna", Email: "anna@example.com", FirstName: "Anna", LastName: "Berg", Role: "subscriber", PasswordHash: "x"}
				ben := &store.User{Username: "ben", Email: "ben@example.com", Role: "subscriber", PasswordHash: "x"}
				Expect(st.CreateUser(ctx, anna)).To(Succeed())
				Expect(st.CreateUser(ctx, ben)).To(Succeed())
				Expect(st.LinkContact(ctx, "klicktipp", "1001", anna.ID)).To(BeTrue())
				Expect(st.ChangeTags(ctx, anna.ID, "klicktipp", []store.UserTag{{TagID: "7", TagName: "Customer"}}, nil)).To(Succeed())
				Expect(st.SetFields(ctx, anna.ID, map[string]string{"phone": "+49 1"})).To(Succeed())
				Expect(st.AddActivity(ctx, &store.Activity{CRM: "klicktipp", UserID: &anna.ID, Message: "created the user"})).To(Succeed())

				annaLink := `href="/ui/users/` + formatID(anna.ID) + `"`
				benLink := `href="/ui/users/` + formatID(ben.ID) + `"`
				for _, query := range []string{"email=ANNA@example.com", "name=berg", "tag=Customer", "crm=klicktipp"} {
					p := user.get("/ui/users?" + query)
					Expect(p.body).To(ContainSubstring(annaLink), query)
					Expect(p.body).NotTo(ContainSubstring(benLink), query)
				}
				p := user.get("/ui/users/" + formatID(anna.ID))
				Expect(p.body).To(And(ContainSubstring(`contact 1001`), MatchRegexp(`<dt>klicktipp</dt><dd><span class="chip" title="id 7">Customer</span>`),
					ContainSubstring(`<dt>phone</dt><dd class="wrap">&#43;49 1</dd>`), ContainSubstring("created the user")))
			})

			It("load nothing from another origin: every script, style and link is the console's own", func() {
				for _, path := range []string{"/ui/", "/ui/events", "/ui/users", "/ui/plugins", "/ui/apps", "/ui/apps/shop"} {
					p := user.get(path)
					Expect(p.header.Get("Content-Security-Policy")).To(ContainSubstring("default-src 'none'"))
					Expect(p.body).NotTo(MatchRegexp(`(src|href)="(https?:)?//`), path)
				}
				css := user.get("/ui/assets/console.css")
				Expect(css.code).To(Equal(http.StatusOK))
				Expect(css.header.Get("Content-Type")).To(HavePrefix("text/css"))
				Expect(user.get("/ui/assets/console.js").body).To(ContainSubstring("data-live"))
			})

			It("redirect /ui to /ui/", func() {
				p := user.get("/ui")
				Expect(p.code).To(BeNumerically(">=", 300))
				Expect(p.code).To(BeNumerically("<", 400))
				Expect(p.header.Get("Location")).To(Equal("/ui/"))
			})
		})
	})
})

func formatID(id int64) string { return strconv.FormatInt(id, 10) }
