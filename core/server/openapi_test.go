package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/apps/message"
	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/metrics"
	"github.com/crmhub/crmhub/core/secret"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
)

// openAPIFile is the HTTP surface as operators and clients read it.
const openAPIFile = "../../docs/openapi.yaml"

func loadOpenAPI(ctx context.Context) *openapi3.T {
	doc, err := openapi3.NewLoader().LoadFromFile(openAPIFile)
	Expect(err).NotTo(HaveOccurred())
	Expect(doc.Validate(ctx)).To(Succeed(), "docs/openapi.yaml is no valid OpenAPI document")
	return doc
}

// documented names the path and methods of a registered pattern as
// docs/openapi.yaml must describe them. A pattern without a method takes
// any; CRMs send GET or POST, so both must be described. Subtree patterns
// ("/api/v1/") answer paths that are no route (unknown ones: 404), so they
// are not described; ok is false for them.
func documented(pattern string) (path string, methods []string, ok bool) {
	method, path, hasMethod := strings.Cut(pattern, " ")
	if !hasMethod {
		method, path = "", pattern
	}
	switch {
	case strings.HasSuffix(path, "/{$}"):
		path = strings.TrimSuffix(path, "{$}")
	case strings.HasSuffix(path, "/"):
		return "", nil, false
	}
	if method == "" {
		return path, []string{http.MethodGet, http.MethodPost}, true
	}
	return path, []string{method}, true
}

// examplePath fills an OpenAPI path's parameters, e.g. /api/v1/users/{id}
// → /api/v1/users/1.
func examplePath(path string) string {
	for {
		start := strings.Index(path, "{")
		if start < 0 {
			return path
		}
		end := strings.Index(path[start:], "}")
		path = path[:start] + "1" + path[start+end+1:]
	}
}

var _ = Describe("docs/openapi.yaml", func() {
	newServer := func() *server.Server {
		return server.New(server.Deps{Config: func() *config.Config { return loadConfig("") }, Log: slog.New(slog.DiscardHandler)})
	}

	It("describes every route the server registers", func(ctx SpecContext) {
		doc := loadOpenAPI(ctx)
		patterns := newServer().Patterns()
		Expect(patterns).NotTo(BeEmpty())
		for _, pattern := range patterns {
			path, methods, ok := documented(pattern)
			if !ok {
				continue
			}
			item := doc.Paths.Find(path)
			Expect(item).NotTo(BeNil(), "route %q is served but %s is not in docs/openapi.yaml", pattern, path)
			for _, m := range methods {
				Expect(item.GetOperation(m)).NotTo(BeNil(), "route %q is served but %s %s is not in docs/openapi.yaml", pattern, m, path)
			}
		}
	})

	It("describes no route the server does not serve", func(ctx SpecContext) {
		s := newServer()
		for path, item := range loadOpenAPI(ctx).Paths.Map() {
			for method := range item.Operations() {
				req := httptest.NewRequest(method, examplePath(path)+"?wpf_action=add", nil)
				pattern := s.PatternFor(req)
				_, _, isRoute := documented(pattern)
				Expect(pattern != "" && isRoute).To(BeTrue(), "%s %s is in docs/openapi.yaml but no route serves it (pattern %q)", method, path, pattern)
			}
		}
	})

	Describe("answers of a real server", func() {
		storetest.ForEachDialect(func(db *storetest.DB) {
			var (
				srv    *httptest.Server
				st     *store.Store
				doc    *openapi3.T
				router routers.Router
				// shop is the app user events are pushed to: a real HTTP
				// server that keeps every message and answers 204.
				shop   *httptest.Server
				pushed *receiver
				worker *apps.Worker
			)

			BeforeEach(func(ctx SpecContext) {
				st = db.Store()
				pushed = &receiver{}
				shop = httptest.NewServer(pushed)
				DeferCleanup(shop.Close)
				cfg := loadConfig(`
access_key: ` + key + `
admin: { token: ` + token + ` }
server: { max_body: 1KiB }
crms:
  klicktipp: { enabled: true }
  hubspot: { enabled: false }
apps:
  shop: { url: "` + shop.URL + `", secret: ` + shopSecret + `, token: ` + appToken + ` }
  old-shop: { enabled: false }
`)
				log := slog.New(slog.DiscardHandler)
				m := metrics.New(log)
				worker = apps.New(st, apps.Options{Apps: []apps.App{{Name: "shop", URL: shop.URL, Secret: shopSecret}},
					Timeout: 5 * time.Second, MaxAttempts: 3, Poll: 50 * time.Millisecond, Observer: m}, log)
				in := inbox.New(st, asleep{}, nil, inbox.Options{CRMs: cfg.Enabled}, log)
				Expect(in.Start(context.Background())).To(Succeed())
				DeferCleanup(func() { in.Stop(context.Background()) })
				s := server.New(server.Deps{
					Config: func() *config.Config { return cfg }, Store: st, Inbox: in, Replayer: in, Log: log,
					Metrics: m, Apps: worker, Feed: apps.NewFeed(st), SignIn: apps.NewSignIn(st, m),
					Plugins: func() []store.PluginState {
						return []store.PluginState{
							{CRM: "hubspot", State: "stopped"},
							{CRM: "klicktipp", Enabled: true, State: "running", Version: "1.2.0", PID: 4242, Restarts: 1,
								LastError: "exit status 2", Since: time.Now().UTC()},
						}
					},
				})
				srv = httptest.NewServer(s.Handler())
				DeferCleanup(srv.Close)

				doc = loadOpenAPI(ctx)
				doc.Servers = openapi3.Servers{{URL: srv.URL}}
				var err error
				router, err = gorillamux.NewRouter(doc)
				Expect(err).NotTo(HaveOccurred())
			})

			// conformsAs sends a request with a bearer token ("" for none)
			// and checks its answer (status, headers, content type, body)
			// against docs/openapi.yaml.
			conformsAs := func(ctx context.Context, bearer, method, path, contentType, body string, wantStatus int) []byte {
				GinkgoHelper()
				req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
				Expect(err).NotTo(HaveOccurred())
				if contentType != "" {
					req.Header.Set("Content-Type", contentType)
				}
				if bearer != "" {
					req.Header.Set("Authorization", "Bearer "+bearer)
				}
				resp, err := http.DefaultClient.Do(req)
				Expect(err).NotTo(HaveOccurred())
				defer resp.Body.Close()
				got, err := io.ReadAll(resp.Body)
				Expect(err).NotTo(HaveOccurred())
				Expect(resp.StatusCode).To(Equal(wantStatus), "%s %s: %s", method, path, got)

				route, params, err := router.FindRoute(req)
				Expect(err).NotTo(HaveOccurred(), "%s %s is not in docs/openapi.yaml", method, path)
				err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
					RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
					Status:                 resp.StatusCode,
					Header:                 resp.Header,
					Body:                   io.NopCloser(bytes.NewReader(got)),
					Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
				})
				Expect(err).NotTo(HaveOccurred(), "%s %s answered %d %s", method, path, resp.StatusCode, got)
				return got
			}
			// conforms is conformsAs with the admin token for the API.
			conforms := func(ctx context.Context, method, path, contentType, body string, wantStatus int) []byte {
				GinkgoHelper()
				bearer := ""
				if strings.HasPrefix(path, "/api/") {
					bearer = token
				}
				return conformsAs(ctx, bearer, method, path, contentType, body, wantStatus)
			}
			form := "application/x-www-form-urlencoded"

			It("answers webhooks as documented, for every check", func(ctx SpecContext) {
				hook := "/hooks/klicktipp?access_key=" + key + "&action="
				conforms(ctx, http.MethodPost, hook+"add", form, "SubscriberID=1", http.StatusAccepted)
				conforms(ctx, http.MethodGet, hook+"update&SubscriberID=1", "", "", http.StatusAccepted)
				conforms(ctx, http.MethodPost, hook+"update_tags&wait=10ms", form, "SubscriberID=1", http.StatusAccepted)
				conforms(ctx, http.MethodPost, hook+"test", form, "", http.StatusOK)
				conforms(ctx, http.MethodPost, "/hooks/klicktipp?action=add&access_key=wrong", form, "SubscriberID=1", http.StatusForbidden)
				conforms(ctx, http.MethodPost, hook+"delete", form, "SubscriberID=1", http.StatusBadRequest)
				conforms(ctx, http.MethodPost, hook+"add&wait=soon", form, "SubscriberID=1", http.StatusBadRequest)
				conforms(ctx, http.MethodPost, "/hooks/nosuch?action=add", form, "", http.StatusNotFound)
				conforms(ctx, http.MethodPost, "/hooks/hubspot?action=add", form, "", http.StatusNotFound)
				conforms(ctx, http.MethodPost, hook+"add", form, "SubscriberID="+strings.Repeat("1", 2048), http.StatusRequestEntityTooLarge)
				conforms(ctx, http.MethodPost, "/?access_key="+key+"&wpf_action=add", form, "SubscriberID=2", http.StatusAccepted)
				conforms(ctx, http.MethodGet, "/", "", "", http.StatusNotFound)
			})

			It("answers health and metrics as documented", func(ctx SpecContext) {
				conforms(ctx, http.MethodGet, "/healthz", "", "", http.StatusOK)
				conforms(ctx, http.MethodGet, "/readyz", "", "", http.StatusOK)
				Expect(string(conforms(ctx, http.MethodGet, "/metrics", "", "", http.StatusOK))).To(ContainSubstring("crmhub_"))
			})

			It("answers the admin API as documented", func(ctx SpecContext) {
				anna := &store.User{Username: "anna", Email: "anna@example.com", Role: "customer", PasswordHash: "x", FirstName: "Anna"}
				Expect(st.CreateUser(ctx, anna)).To(Succeed())
				Expect(st.LinkContact(ctx, "klicktipp", "1001", anna.ID)).To(BeTrue())
				Expect(st.ChangeTags(ctx, anna.ID, "klicktipp", []store.UserTag{{TagID: "7", TagName: "Customer"}}, nil)).To(Succeed())
				Expect(st.SetFields(ctx, anna.ID, map[string]string{"phone": "+49 30 1"})).To(Succeed())
				dead := seedEvent(ctx, st, "klicktipp", "1001", store.StatusDead)
				done := seedEvent(ctx, st, "klicktipp", "1002", store.StatusDone)
				seedEvent(ctx, st, "klicktipp", "1003", store.StatusFailed)
				now := time.Now().UTC()
				_, err := st.DB().NewInsert().Model(&store.EventAttempt{EventID: dead.ID, Number: 1, Owner: "w",
					StartedAt: now, FinishedAt: &now, Outcome: store.StatusDead, Error: "klicktipp: 503"}).Exec(ctx)
				Expect(err).NotTo(HaveOccurred())
				user, deadID := "/api/v1/users/"+formatID(anna.ID), "/api/v1/events/"+formatID(dead.ID)

				conforms(ctx, http.MethodGet, "/api/v1/users?tag=Customer&limit=1", "", "", http.StatusOK)
				conforms(ctx, http.MethodGet, user, "", "", http.StatusOK)
				conforms(ctx, http.MethodGet, "/api/v1/users/999999", "", "", http.StatusNotFound)
				conforms(ctx, http.MethodGet, "/api/v1/users/anna", "", "", http.StatusBadRequest)
				conforms(ctx, http.MethodGet, "/api/v1/events?limit=1", "", "", http.StatusOK)
				conforms(ctx, http.MethodGet, "/api/v1/events?status=lost", "", "", http.StatusBadRequest)
				conforms(ctx, http.MethodGet, deadID, "", "", http.StatusOK)
				conforms(ctx, http.MethodPost, deadID+"/replay", "", "", http.StatusOK)
				conforms(ctx, http.MethodPost, "/api/v1/events/"+formatID(done.ID)+"/replay", "", "", http.StatusConflict)
				conforms(ctx, http.MethodPost, "/api/v1/events/replay?status=failed&crm=klicktipp", "", "", http.StatusOK)
				conforms(ctx, http.MethodGet, "/api/v1/plugins", "", "", http.StatusOK)
				conforms(ctx, http.MethodGet, "/api/v1/activity?limit=2", "", "", http.StatusOK)

				By("showing a request of several items, and one of its items")
				req := seedEvent(ctx, st, "klicktipp", "1004", store.StatusReceived)
				req.ItemCount, req.Status = 2, store.StatusDone
				Expect(st.SaveDecoded(ctx, req)).To(Succeed())
				item := &store.Event{CRM: "klicktipp", Action: "add", ContactID: "1005", Decoded: true, RequestID: &req.ID,
					ItemIndex: 1, Status: store.StatusFailed, Outcome: "contact_not_found", ReceivedAt: req.ReceivedAt}
				Expect(st.InsertItems(ctx, []*store.Event{item})).To(Succeed())
				conforms(ctx, http.MethodGet, "/api/v1/events/"+formatID(req.ID), "", "", http.StatusOK)
				conforms(ctx, http.MethodGet, "/api/v1/events/"+formatID(item.ID), "", "", http.StatusOK)
				conforms(ctx, http.MethodGet, "/api/v1/events?request_id="+formatID(req.ID), "", "", http.StatusOK)
			})

			Describe("the apps' API and the apps' admin routes", func() {
				var anna *store.User

				// BeforeEach writes anna's user.created the way the engine
				// does: one change, a delivery to shop, in one transaction.
				BeforeEach(func(ctx SpecContext) {
					anna = &store.User{Username: "anna", Email: "anna@example.com", Role: "customer",
						PasswordHash: secret.HashPassword("pw-anna"), FirstName: "Anna"}
					Expect(st.CreateUser(ctx, anna)).To(Succeed())
					Expect(st.LinkContact(ctx, "klicktipp", "1001", anna.ID)).To(BeTrue())
					Expect(st.ChangeTags(ctx, anna.ID, "klicktipp", []store.UserTag{{TagID: "7", TagName: "Customer"}}, nil)).To(Succeed())
					Expect(st.SetFields(ctx, anna.ID, map[string]string{"phone": "+49 30 1"})).To(Succeed())
					details, err := st.DetailsOf(ctx, []int64{anna.ID})
					Expect(err).NotTo(HaveOccurred())
					data, err := json.Marshal(message.Data{User: message.NewUser(*anna, details[anna.ID]),
						Changes: everyKindOfChange(), Sequence: 1,
						Cause: message.Cause{EventID: "1", CRM: "klicktipp", ContactID: "1001", Action: "add"}})
					Expect(err).NotTo(HaveOccurred())
					c := &store.Change{UserID: anna.ID, Type: message.UserCreated, Sequence: 1, Data: string(data)}
					Expect(st.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
						return tx.AddChange(ctx, c, []string{"shop"})
					})).To(Succeed())
				})

				It("answers the change feed as documented, with changes and without", func(ctx SpecContext) {
					var page server.List[server.ChangeItem]
					Expect(json.Unmarshal(conformsAs(ctx, appToken, http.MethodGet, "/api/v1/changes?wait=10s&limit=10", "", "", http.StatusOK), &page)).To(Succeed())
					Expect(page.Items).To(HaveLen(1))
					Expect(page.Items[0].Type).To(Equal(message.UserCreated))

					Expect(json.Unmarshal(conformsAs(ctx, appToken, http.MethodGet, "/api/v1/changes?wait=100ms&after="+page.NextCursor, "", "", http.StatusOK), &page)).To(Succeed())
					Expect(page.Items).To(BeEmpty())
					conformsAs(ctx, appToken, http.MethodGet, "/api/v1/changes?after=abc", "", "", http.StatusBadRequest)
					conformsAs(ctx, appToken, http.MethodGet, "/api/v1/changes?wait=31s", "", "", http.StatusBadRequest)
					conformsAs(ctx, appToken, http.MethodGet, "/api/v1/users/"+formatID(anna.ID), "", "", http.StatusOK)
				})

				It("answers sign-ins as documented: 200, 401, 400, then 429 with Retry-After", func(ctx SpecContext) {
					verify := func(body string, want int) []byte {
						GinkgoHelper()
						return conformsAs(ctx, appToken, http.MethodPost, "/api/v1/auth/verify", "application/json", body, want)
					}
					Expect(verify(`{"login":"ANNA@example.com","password":"pw-anna"}`, http.StatusOK)).To(ContainSubstring(`"username":"anna"`))
					Expect(verify(`{"login":"anna","password":"nope"}`, http.StatusUnauthorized)).To(MatchJSON(`{"error":"invalid_credentials"}`))
					verify(`{"login":"anna"}`, http.StatusBadRequest)
					for range 4 {
						verify(`{"login":"anna","password":"nope"}`, http.StatusUnauthorized)
					}
					Expect(verify(`{"login":"anna","password":"pw-anna"}`, http.StatusTooManyRequests)).To(MatchJSON(`{"error":"too_many_attempts"}`))
				})

				It("answers an app's token on an admin route with 403, as documented", func(ctx SpecContext) {
					conformsAs(ctx, appToken, http.MethodGet, "/api/v1/events", "", "", http.StatusForbidden)
					conformsAs(ctx, appToken, http.MethodGet, "/api/v1/apps", "", "", http.StatusForbidden)
					conformsAs(ctx, appToken, http.MethodPost, "/api/v1/apps/shop/replay", "", "", http.StatusForbidden)
					conformsAs(ctx, "wrong", http.MethodGet, "/api/v1/changes", "", "", http.StatusUnauthorized)
				})

				It("answers the apps' admin routes as documented, and pushes what the schema describes", func(ctx SpecContext) {
					conforms(ctx, http.MethodGet, "/api/v1/apps", "", "", http.StatusOK)
					conforms(ctx, http.MethodGet, "/api/v1/apps/shop/deliveries?status=pending", "", "", http.StatusOK)

					runCtx, stop := context.WithCancel(context.Background())
					stopped := make(chan struct{})
					go func() { defer close(stopped); worker.Run(runCtx) }()
					DeferCleanup(func() { stop(); <-stopped })
					Eventually(func() []server.Delivery {
						var list server.List[server.Delivery]
						Expect(json.Unmarshal(conforms(ctx, http.MethodGet, "/api/v1/apps/shop/deliveries?status=delivered", "", "", http.StatusOK), &list)).To(Succeed())
						return list.Items
					}).WithTimeout(20 * time.Second).Should(HaveLen(1))
					bodies := pushed.bodies()
					Expect(bodies).To(HaveLen(1))
					Expect(validateSchema(doc, "PushedMessage", bodies[0])).To(Succeed(), "pushed %s", bodies[0])

					conforms(ctx, http.MethodGet, "/api/v1/apps", "", "", http.StatusOK)
					conforms(ctx, http.MethodGet, "/api/v1/apps/shop/deliveries?status=lost", "", "", http.StatusBadRequest)
					conforms(ctx, http.MethodGet, "/api/v1/apps/nosuch/deliveries", "", "", http.StatusNotFound)
					Expect(conforms(ctx, http.MethodPost, "/api/v1/apps/shop/replay?status=delivered&since=1h", "", "", http.StatusOK)).To(MatchJSON(`{"replayed":1}`))
					conforms(ctx, http.MethodPost, "/api/v1/apps/shop/replay?status=pending", "", "", http.StatusBadRequest)
					conforms(ctx, http.MethodPost, "/api/v1/apps/shop/replay?since=yesterday", "", "", http.StatusBadRequest)
					conforms(ctx, http.MethodPost, "/api/v1/apps/nosuch/replay", "", "", http.StatusNotFound)

					var reply server.TestReply
					Expect(json.Unmarshal(conforms(ctx, http.MethodPost, "/api/v1/apps/shop/test", "", "", http.StatusOK), &reply)).To(Succeed())
					Expect(reply.Status).To(Equal(http.StatusNoContent))
					conforms(ctx, http.MethodPost, "/api/v1/apps/old-shop/test", "", "", http.StatusConflict)
					conforms(ctx, http.MethodPost, "/api/v1/apps/nosuch/test", "", "", http.StatusNotFound)
				})
			})

			It("answers a request without the bearer token as documented", func(ctx SpecContext) {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/users", nil)
				Expect(err).NotTo(HaveOccurred())
				resp, err := http.DefaultClient.Do(req)
				Expect(err).NotTo(HaveOccurred())
				defer resp.Body.Close()
				Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized))
				route, params, err := router.FindRoute(req)
				Expect(err).NotTo(HaveOccurred())
				Expect(openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
					RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
					Status:                 resp.StatusCode, Header: resp.Header, Body: resp.Body,
					Options: &openapi3filter.Options{IncludeResponseStatus: true},
				})).To(Succeed())
			})
		})
	})
})

// shopSecret signs what the specs' app receives.
const shopSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// receiver is an app: it keeps the body of every user event pushed to it
// (not the test pings) and answers 204.
type receiver struct {
	mu   sync.Mutex
	kept [][]byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if !strings.HasPrefix(r.Header.Get("webhook-id"), "msg_ping_") {
		rc.mu.Lock()
		rc.kept = append(rc.kept, body)
		rc.mu.Unlock()
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) bodies() [][]byte {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte(nil), rc.kept...)
}

// everyKindOfChange is a user event's changes with every kind of change
// set, so the schema is held to each.
func everyKindOfChange() message.Changes {
	var c message.Changes
	message.SetValue(&c.Username, "", "anna")
	message.SetValue(&c.Email, "", "anna@example.com")
	message.SetValue(&c.Role, "", "customer")
	message.SetValue(&c.FirstName, "", "Anna")
	message.SetValue(&c.LastName, "", "Schmidt")
	c.Password = true
	c.SetField("phone", "", "+49 30 1")
	c.SetTags("klicktipp", []message.TagRef{{ID: "7", Name: "Customer"}}, []message.TagRef{{ID: "8", Name: "Lead"}},
		[]message.TagRef{{ID: "9", Name: "VIP"}})
	c.AddLink("klicktipp", "", "1001")
	c.AddLink("hubspot", "501", "502")
	return c
}

// validateSchema checks a JSON document against a schema of
// docs/openapi.yaml's components.
func validateSchema(doc *openapi3.T, name string, body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	return doc.Components.Schemas[name].Value.VisitJSON(v, openapi3.MultiErrors())
}
