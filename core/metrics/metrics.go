// Package metrics defines every Prometheus metric of the hub, in one
// place, and serves them on /metrics. Every name starts with crmhub_, the
// Go runtime's and the process's too (crmhub_go_…, crmhub_process_…).
//
// Parts report through the small methods of *Metrics (WebhookReceived,
// Processed, CRMCall, …); a nil *Metrics takes every report and does
// nothing, so a part built without metrics (as in most specs) needs no
// check. What already lives elsewhere — the queue in the store, the
// plugins' states in the host — is read at scrape time (Watch).
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/crmhub/crmhub/core/store"
)

// Namespace starts every metric name.
const Namespace = "crmhub"

// Metrics are the hub's metrics and the registry that serves them.
type Metrics struct {
	registry *prometheus.Registry
	log      *slog.Logger

	webhooks *prometheus.CounterVec
	rejected *prometheus.CounterVec
	ingest   *prometheus.HistogramVec
	// Each webhook's: its answer's counter and its CRM's ingest histogram.
	webhookCounters *children[webhookLabels, prometheus.Counter]
	ingestByCRM     *children[string, prometheus.Observer]
	commitBatch     prometheus.Histogram
	commitSteps     *prometheus.HistogramVec

	processing    *prometheus.HistogramVec
	processed     *prometheus.CounterVec
	retries       *prometheus.CounterVec
	pluginWaits   *prometheus.CounterVec
	sharedLookups *prometheus.CounterVec

	crmCalls    *prometheus.CounterVec
	crmErrors   *prometheus.CounterVec
	crmDuration *prometheus.HistogramVec

	outboxUnopenable *prometheus.CounterVec
	appMetrics       appMetrics
}

// New defines the metrics and registers them, with the Go runtime's and
// the process's, on a registry of their own. Gathering problems are logged
// to log.
func New(log *slog.Logger) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		log:      log,

		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "webhooks_received_total",
			Help: "Webhook requests answered, by CRM, action and HTTP status code.",
		}, []string{"crm", "action", "code"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "webhooks_rejected_total",
			Help: "Webhook requests a CRM's plugin rejected at the door (nothing stored), by CRM and reason (the reason's first words, lower case; \"other\" past a bound on distinct reasons).",
		}, []string{"crm", "reason"}),
		ingest: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "ingest_duration_seconds",
			Help:    "Time from a webhook's arrival until it is committed to the store and may be acknowledged.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5ms … 4s
		}, []string{"crm"}),
		commitBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "inbox_commit_batch_size",
			Help:    "Webhooks stored by one group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10), // 1 … 512
		}),
		commitSteps: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "inbox_commit_seconds",
			Help: "Where a webhook's wait to be committed goes, by step: queued (each webhook, from when the inbox took it until its group commit began), " +
				"write (each commit, until committed) and flush (each commit, from committed until durable).",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16), // 0.1ms … 3.3s
		}, []string{"step"}),

		processing: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "event_processing_duration_seconds",
			Help:    "Time one attempt at applying an event took, whatever its result.",
			Buckets: prometheus.DefBuckets,
		}, []string{"crm", "action"}),
		processed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "events_processed_total",
			Help: "Events that ended done or failed, by CRM and outcome (created, updated, tags_updated, no_matching_user, contact_not_found, invalid_payload, crm_error).",
		}, []string{"crm", "outcome"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "event_retries_total",
			Help: "Attempts that failed with an error worth retrying: a retry follows, or the event is dead after its last attempt.",
		}, []string{"crm"}),
		pluginWaits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "event_plugin_waits_total",
			Help: "Attempts handed back because the CRM's plugin was down or not configured; they cost the event no attempt.",
		}, []string{"crm"}),
		sharedLookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "event_shared_lookups_total",
			Help: "Events applied with their contact as fetched from the CRM for an earlier event of the contact, after they arrived, instead of asking the CRM again.",
		}, []string{"crm"}),

		crmCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "crm_calls_total",
			Help: "Calls to a CRM's API through its plugin, by CRM and call (get_contact, find_contact, update_contact); calls refused because the plugin was down count too.",
		}, []string{"crm", "call"}),
		crmErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "crm_call_errors_total",
			Help: "Failed CRM calls, by CRM, call and kind (not_found, invalid, unauthenticated, unsupported, retryable, plugin_down).",
		}, []string{"crm", "call", "kind"}),
		crmDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "crm_call_duration_seconds",
			Help:    "Time a CRM call took, including the wait for the CRM's rate limit.",
			Buckets: prometheus.DefBuckets,
		}, []string{"crm", "call"}),

		outboxUnopenable: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "outbox_unopenable_total",
			Help: "Outbox deliveries put off because the item's sealed password does not open with this hub's secret key (sealed with another key, or damaged), by kind (welcome_mail, return_password). The item is kept for a hub with the right key, never wiped.",
		}, []string{"kind"}),
	}
	m.webhookCounters = newChildren(func(l webhookLabels) prometheus.Counter {
		return m.webhooks.WithLabelValues(l.crm, l.action, strconv.Itoa(l.code))
	})
	m.ingestByCRM = newChildren(func(crm string) prometheus.Observer { return m.ingest.WithLabelValues(crm) })
	m.registry.MustRegister(m.webhooks, m.rejected, m.ingest, m.commitBatch, m.commitSteps, m.processing, m.processed, m.retries,
		m.pluginWaits, m.sharedLookups, m.crmCalls, m.crmErrors, m.crmDuration, m.outboxUnopenable)
	m.appMetrics = newAppMetrics(m.registry)
	runtime := prometheus.WrapRegistererWithPrefix(Namespace+"_", m.registry)
	runtime.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus' formats; on a nil *Metrics it
// answers 404.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		// A store that does not answer costs the queue gauges, not the
		// whole scrape.
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	})
}

// Gatherer is the registry, for specs and embedding.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.registry }

// Watch has every scrape read the queue's depth from the store and the
// plugins' states from the hub.
func (m *Metrics) Watch(queue func(context.Context) ([]store.QueueCount, error), plugins func() []store.PluginState) {
	m.registry.MustRegister(&queueCollector{depth: queue, crms: plugins}, &pluginCollector{states: plugins})
}

// WebhookReceived counts one answered webhook request.
func (m *Metrics) WebhookReceived(crm, action string, code int) {
	if m == nil {
		return
	}
	m.webhookCounters.get(webhookLabels{crm, action, code}).Inc()
}

// webhookLabels are a webhook request's labels on webhooks_received_total.
type webhookLabels struct {
	crm, action string
	code        int
}

// WebhookRejected counts one request a plugin rejected at the door. The
// caller bounds reason's values.
func (m *Metrics) WebhookRejected(crm, reason string) {
	if m == nil {
		return
	}
	m.rejected.WithLabelValues(crm, reason).Inc()
}

// Ingested records how long a webhook took to be committed.
func (m *Metrics) Ingested(crm string, d time.Duration) {
	if m == nil {
		return
	}
	m.ingestByCRM.get(crm).Observe(d.Seconds())
}

// Committed records one group commit of webhooks: its size and its
// steps (see inbox.Observer).
func (m *Metrics) Committed(queued []time.Duration, write, flush time.Duration) {
	if m == nil {
		return
	}
	m.commitBatch.Observe(float64(len(queued)))
	waited := m.commitSteps.WithLabelValues("queued")
	for _, d := range queued {
		waited.Observe(d.Seconds())
	}
	m.commitSteps.WithLabelValues("write").Observe(write.Seconds())
	m.commitSteps.WithLabelValues("flush").Observe(flush.Seconds())
}
