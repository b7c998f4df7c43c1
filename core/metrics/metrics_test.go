package metrics_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/crmhub/crmhub/core/metrics"
	"github.com/crmhub/crmhub/core/store"
)

var discard = slog.New(slog.DiscardHandler)

func scrape(m *metrics.Metrics) (int, string) {
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Code, rec.Body.String()
}

var _ = Describe("Metrics", func() {
	var m *metrics.Metrics
	BeforeEach(func() { m = metrics.New(discard) })

	It("names every metric crmhub_…, the Go runtime's included", func() {
		m.WebhookReceived("klicktipp", "add", 202)
		families, err := m.Gatherer().Gather()
		Expect(err).NotTo(HaveOccurred())
		Expect(families).NotTo(BeEmpty())
		var names []string
		for _, f := range families {
			names = append(names, f.GetName())
			Expect(f.GetName()).To(HavePrefix("crmhub_"))
		}
		Expect(names).To(ContainElements("crmhub_go_goroutines", "crmhub_process_open_fds"))
	})

	It("counts webhooks by CRM, action and status code", func() {
		m.WebhookReceived("klicktipp", "add", 202)
		m.WebhookReceived("klicktipp", "add", 202)
		m.WebhookReceived("klicktipp", "update", 403)
		Expect(testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(`
# HELP crmhub_webhooks_received_total Webhook requests answered, by CRM, action and HTTP status code.
# TYPE crmhub_webhooks_received_total counter
crmhub_webhooks_received_total{action="add",code="202",crm="klicktipp"} 2
crmhub_webhooks_received_total{action="update",code="403",crm="klicktipp"} 1
`), "crmhub_webhooks_received_total")).To(Succeed())
	})

	It("records group commits: their size, and where a webhook's wait to be committed goes", func() {
		m.Committed([]time.Duration{250 * time.Millisecond, 500 * time.Millisecond}, 125*time.Millisecond, 62500*time.Microsecond)
		m.Committed([]time.Duration{time.Second}, 125*time.Millisecond, 62500*time.Microsecond)
		_, body := scrape(m)
		Expect(body).To(ContainSubstring("crmhub_inbox_commit_batch_size_sum 3\n"))
		Expect(body).To(ContainSubstring("crmhub_inbox_commit_batch_size_count 2\n"))
		Expect(body).To(ContainSubstring(`crmhub_inbox_commit_seconds_sum{step="queued"} 1.75`))
		Expect(body).To(ContainSubstring(`crmhub_inbox_commit_seconds_count{step="queued"} 3`))
		Expect(body).To(ContainSubstring(`crmhub_inbox_commit_seconds_sum{step="write"} 0.25`))
		Expect(body).To(ContainSubstring(`crmhub_inbox_commit_seconds_count{step="write"} 2`))
		Expect(body).To(ContainSubstring(`crmhub_inbox_commit_seconds_sum{step="flush"} 0.125`))
		Expect(body).To(ContainSubstring(`crmhub_inbox_commit_seconds_count{step="flush"} 2`))
	})

	It("records processing: duration per attempt, outcomes, retries and waits for a plugin", func() {
		m.Attempted("klicktipp", "add", 30*time.Millisecond)
		m.Attempted("klicktipp", "add", 2*time.Second)
		m.Processed("klicktipp", "created")
		m.Retried("klicktipp")
		m.WaitedForPlugin("klicktipp")
		Expect(testutil.GatherAndCount(m.Gatherer(), "crmhub_event_processing_duration_seconds")).To(Equal(1))
		Expect(testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(`
# HELP crmhub_event_retries_total Attempts that failed with an error worth retrying: a retry follows, or the event is dead after its last attempt.
# TYPE crmhub_event_retries_total counter
crmhub_event_retries_total{crm="klicktipp"} 1
# HELP crmhub_event_plugin_waits_total Attempts handed back because the CRM's plugin was down or not configured; they cost the event no attempt.
# TYPE crmhub_event_plugin_waits_total counter
crmhub_event_plugin_waits_total{crm="klicktipp"} 1
`), "crmhub_event_retries_total", "crmhub_event_plugin_waits_total")).To(Succeed())
		_, body := scrape(m)
		Expect(body).To(ContainSubstring(`crmhub_event_processing_duration_seconds_count{action="add",crm="klicktipp"} 2`))
		Expect(body).To(ContainSubstring(`crmhub_events_processed_total{crm="klicktipp",outcome="created"} 1`))
	})

	It("counts CRM calls and, by kind, their errors", func() {
		m.CRMCall("klicktipp", "get_contact", time.Millisecond, "")
		m.CRMCall("klicktipp", "get_contact", time.Millisecond, "not_found")
		_, body := scrape(m)
		Expect(body).To(ContainSubstring(`crmhub_crm_calls_total{call="get_contact",crm="klicktipp"} 2`))
		Expect(body).To(ContainSubstring(`crmhub_crm_call_errors_total{call="get_contact",crm="klicktipp",kind="not_found"} 1`))
		Expect(body).To(ContainSubstring(`crmhub_crm_call_duration_seconds_count{call="get_contact",crm="klicktipp"} 2`))
	})

	Describe("read at scrape time", func() {
		var (
			counts  []store.QueueCount
			failing error
		)
		BeforeEach(func() {
			counts, failing = nil, nil
			m.Watch(func(context.Context) ([]store.QueueCount, error) { return counts, failing },
				func() []store.PluginState {
					return []store.PluginState{
						{CRM: "klicktipp", State: "running", Restarts: 2},
						{CRM: "hubspot", State: "not_configured"},
					}
				})
		})

		It("reports the queue of every configured CRM, zero where nothing waits", func() {
			counts = []store.QueueCount{{CRM: "klicktipp", Status: "pending", Count: 3}, {CRM: "klicktipp", Status: "dead", Count: 1}}
			Expect(testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(`
# HELP crmhub_events_dead Events given up after their last attempt, waiting for a replay, by CRM.
# TYPE crmhub_events_dead gauge
crmhub_events_dead{crm="hubspot"} 0
crmhub_events_dead{crm="klicktipp"} 1
# HELP crmhub_queue_depth Events waiting or being applied, by CRM and status (received, pending, processing, retrying).
# TYPE crmhub_queue_depth gauge
crmhub_queue_depth{crm="hubspot",status="pending"} 0
crmhub_queue_depth{crm="hubspot",status="processing"} 0
crmhub_queue_depth{crm="hubspot",status="received"} 0
crmhub_queue_depth{crm="hubspot",status="retrying"} 0
crmhub_queue_depth{crm="klicktipp",status="pending"} 3
crmhub_queue_depth{crm="klicktipp",status="processing"} 0
crmhub_queue_depth{crm="klicktipp",status="received"} 0
crmhub_queue_depth{crm="klicktipp",status="retrying"} 0
`), "crmhub_queue_depth", "crmhub_events_dead")).To(Succeed())
		})

		It("reports each plugin's state as one series per state, and its restarts", func() {
			Expect(testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(`
# HELP crmhub_plugin_restarts_total Times a CRM's plugin was started again after a crash since it was (re)configured.
# TYPE crmhub_plugin_restarts_total counter
crmhub_plugin_restarts_total{crm="hubspot"} 0
crmhub_plugin_restarts_total{crm="klicktipp"} 2
# HELP crmhub_plugin_state 1 for the state each CRM's plugin is in, 0 for the others.
# TYPE crmhub_plugin_state gauge
crmhub_plugin_state{crm="hubspot",state="crashed"} 0
crmhub_plugin_state{crm="hubspot",state="not_configured"} 1
crmhub_plugin_state{crm="hubspot",state="running"} 0
crmhub_plugin_state{crm="hubspot",state="starting"} 0
crmhub_plugin_state{crm="hubspot",state="stopped"} 0
crmhub_plugin_state{crm="klicktipp",state="crashed"} 0
crmhub_plugin_state{crm="klicktipp",state="not_configured"} 0
crmhub_plugin_state{crm="klicktipp",state="running"} 1
crmhub_plugin_state{crm="klicktipp",state="starting"} 0
crmhub_plugin_state{crm="klicktipp",state="stopped"} 0
`), "crmhub_plugin_state", "crmhub_plugin_restarts_total")).To(Succeed())
		})

		It("reports how SQLite's connection has been used, when watched", func() {
			use := store.ConnectionUse{Webhooks: 1500 * time.Millisecond, Shared: 4 * time.Second, Other: 250 * time.Millisecond,
				SharedTransactions: 8, SharedCalls: 60}
			m.WatchSQLite(func() store.ConnectionUse { return use })
			use.SharedCalls = 64 // read at each scrape, not when watched
			Expect(testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(`
# HELP crmhub_sqlite_shared_calls_total Calls the shared transactions ran (an applied event, a claim, a batch of decoded webhooks); divided by crmhub_sqlite_shared_transactions_total, the calls a transaction carried.
# TYPE crmhub_sqlite_shared_calls_total counter
crmhub_sqlite_shared_calls_total 64
# HELP crmhub_sqlite_shared_transactions_total Shared transactions on SQLite's connection.
# TYPE crmhub_sqlite_shared_transactions_total counter
crmhub_sqlite_shared_transactions_total 8
# HELP crmhub_sqlite_transaction_seconds_total Time SQLite's one connection spent in write transactions, by what they were for: webhooks (storing webhooks just received), shared (the shared transactions, which apply events, claim them and save what plugins decoded) and other. Its rate summed over holder is the share of the time the connection was busy writing; near 1, the hub is at SQLite's limit.
# TYPE crmhub_sqlite_transaction_seconds_total counter
crmhub_sqlite_transaction_seconds_total{holder="other"} 0.25
crmhub_sqlite_transaction_seconds_total{holder="shared"} 4
crmhub_sqlite_transaction_seconds_total{holder="webhooks"} 1.5
`), "crmhub_sqlite_transaction_seconds_total", "crmhub_sqlite_shared_transactions_total", "crmhub_sqlite_shared_calls_total")).To(Succeed())
		})

		It("still serves every other metric when the store does not answer", func() {
			failing = errors.New("store down")
			m.WebhookReceived("klicktipp", "add", 202)
			code, body := scrape(m)
			Expect(code).To(Equal(http.StatusOK))
			Expect(body).To(ContainSubstring("crmhub_webhooks_received_total"))
			Expect(body).To(ContainSubstring("crmhub_plugin_state"))
			Expect(body).NotTo(ContainSubstring("crmhub_queue_depth{"))
		})
	})

	It("takes every report on nil and answers /metrics with 404", func() {
		var none *metrics.Metrics
		none.WebhookReceived("klicktipp", "add", 202)
		none.Ingested("klicktipp", time.Millisecond)
		none.Committed([]time.Duration{time.Millisecond}, time.Millisecond, time.Millisecond)
		none.Attempted("klicktipp", "add", time.Millisecond)
		none.Processed("klicktipp", "created")
		none.Retried("klicktipp")
		none.WaitedForPlugin("klicktipp")
		none.CRMCall("klicktipp", "get_contact", time.Millisecond, "retryable")
		code, _ := scrape(none)
		Expect(code).To(Equal(http.StatusNotFound))
	})
})

var _ = Describe("app metrics", func() {
	It("count deliveries by app and status, their latency, sign-ins by result, and each app's backlog", func() {
		m := metrics.New(discard)
		m.Delivery("shop", "delivered", 30*time.Millisecond)
		m.Delivery("shop", "retrying", time.Second)
		m.SignIn("invalid")
		m.WatchApps(func(context.Context) (map[string]int, error) { return map[string]int{"shop": 3}, nil },
			func() []string { return []string{"shop", "newsletter"} })

		_, body := scrape(m)
		Expect(body).To(ContainSubstring(`crmhub_app_deliveries_total{app="shop",status="delivered"} 1`))
		Expect(body).To(ContainSubstring(`crmhub_app_deliveries_total{app="shop",status="retrying"} 1`))
		Expect(body).To(ContainSubstring(`crmhub_app_delivery_seconds_count{app="shop"} 2`))
		Expect(body).To(ContainSubstring(`crmhub_sign_ins_total{result="invalid"} 1`))
		Expect(body).To(ContainSubstring(`crmhub_app_backlog{app="shop"} 3`))
		Expect(body).To(ContainSubstring(`crmhub_app_backlog{app="newsletter"} 0`))
	})
})
