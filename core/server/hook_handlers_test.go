package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

const key = "the-access-key"

// asleep is a plugin host whose plugins never become ready: webhooks are
// stored and wait, which is all these specs look at.
type asleep struct{}

func (asleep) Ready(string) bool { return false }
func (asleep) DecodeWebhooks(context.Context, string, []sdk.RawWebhook) ([]inbox.Decoding, error) {
	return nil, nil
}
func (asleep) FindContact(context.Context, string, string) (string, error) { return "", nil }

func loadConfig(yaml string) *config.Config {
	path := filepath.Join(GinkgoT().TempDir(), "crmhub.yaml")
	Expect(os.WriteFile(path, []byte(yaml), 0o600)).To(Succeed())
	cfg, err := config.Load(path)
	Expect(err).NotTo(HaveOccurred())
	return cfg
}

var _ = Describe("Webhooks", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			srv *httptest.Server
			st  *store.Store
		)

		BeforeEach(func() {
			st = db.Store()
			cfg := loadConfig(`
access_key: ` + key + `
server: { max_body: 1KiB }
crms:
  klicktipp: { enabled: true }
  hubspot: { enabled: false }
  brevo: { enabled: true, access_key: brevo-key }
`)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			in := inbox.New(st, asleep{}, nil, inbox.Options{CRMs: cfg.Enabled}, log)
			Expect(in.Start(context.Background())).To(Succeed())
			DeferCleanup(func() { in.Stop(context.Background()) })
			s := server.New(server.Deps{Config: func() *config.Config { return cfg }, Store: st, Inbox: in, Log: log})
			srv = httptest.NewServer(s.Handler())
			DeferCleanup(srv.Close)
		})

		send := func(method, path, contentType, body string) (int, map[string]any) {
			req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
			Expect(err).NotTo(HaveOccurred())
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			var out map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&out)
			return resp.StatusCode, out
		}
		events := func() []store.Event {
			var evs []store.Event
			Expect(st.DB().NewSelect().Model(&evs).Order("id").Scan(context.Background())).To(Succeed())
			return evs
		}

		DescribeTable("runs its checks in the order of the contract",
			func(method, path, body string, want int) {
				code, _ := send(method, path, "application/x-www-form-urlencoded", body)
				Expect(code).To(Equal(want))
				Expect(events()).To(BeEmpty())
			},
			Entry("an unknown CRM is 404, whatever the method", "DELETE", "/hooks/nosuch?action=add&access_key="+key, "", 404),
			Entry("a disabled CRM is 404", "POST", "/hooks/hubspot?action=add&access_key="+key, "", 404),
			Entry("another method is 405", "PUT", "/hooks/klicktipp?action=add&access_key="+key, "", 405),
			Entry("a body over max_body is 413, even without a key", "POST", "/hooks/klicktipp?action=add", strings.Repeat("x", 2000), 413),
			Entry("a missing key is 403", "POST", "/hooks/klicktipp?action=add", "SubscriberID=1", 403),
			Entry("a wrong key is 403", "POST", "/hooks/klicktipp?action=add&access_key=nope", "SubscriberID=1", 403),
			Entry("a wrong key is 403 for test too", "GET", "/hooks/klicktipp?action=test&access_key=nope", "", 403),
			Entry("the global key is wrong where the CRM has its own", "POST", "/hooks/brevo?action=add&access_key="+key, "", 403),
			Entry("a missing action is 400", "POST", "/hooks/klicktipp?access_key="+key, "SubscriberID=1", 400),
			Entry("an unknown action is 400", "POST", "/hooks/klicktipp?action=delete&access_key="+key, "SubscriberID=1", 400),
			Entry("a bad wait is 400", "POST", "/hooks/klicktipp?action=add&wait=soon&access_key="+key, "SubscriberID=1", 400),
		)

		It("stores an accepted webhook and answers 202 with its id", func() {
			code, out := send("POST", "/hooks/klicktipp?action=update_tags&access_key="+key, "application/x-www-form-urlencoded",
				"SubscriberID=123&email=anna%40example.com")
			Expect(code).To(Equal(http.StatusAccepted))
			Expect(out).To(HaveKeyWithValue("status", "received"))
			evs := events()
			Expect(evs).To(HaveLen(1))
			Expect(out).To(HaveKeyWithValue("id", BeEquivalentTo(formatID(evs[0].ID))))
			Expect(evs[0].Action).To(Equal("update_tags"))
			Expect(string(evs[0].Body)).To(Equal("SubscriberID=123&email=anna%40example.com"))
		})

		It("answers the receipt as JSON, as encoding/json writes it", func() {
			resp, err := http.Post(srv.URL+"/hooks/klicktipp?action=add&access_key="+key, "application/x-www-form-urlencoded",
				strings.NewReader("SubscriberID=124"))
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(http.StatusAccepted))
			Expect(resp.Header.Get("Content-Type")).To(Equal("application/json"))
			var want bytes.Buffer
			Expect(json.NewEncoder(&want).Encode(map[string]string{"id": formatID(events()[0].ID), "status": "received"})).To(Succeed())
			Expect(io.ReadAll(resp.Body)).To(Equal(want.Bytes()))
		})

		It("keeps a reloaded configuration's secrets out of what it stores", func() {
			configWith := func(adminToken string) *config.Config {
				return loadConfig("access_key: " + key + "\nadmin: { token: " + adminToken + " }\ncrms:\n  klicktipp: { enabled: true }\n")
			}
			var current atomic.Pointer[config.Config]
			current.Store(configWith("the-first-admin-token"))
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			in := inbox.New(st, asleep{}, nil, inbox.Options{CRMs: current.Load().Enabled}, log)
			Expect(in.Start(context.Background())).To(Succeed())
			DeferCleanup(func() { in.Stop(context.Background()) })
			reloading := httptest.NewServer(server.New(server.Deps{Config: current.Load, Store: st, Inbox: in, Log: log}).Handler())
			DeferCleanup(reloading.Close)
			post := func(body string) {
				resp, err := http.Post(reloading.URL+"/hooks/klicktipp?action=add&access_key="+key, "application/x-www-form-urlencoded",
					strings.NewReader(body))
				Expect(err).NotTo(HaveOccurred())
				resp.Body.Close()
				Expect(resp.StatusCode).To(Equal(http.StatusAccepted))
			}

			post("SubscriberID=1&note=the-first-admin-token")
			current.Store(configWith("the-second-admin-token"))
			post("SubscriberID=2&note=the-second-admin-token")
			Expect(events()).To(HaveEach(HaveField("Body", WithTransform(func(b []byte) string { return string(b) },
				HaveSuffix("&note=[redacted]")))))
		})

		It("never stores the key, wherever it came", func() {
			for _, r := range []struct{ path, ct, body string }{
				{"/hooks/klicktipp?action=add&access_key=" + key + "&SubscriberID=1", "", ""},
				{"/hooks/klicktipp?action=add", "application/x-www-form-urlencoded", "SubscriberID=2&access_key=" + key},
				{"/hooks/klicktipp?action=add", "application/x-www-form-urlencoded", "SubscriberID=3&Authorization=" + key},
				{"/hooks/klicktipp?action=add", "application/json", `{"SubscriberID":"4","Authorization":"` + key + `"}`},
				{"/hooks/klicktipp?action=add&access_key=" + key, "application/json", `{"SubscriberID":"5","access_key":"` + key + `"}`},
			} {
				code, _ := send("POST", r.path, r.ct, r.body)
				Expect(code).To(Equal(http.StatusAccepted), r.path+" "+r.body)
			}
			for _, ev := range events() {
				Expect(ev.Query + ev.Header + string(ev.Body)).NotTo(ContainSubstring(key))
			}
			Expect(events()).To(HaveLen(5))
		})

		It("takes the key from the Authorization header and stores no credential header", func() {
			req, _ := http.NewRequest("POST", srv.URL+"/hooks/klicktipp?action=add&SubscriberID=9", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0")
			req.Header.Set("Cookie", "session=s3cr3t")
			req.Header.Set("X-Trace", "t-9")
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(http.StatusAccepted))
			var stored http.Header
			Expect(json.Unmarshal([]byte(events()[0].Header), &stored)).To(Succeed())
			Expect(stored).NotTo(Or(HaveKey("Authorization"), HaveKey("Proxy-Authorization"), HaveKey("Cookie")))
			Expect(stored).To(HaveKeyWithValue("X-Trace", []string{"t-9"}))
		})

		It("routes WP Fusion's /?wpf_action= to the default CRM", func() {
			code, _ := send("GET", "/?wpf_action=update_tags&access_key="+key+"&contact_id=7", "", "")
			Expect(code).To(Equal(http.StatusAccepted))
			Expect(events()).To(ConsistOf(HaveField("CRM", "klicktipp")))
			Expect(events()[0].Query).To(Equal(url.Values{"wpf_action": {"update_tags"}, "contact_id": {"7"}}.Encode()))
		})

		It("answers a test webhook with success and one activity line, storing no event", func() {
			code, out := send("GET", "/hooks/klicktipp?action=test&access_key="+key, "", "")
			Expect(code).To(Equal(http.StatusOK))
			Expect(out).To(Equal(map[string]any{"success": true}))
			Expect(events()).To(BeEmpty())
			lines, err := st.RecentActivity(context.Background(), 10, 0)
			Expect(err).NotTo(HaveOccurred())
			Expect(lines).To(ConsistOf(HaveField("Message", ContainSubstring("Test webhook received"))))
		})

		It("keeps the role and send_notification parameters", func() {
			code, _ := send("POST", "/hooks/klicktipp?action=add&role=customer&send_notification=true&access_key="+key,
				"application/x-www-form-urlencoded", "SubscriberID=1")
			Expect(code).To(Equal(http.StatusAccepted))
			Expect(events()[0]).To(And(HaveField("Role", "customer"), HaveField("SendNotification", true)))
		})

		It("answers 202 with the event so far when a wait runs out", func() {
			start := time.Now()
			code, out := send("POST", "/hooks/klicktipp?action=add&wait=300ms&access_key="+key,
				"application/x-www-form-urlencoded", "SubscriberID=1")
			Expect(code).To(Equal(http.StatusAccepted))
			Expect(time.Since(start)).To(BeNumerically(">=", 300*time.Millisecond))
			Expect(out).To(And(HaveKeyWithValue("status", "received"), HaveKeyWithValue("crm", "klicktipp"), HaveKeyWithValue("action", "add")))
		})
	})

	It("answers /healthz and /readyz", func(ctx SpecContext) {
		db := storetest.Get(ctx, store.SQLite)
		s := server.New(server.Deps{Config: func() *config.Config { return loadConfig("") }, Store: db.Store(),
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		for _, path := range []string{"/healthz", "/readyz"} {
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			Expect(rec.Code).To(Equal(http.StatusOK), path)
		}
	})
})

func formatID(id int64) string { return strconv.FormatInt(id, 10) }
