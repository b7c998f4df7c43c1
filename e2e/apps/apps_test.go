package apps_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
)

const (
	secret        = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	appToken      = "the-shop-token-0123"
	tagCustomer   = "11"
	tagPremium    = "12"
	passwordField = "field20001"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

var _ = Describe("Users out to an application", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			kt   *harness.KlickTipp
			shop *app
			cfg  harness.Config
			hub  *harness.Hub
		)

		BeforeEach(func() {
			kt = harness.StartKlickTipp()
			DeferCleanup(kt.Close)
			kt.AddTag(tagCustomer, "Kunde")
			kt.AddTag(tagPremium, "Premium")
			kt.AddField(passwordField, "Passwort")
			shop = startApp(secret)
			DeferCleanup(shop.srv.Close)
			cfg = harness.Config{Dir: GinkgoT().TempDir(), Database: db.URL(), KlickTipp: kt,
				ReturnPasswordField: passwordField,
				Apps:                map[string]harness.App{"shop": {URL: shop.srv.URL, Secret: secret, Token: appToken}},
				Delivery:            harness.Delivery{BackoffInitial: 200 * time.Millisecond, BackoffMax: time.Second, MaxAttempts: 100}}
		})

		JustBeforeEach(func(ctx SpecContext) {
			var err error
			hub, err = harness.Start(ctx, bins, cfg)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func() {
				if CurrentSpecReport().Failed() {
					AddReportEntry("hub log", hub.LogTail(80))
				}
				Expect(hub.Stop()).To(Succeed())
			})
		})

		// apply sends a webhook for a contact and waits for its outcome.
		apply := func(ctx context.Context, action, id, email string) harness.Outcome {
			reply, err := hub.Send(ctx, hub.Hook(action, harness.Outbound(id, email)).With("wait", "20s"))
			Expect(err).NotTo(HaveOccurred())
			out, err := reply.Outcome()
			Expect(err).NotTo(HaveOccurred())
			Expect(out.Status).To(Equal("done"), out.Message)
			return out
		}
		// asApp calls the API with the app's token.
		asApp := func(ctx context.Context, method, path, body string) (int, http.Header, []byte) {
			req, err := http.NewRequestWithContext(ctx, method, hub.URL+"/api/v1"+path, strings.NewReader(body))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Authorization", "Bearer "+appToken)
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			Expect(err).NotTo(HaveOccurred())
			return resp.StatusCode, resp.Header, b
		}

		It("pushes user.created, then user.updated with what changed, signed, with a rising sequence", func(ctx SpecContext) {
			anna := kt.AddSubscriber(fakeklicktipp.Subscriber{Email: "anna@example.com", ManualTags: []string{tagCustomer},
				Fields: map[string]string{"fieldFirstName": "Anna"}})
			apply(ctx, "add", anna, "anna@example.com")
			Eventually(func() []string { return types(shop.messages()) }).Should(Equal([]string{"user.created#1"}))

			Expect(kt.SetTags(anna, []string{tagCustomer, tagPremium}, nil)).To(Succeed())
			apply(ctx, "update_tags", anna, "anna@example.com")
			Eventually(func() []string { return types(shop.messages()) }).Should(Equal([]string{"user.created#1", "user.updated#2"}))

			msgs := shop.messages()
			Expect(msgs[0].Data.User.Email).To(Equal("anna@example.com"))
			Expect(msgs[0].Data.Cause).To(HaveKeyWithValue("action", "add"))
			Expect(msgs[0].ID).NotTo(Equal(msgs[1].ID))
			Expect(string(msgs[1].Data.Changes["tags"])).To(MatchJSON(`{"klicktipp":{"added":[{"id":"12","name":"Premium"}]}}`))
			Expect(msgs[1].Data.Changes).To(HaveLen(1), "only the tags changed")
			Expect(msgs[1].Data.User.Tags).To(HaveLen(2))
			Expect(shop.rejections()).To(BeZero())

			// Nothing changed: nothing is pushed.
			apply(ctx, "update", anna, "anna@example.com")
			Consistently(func() int { return len(shop.messages()) }).WithTimeout(time.Second).Should(Equal(2))
		})

		It("delivers everything in order to an app that was down for a while", func(ctx SpecContext) {
			shop.setDown(true)
			var ids []string
			for i := range 3 {
				email := "user" + itoa(int64(i)) + "@example.com"
				id := kt.AddSubscriber(fakeklicktipp.Subscriber{Email: email, ManualTags: []string{tagCustomer}})
				ids = append(ids, id)
				apply(ctx, "add", id, email)
			}
			for i, id := range ids {
				Expect(kt.SetTags(id, []string{tagCustomer, tagPremium}, nil)).To(Succeed())
				apply(ctx, "update_tags", id, "user"+itoa(int64(i))+"@example.com")
			}
			time.Sleep(2 * time.Second) // a few failed attempts
			Expect(shop.messages()).To(BeEmpty())
			shop.setDown(false)

			Eventually(func() int { return len(shop.messages()) }).Should(Equal(6))
			byUser := map[string][]string{}
			for _, m := range shop.messages() {
				byUser[m.Data.User.ID] = append(byUser[m.Data.User.ID], m.Type+"#"+itoa(m.Data.Sequence))
			}
			Expect(byUser).To(HaveLen(3))
			for user, seq := range byUser {
				Expect(seq).To(Equal([]string{"user.created#1", "user.updated#2"}), "user %s", user)
			}
			Expect(shop.rejections()).To(BeZero())
		})

		It("serves the same events on the change feed, and signs in with the generated password", func(ctx SpecContext) {
			anna := kt.AddSubscriber(fakeklicktipp.Subscriber{Email: "anna@example.com"})
			apply(ctx, "add", anna, "anna@example.com")

			code, _, body := asApp(ctx, "GET", "/changes?wait=20s", "")
			Expect(code).To(Equal(http.StatusOK), string(body))
			var feed struct {
				Items []struct {
					Cursor string          `json:"cursor"`
					Type   string          `json:"type"`
					Data   json.RawMessage `json:"data"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			Expect(json.Unmarshal(body, &feed)).To(Succeed())
			Expect(feed.Items).To(HaveLen(1))
			Expect(feed.Items[0].Type).To(Equal("user.created"))
			Expect(feed.NextCursor).To(Equal(feed.Items[0].Cursor))

			var password string
			Eventually(func() string {
				sub, _ := kt.Subscriber(anna)
				password = sub.Fields[passwordField]
				return password
			}).ShouldNot(BeEmpty())
			code, _, body = asApp(ctx, "POST", "/auth/verify", `{"login":"ANNA@example.com","password":"`+password+`","ip":"203.0.113.9"}`)
			Expect(code).To(Equal(http.StatusOK), string(body))
			Expect(string(body)).To(ContainSubstring(`"email":"anna@example.com"`))

			code, _, body = asApp(ctx, "POST", "/auth/verify", `{"login":"anna@example.com","password":"wrong"}`)
			Expect(code).To(Equal(http.StatusUnauthorized))
			Expect(body).To(MatchJSON(`{"error":"invalid_credentials"}`))

			code, _, _ = asApp(ctx, "GET", "/events", "")
			Expect(code).To(Equal(http.StatusForbidden), "an app's token reads users and changes only")
			Expect(hub.LogTail(500)).NotTo(ContainSubstring(password))
		})

		It("ends a waiting read of the change feed when it stops, not after the read's wait", func(ctx SpecContext) {
			answered := make(chan int, 1)
			go func() {
				defer GinkgoRecover()
				code, _, body := asApp(ctx, "GET", "/changes?wait=30s", "")
				Expect(string(body)).To(ContainSubstring(`"items":[]`), "an empty page")
				answered <- code
			}()
			Consistently(answered).WithTimeout(time.Second).ShouldNot(Receive(), "the read waits for a change")

			stopped := make(chan error, 1)
			go func() { stopped <- hub.Stop() }()
			Eventually(answered).WithTimeout(20*time.Second).Should(Receive(Equal(http.StatusOK)),
				"answered well before its 30s wait")
			Eventually(stopped).WithTimeout(20 * time.Second).Should(Receive(BeNil()))
		})

		It("lets the operator see deliveries and test the app from the CLI", func(ctx SpecContext) {
			anna := kt.AddSubscriber(fakeklicktipp.Subscriber{Email: "anna@example.com"})
			apply(ctx, "add", anna, "anna@example.com")
			Eventually(func() int { return len(shop.messages()) }).Should(Equal(1))

			run, err := hub.CLI(ctx, "apps deliveries", "shop", "--json")
			Expect(err).NotTo(HaveOccurred())
			Expect(run.ExitCode).To(BeZero(), run.Stderr)
			var list struct {
				Items []struct {
					Status string `json:"status"`
				} `json:"items"`
			}
			Expect(run.Decode(&list)).To(Succeed())
			Expect(list.Items).To(HaveLen(1))
			Expect(list.Items[0].Status).To(Equal("delivered"))

			run, err = hub.CLI(ctx, "apps test", "shop", "--json")
			Expect(err).NotTo(HaveOccurred())
			Expect(run.ExitCode).To(BeZero(), run.Stderr)
			Expect(run.Stdout).To(MatchRegexp(`"status":\s*204`))
		})

		Context("with no app at start", func() {
			BeforeEach(func() { cfg.Apps = nil })

			It("starts pushing to an app added by a reload, signed with the secret it generated and printed", func(ctx SpecContext) {
				var (
					mu      sync.Mutex
					bodies  [][]byte
					headers []http.Header
				)
				raw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					b, _ := io.ReadAll(r.Body)
					mu.Lock()
					defer mu.Unlock()
					bodies, headers = append(bodies, b), append(headers, r.Header.Clone())
					w.WriteHeader(http.StatusNoContent)
				}))
				DeferCleanup(raw.Close)

				Expect(hub.Reload(func(c *harness.Config) {
					c.Apps = map[string]harness.App{"shop": {URL: raw.URL}}
				})).To(Succeed())
				printed := regexp.MustCompile(`(?m)^\s+shop\s+(whsec_\S+)`)
				Eventually(func() string { return hub.LogTail(200) }).Should(MatchRegexp(printed.String()))
				generated := printed.FindStringSubmatch(hub.LogTail(200))[1]
				Expect(hub.LogTail(500)).To(ContainSubstring("config reloaded"))

				anna := kt.AddSubscriber(fakeklicktipp.Subscriber{Email: "anna@example.com"})
				apply(ctx, "add", anna, "anna@example.com")
				Eventually(func() int { mu.Lock(); defer mu.Unlock(); return len(bodies) }).Should(Equal(1))

				wh, err := standardwebhooks.NewWebhook(generated)
				Expect(err).NotTo(HaveOccurred())
				mu.Lock()
				defer mu.Unlock()
				Expect(wh.Verify(bodies[0], headers[0])).To(Succeed())
				Expect(string(bodies[0])).To(ContainSubstring(`"type":"user.created"`))
			})
		})
	})
})
