package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/metrics"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

// fakeDoor stands in for the plugin host at the door: profiles by CRM, and
// the verdict (or error) the checking plugin gives, with the requests it saw.
type fakeDoor struct {
	mu       sync.Mutex
	profiles map[string]sdk.WebhookProfile
	verdict  sdk.Verdict
	err      error
	seen     []sdk.Request
}

func (d *fakeDoor) Profile(_ context.Context, crm string, _ time.Duration) (sdk.WebhookProfile, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.profiles[crm]
	return p, ok
}

func (d *fakeDoor) CheckWebhook(_ context.Context, _ string, req sdk.Request) (sdk.Verdict, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen = append(d.seen, req)
	return d.verdict, d.err
}

func (d *fakeDoor) requests() []sdk.Request {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]sdk.Request(nil), d.seen...)
}

var _ = Describe("The door of a CRM whose plugin checks its webhooks", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		var (
			srv  *httptest.Server
			st   *store.Store
			door *fakeDoor
			ack  = sdk.Answer{Status: http.StatusOK, ContentType: "text/plain", Body: []byte("ok")}
		)

		BeforeEach(func() {
			st = db.Store()
			cfg := loadConfig(`
access_key: ` + key + `
crms:
  klicktipp: { enabled: true }
  checked: { enabled: true }
  chooser: { enabled: true }
  fresh: { enabled: true }
`)
			door = &fakeDoor{profiles: map[string]sdk.WebhookProfile{
				"klicktipp": {},
				"checked":   {Check: true, Ack: ack},
				"chooser":   {DefaultAction: sdk.ActionUpdate},
			}, verdict: sdk.Accept()}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			in := inbox.New(st, asleep{}, nil, inbox.Options{CRMs: cfg.Enabled}, log)
			Expect(in.Start(context.Background())).To(Succeed())
			DeferCleanup(func() { in.Stop(context.Background()) })
			s := server.New(server.Deps{Config: func() *config.Config { return cfg }, Store: st, Inbox: in, Log: log,
				Door: door, Metrics: metrics.New(log)})
			srv = httptest.NewServer(s.Handler())
			DeferCleanup(srv.Close)
		})

		type reply struct {
			status int
			header http.Header
			body   string
		}
		send := func(method, path, body string, header ...string) reply {
			req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
			Expect(err).NotTo(HaveOccurred())
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			Expect(err).NotTo(HaveOccurred())
			return reply{resp.StatusCode, resp.Header, string(b)}
		}
		events := func() []store.Event {
			var evs []store.Event
			Expect(st.DB().NewSelect().Model(&evs).Order("id").Scan(context.Background())).To(Succeed())
			return evs
		}
		activity := func() []store.Activity {
			lines, err := st.RecentActivity(context.Background(), 100, 0)
			Expect(err).NotTo(HaveOccurred())
			return lines
		}
		scrape := func() string { return send("GET", "/metrics", "").body }

		It("stores an accepted request, key taken out, and answers the profile's Ack", func() {
			r := send("POST", "/hooks/checked?action=update&access_key="+key+"&x=1", `{"id":"7"}`,
				"Content-Type", "application/json", "X-Signature", "sig")
			Expect(r.status).To(Equal(http.StatusOK))
			Expect(r.header.Get("Content-Type")).To(Equal("text/plain"))
			Expect(r.body).To(Equal("ok"))
			Expect(events()).To(ConsistOf(And(HaveField("CRM", "checked"), HaveField("Action", "update"))))
			ev := events()[0]
			Expect(ev.Query + ev.Header + string(ev.Body)).NotTo(ContainSubstring(key))

			seen := door.requests()
			Expect(seen).To(HaveLen(1))
			Expect(seen[0].Method).To(Equal("POST"))
			Expect(seen[0].URL).To(Equal(srv.URL+"/hooks/checked?action=update&access_key="+key+"&x=1"), "the full URL, key included")
			Expect(seen[0].Header).To(HaveKeyWithValue("X-Signature", []string{"sig"}))
			Expect(string(seen[0].Body)).To(Equal(`{"id":"7"}`))
			Expect(seen[0].RemoteAddr).To(HavePrefix("127.0.0.1:"))
			Expect(seen[0].ReceivedAt).NotTo(BeZero())
		})

		It("answers the Ack, not the outcome, to a request with ?wait=", func() {
			r := send("POST", "/hooks/checked?action=update&wait=1s&access_key="+key, "id=1")
			Expect(r.status).To(Equal(http.StatusOK))
			Expect(r.body).To(Equal("ok"))
			Expect(events()).To(HaveLen(1))
		})

		It("sends the plugin's own answer to a handshake and stores nothing", func() {
			door.verdict = sdk.Respond(sdk.Answer{Status: http.StatusOK, ContentType: "text/plain", Body: []byte("challenge-42")})
			r := send("GET", "/hooks/checked?challenge=challenge-42&access_key="+key, "")
			Expect(r.status).To(Equal(http.StatusOK))
			Expect(r.body).To(Equal("challenge-42"))
			Expect(events()).To(BeEmpty())
		})

		It("refuses a rejected request 401 with the reason, stores nothing, counts it and writes one activity line", func() {
			door.verdict = sdk.Reject("bad signature for account 1234")
			r := send("POST", "/hooks/checked?action=update&access_key="+key, "id=1")
			Expect(r.status).To(Equal(http.StatusUnauthorized))
			Expect(r.body).To(ContainSubstring("webhook rejected: bad signature for account 1234"))
			Expect(events()).To(BeEmpty())
			Expect(activity()).To(ConsistOf(And(HaveField("CRM", "checked"),
				HaveField("Message", ContainSubstring("bad signature for account 1234")))))
			Expect(scrape()).To(ContainSubstring(`crmhub_webhooks_rejected_total{crm="checked",reason="bad signature for"} 1`))
		})

		It("sends a rejection's own answer with its 4xx", func() {
			door.verdict = sdk.RejectWith(sdk.Answer{Status: http.StatusForbidden, ContentType: "text/xml", Body: []byte("<fault/>")}, "foreign org")
			r := send("POST", "/hooks/checked?action=update&access_key="+key, "id=1")
			Expect(r.status).To(Equal(http.StatusForbidden))
			Expect(r.header.Get("Content-Type")).To(Equal("text/xml"))
			Expect(r.body).To(Equal("<fault/>"))
			Expect(events()).To(BeEmpty())
		})

		It("does not let a flood of rejections fill the activity log, and counts every one", func() {
			door.verdict = sdk.Reject("bad signature")
			const flood = 40
			for range flood {
				Expect(send("POST", "/hooks/checked?action=update&access_key="+key, "id=1").status).To(Equal(http.StatusUnauthorized))
			}
			Expect(len(activity())).To(BeNumerically("<", flood))
			Expect(scrape()).To(ContainSubstring(`crmhub_webhooks_rejected_total{crm="checked",reason="bad signature"} 40`))
		})

		DescribeTable("answers 503 with Retry-After and stores nothing when the plugin gives no verdict",
			func(err error) {
				door.err = err
				r := send("POST", "/hooks/checked?action=update&access_key="+key, "id=1")
				Expect(r.status).To(Equal(http.StatusServiceUnavailable))
				Expect(r.header.Get("Retry-After")).NotTo(BeEmpty())
				Expect(events()).To(BeEmpty())
			},
			Entry("plugin down or not configured", host.ErrPluginDown),
			Entry("plugin failed", sdk.Retryable(errors.New("boom"), 0)),
			Entry("deadline", context.DeadlineExceeded),
		)

		It("checks the key first: a wrong key is 403 and never reaches the plugin", func() {
			Expect(send("POST", "/hooks/checked?action=update&access_key=nope", "id=1").status).To(Equal(http.StatusForbidden))
			Expect(door.requests()).To(BeEmpty())
		})

		It("answers action=test as always, without the plugin", func() {
			r := send("GET", "/hooks/checked?action=test&access_key="+key, "")
			Expect(r.status).To(Equal(http.StatusOK))
			Expect(r.body).To(ContainSubstring(`"success":true`))
			Expect(door.requests()).To(BeEmpty())
		})

		It("answers 503 with Retry-After for a CRM whose profile is not known yet, storing nothing", func() {
			r := send("POST", "/hooks/fresh?action=update&access_key="+key, "id=1")
			Expect(r.status).To(Equal(http.StatusServiceUnavailable))
			Expect(r.header.Get("Retry-After")).NotTo(BeEmpty())
			Expect(events()).To(BeEmpty())
		})

		It("takes a KlickTipp-like CRM's webhooks with 202 and never asks its plugin", func() {
			Expect(send("POST", "/hooks/klicktipp?action=update&access_key="+key, "SubscriberID=1").status).To(Equal(http.StatusAccepted))
			Expect(door.requests()).To(BeEmpty())
			Expect(events()).To(HaveLen(1))
		})

		It("takes the profile's default action when the URL names none, and 400 where there is no default", func() {
			Expect(send("POST", "/hooks/chooser?access_key="+key, "id=1").status).To(Equal(http.StatusAccepted))
			Expect(send("POST", "/hooks/chooser?action=add&access_key="+key, "id=1").status).To(Equal(http.StatusAccepted))
			Expect(send("POST", "/hooks/klicktipp?access_key="+key, "id=1").status).To(Equal(http.StatusBadRequest))
			Expect(events()).To(HaveExactElements(HaveField("Action", "update"), HaveField("Action", "add")))
		})
	})
})
