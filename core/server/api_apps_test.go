package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

const (
	appToken      = "the-shop-token-0123"
	disabledToken = "the-old-shop-token"
)

var _ = Describe("The API for applications", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			srv     *httptest.Server
			st      *store.Store
			cfg     atomic.Pointer[config.Config]
			pings   atomic.Int32
			appSite *httptest.Server
		)

		BeforeEach(func() {
			st = db.Store()
			appSite = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("webhook-signature") != "" {
					pings.Add(1)
				}
				w.WriteHeader(http.StatusTeapot)
				_, _ = io.WriteString(w, "no tea")
			}))
			DeferCleanup(appSite.Close)
			cfg.Store(loadConfig(`
admin: { token: ` + token + ` }
apps:
  shop: { url: "` + appSite.URL + `", secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, token: ` + appToken + ` }
  old-shop: { enabled: false, token: ` + disabledToken + ` }
`))
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			worker := apps.New(st, apps.Options{Apps: []apps.App{{Name: "shop", URL: appSite.URL,
				Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}, Timeout: 5e9, MaxAttempts: 3}, log)
			s := server.New(server.Deps{Config: cfg.Load, Store: st, Log: log,
				Apps: worker, Feed: apps.NewFeed(st), SignIn: apps.NewSignIn(st, nil)})
			srv = httptest.NewServer(s.Handler())
			DeferCleanup(srv.Close)
		})

		call := func(method, path, bearer, body string) reply {
			req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
			Expect(err).NotTo(HaveOccurred())
			if bearer != "" {
				req.Header.Set("Authorization", "Bearer "+bearer)
			}
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			Expect(err).NotTo(HaveOccurred())
			return reply{code: resp.StatusCode, header: resp.Header, body: b}
		}

		Describe("an app's token", func() {
			It("may read users and changes and check sign-ins", func() {
				Expect(call("GET", "/api/v1/users", appToken, "").code).To(Equal(http.StatusOK))
				Expect(call("GET", "/api/v1/users/1", appToken, "").code).To(Equal(http.StatusNotFound))
				Expect(call("GET", "/api/v1/changes", appToken, "").code).To(Equal(http.StatusOK))
				Expect(call("POST", "/api/v1/auth/verify", appToken, `{"login":"x","password":"y"}`).code).To(Equal(http.StatusUnauthorized))
			})

			It("may do nothing else: 403", func() {
				for _, p := range []string{"GET /api/v1/events", "GET /api/v1/events/1", "POST /api/v1/events/replay",
					"GET /api/v1/plugins", "GET /api/v1/activity", "GET /api/v1/apps", "GET /api/v1/apps/shop/deliveries",
					"POST /api/v1/apps/shop/replay", "POST /api/v1/apps/shop/test", "GET /api/v1/nosuch", "DELETE /api/v1/users"} {
					method, path, _ := strings.Cut(p, " ")
					Expect(call(method, path, appToken, "").code).To(Equal(http.StatusForbidden), p)
				}
			})

			It("is refused like any wrong token when its app is disabled", func() {
				Expect(call("GET", "/api/v1/users", disabledToken, "").code).To(Equal(http.StatusUnauthorized))
			})

			It("keeps the API on when no admin token is set", func() {
				c := *cfg.Load()
				c.Admin.Token = ""
				cfg.Store(&c)
				Expect(call("GET", "/api/v1/users", appToken, "").code).To(Equal(http.StatusOK))
				Expect(call("GET", "/api/v1/events", appToken, "").code).To(Equal(http.StatusForbidden))
				Expect(call("GET", "/api/v1/events", "", "").code).To(Equal(http.StatusUnauthorized))
			})
		})

		Describe("GET /api/v1/changes", func() {
			add := func(ctx context.Context, userID int64) {
				c := &store.Change{UserID: userID, Type: "user.updated", Sequence: 1, Data: `{"sequence":1}`}
				Expect(st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.AddChange(ctx, c, nil) })).To(Succeed())
			}

			It("serves the changes a page at a time, following next_cursor", func(ctx SpecContext) {
				add(ctx, 1)
				add(ctx, 2)
				page, next := items[server.ChangeItem](call("GET", "/api/v1/changes?wait=10s&limit=1", appToken, ""))
				Expect(page).To(HaveLen(1))
				Expect(page[0].Type).To(Equal("user.updated"))
				Expect(page[0].Cursor).To(Equal(next))
				Expect(json.Valid(page[0].Data)).To(BeTrue())

				page, next2 := items[server.ChangeItem](call("GET", "/api/v1/changes?wait=10s&limit=1&after="+next, appToken, ""))
				Expect(page).To(HaveLen(1))
				Expect(next2).NotTo(Equal(next))

				page, next3 := items[server.ChangeItem](call("GET", "/api/v1/changes?wait=100ms&after="+next2, appToken, ""))
				Expect(page).To(BeEmpty())
				Expect(next3).To(Equal(next2), "a reader keeps its place")
			})

			DescribeTable("refuses a bad request with 400",
				func(query string) {
					Expect(call("GET", "/api/v1/changes?"+query, appToken, "").code).To(Equal(http.StatusBadRequest))
				},
				Entry("a cursor it never handed out", "after=abc"),
				Entry("a wait over 30s", "wait=31s"),
				Entry("a limit of 0", "limit=0"),
			)
		})

		Describe("POST /api/v1/auth/verify", func() {
			BeforeEach(func(ctx SpecContext) {
				u := &store.User{Username: "anna", Email: "anna@example.com", Role: "subscriber", PasswordHash: secret.HashPassword("pw-anna")}
				Expect(st.CreateUser(ctx, u)).To(Succeed())
			})

			It("answers the user for the right login and password", func() {
				r := call("POST", "/api/v1/auth/verify", appToken, `{"login":"ANNA@example.com","password":"pw-anna"}`)
				Expect(r.code).To(Equal(http.StatusOK), string(r.body))
				var out struct{ User server.User }
				Expect(json.Unmarshal(r.body, &out)).To(Succeed())
				Expect(out.User.Username).To(Equal("anna"))
				Expect(string(r.body)).NotTo(ContainSubstring("argon2"))
			})

			It("answers a wrong password and an unknown login alike, then 429 with Retry-After", func() {
				wrong := call("POST", "/api/v1/auth/verify", appToken, `{"login":"anna","password":"nope"}`)
				unknown := call("POST", "/api/v1/auth/verify", appToken, `{"login":"nobody","password":"nope"}`)
				Expect(wrong.code).To(Equal(http.StatusUnauthorized))
				Expect(wrong.body).To(MatchJSON(`{"error":"invalid_credentials"}`))
				Expect(unknown.code).To(Equal(wrong.code))
				Expect(unknown.body).To(Equal(wrong.body))

				for range 4 {
					call("POST", "/api/v1/auth/verify", appToken, `{"login":"anna","password":"nope"}`)
				}
				r := call("POST", "/api/v1/auth/verify", appToken, `{"login":"anna","password":"pw-anna"}`)
				Expect(r.code).To(Equal(http.StatusTooManyRequests))
				Expect(r.body).To(MatchJSON(`{"error":"too_many_attempts"}`))
				Expect(r.header.Get("Retry-After")).To(MatchRegexp(`^\d+$`))
			})

			It("refuses a body without login and password with 400", func() {
				Expect(call("POST", "/api/v1/auth/verify", appToken, `{"login":"anna"}`).code).To(Equal(http.StatusBadRequest))
			})

			It("limits the address of the person signing in that the app passes as ip, never the app's own", func() {
				for i := range 25 {
					body := `{"login":"user` + strconv.Itoa(i) + `","password":"nope"}`
					Expect(call("POST", "/api/v1/auth/verify", appToken, body).code).To(Equal(http.StatusUnauthorized), "attempt %d", i+1)
				}
				var r reply
				for i := range 100 {
					r = call("POST", "/api/v1/auth/verify", appToken, `{"login":"user`+strconv.Itoa(i)+`","password":"nope","ip":"203.0.113.9"}`)
					if r.code != http.StatusUnauthorized {
						break
					}
				}
				Expect(r.code).To(Equal(http.StatusTooManyRequests))
				Expect(r.header.Get("Retry-After")).To(MatchRegexp(`^\d+$`))

				r = call("POST", "/api/v1/auth/verify", appToken, `{"login":"anna","password":"pw-anna","ip":"203.0.113.10"}`)
				Expect(r.code).To(Equal(http.StatusOK), "another person is not locked out")
			})

			It("counts an IPv6 /64 as one address", func() {
				var r reply
				for i := range 100 {
					r = call("POST", "/api/v1/auth/verify", appToken, `{"login":"user`+strconv.Itoa(i)+`","password":"nope","ip":"2001:db8::`+strconv.FormatInt(int64(i+1), 16)+`"}`)
					if r.code != http.StatusUnauthorized {
						break
					}
				}
				Expect(r.code).To(Equal(http.StatusTooManyRequests))
				r = call("POST", "/api/v1/auth/verify", appToken, `{"login":"anna","password":"pw-anna","ip":"2001:db8:0:1::1"}`)
				Expect(r.code).To(Equal(http.StatusOK), "another /64 is not limited")
			})

			It("refuses an ip that is not an IP address with 400", func() {
				r := call("POST", "/api/v1/auth/verify", appToken, `{"login":"anna","password":"pw-anna","ip":"shop.example"}`)
				Expect(r.code).To(Equal(http.StatusBadRequest))
			})
		})

		Describe("the apps' admin routes", func() {
			It("list the apps with their deliveries by status, never their secret or token", func(ctx SpecContext) {
				c := &store.Change{UserID: 1, Type: "user.created", Sequence: 1, Data: `{}`}
				Expect(st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.AddChange(ctx, c, []string{"shop"}) })).To(Succeed())
				r := call("GET", "/api/v1/apps", token, "")
				list, _ := items[server.App](r)
				Expect(list).To(HaveLen(2))
				Expect(list[1].Name).To(Equal("shop"))
				Expect(list[1].Pushed).To(BeTrue())
				Expect(list[1].HasToken).To(BeTrue())
				Expect(list[1].Deliveries).To(HaveKeyWithValue("pending", 1))
				Expect(string(r.body)).NotTo(ContainSubstring(appToken))
				Expect(string(r.body)).NotTo(ContainSubstring("MfKQ9r8"))

				r = call("GET", "/api/v1/apps/shop/deliveries?status=pending", token, "")
				deliveries, _ := items[server.Delivery](r)
				Expect(deliveries).To(HaveLen(1))
				Expect(deliveries[0].MessageID).To(Equal(apps.MessageID(c.ID)))
				Expect(r.json()["items"].([]any)[0]).To(HaveLen(12), "a delivery's fields, no more: %s", r.body)
				Expect(call("GET", "/api/v1/apps/nosuch/deliveries", token, "").code).To(Equal(http.StatusNotFound))
			})

			It("list an app's URL without the password it holds", func() {
				c := *cfg.Load()
				c.Apps = maps.Clone(c.Apps)
				shop := c.Apps["shop"]
				shop.URL = "https://shop:hook-password@shop.example/hook"
				c.Apps["shop"] = shop
				cfg.Store(&c)

				r := call("GET", "/api/v1/apps", token, "")
				Expect(r.code).To(Equal(http.StatusOK))
				Expect(string(r.body)).NotTo(ContainSubstring("hook-password"))
				list, _ := items[server.App](r)
				Expect(list[1].URL).To(HavePrefix("https://shop:"))
				Expect(list[1].URL).To(HaveSuffix("@shop.example/hook"))
			})

			It("replay an app's dead deliveries", func(ctx SpecContext) {
				c := &store.Change{UserID: 1, Type: "user.created", Sequence: 1, Data: `{}`}
				Expect(st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error { return tx.AddChange(ctx, c, []string{"shop"}) })).To(Succeed())
				_, err := st.DB().NewUpdate().Model((*store.AppDelivery)(nil)).Set("status = 'dead'").Where("change_id = ?", c.ID).Exec(ctx)
				Expect(err).NotTo(HaveOccurred())

				r := call("POST", "/api/v1/apps/shop/replay?status=dead&since=1h", token, "")
				Expect(r.code).To(Equal(http.StatusOK), string(r.body))
				Expect(r.body).To(MatchJSON(`{"replayed":1}`))
				Expect(call("POST", "/api/v1/apps/shop/replay?status=pending", token, "").code).To(Equal(http.StatusBadRequest))
			})

			It("send a signed test message and answer what the app replied", func() {
				r := call("POST", "/api/v1/apps/shop/test", token, "")
				Expect(r.code).To(Equal(http.StatusOK), string(r.body))
				var out server.TestReply
				Expect(json.Unmarshal(r.body, &out)).To(Succeed())
				Expect(out.App).To(Equal("shop"))
				Expect(out.Status).To(Equal(http.StatusTeapot))
				Expect(out.Body).To(Equal("no tea"))
				Expect(pings.Load()).To(BeEquivalentTo(1))
				Expect(call("POST", "/api/v1/apps/old-shop/test", token, "").code).To(Equal(http.StatusConflict))
			})
		})
	})
})
