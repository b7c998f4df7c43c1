package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// appMetrics are the metrics of pushing users to apps and of sign-ins.
type appMetrics struct {
	deliveries *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	signIns    *prometheus.CounterVec
}

func newAppMetrics(reg prometheus.Registerer) appMetrics {
	a := appMetrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: Namespace + "_app_deliveries_total",
			Help: "Attempts to push a user event to an app, by app and status (delivered, retrying, dead).",
		}, []string{"app", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    Namespace + "_app_delivery_seconds",
			Help:    "How long apps took to answer a pushed user event, by app.",
			Buckets: prometheus.DefBuckets,
		}, []string{"app"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: Namespace + "_sign_ins_total",
			Help: "Sign-in checks for apps, by result (ok, invalid, limited).",
		}, []string{"result"}),
	}
	reg.MustRegister(a.deliveries, a.latency, a.signIns)
	return a
}

// Delivery counts one attempt to push a user event to an app.
func (m *Metrics) Delivery(app, status string, took time.Duration) {
	if m == nil {
		return
	}
	a := m.appMetrics
	a.deliveries.WithLabelValues(app, status).Inc()
	a.latency.WithLabelValues(app).Observe(took.Seconds())
}

// SignIn counts one sign-in check.
func (m *Metrics) SignIn(result string) {
	if m == nil {
		return
	}
	m.appMetrics.signIns.WithLabelValues(result).Inc()
}

var appBacklogDesc = prometheus.NewDesc(Namespace+"_app_backlog",
	"User events not yet delivered to an app (pending or being sent), by app.",
	[]string{"app"}, nil)

// WatchApps has every scrape read each app's backlog; apps names the apps
// that get a series even when nothing waits.
func (m *Metrics) WatchApps(backlog func(context.Context) (map[string]int, error), apps func() []string) {
	m.registry.MustRegister(&backlogCollector{backlog: backlog, apps: apps})
}

type backlogCollector struct {
	backlog func(context.Context) (map[string]int, error)
	apps    func() []string
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) { ch <- appBacklogDesc }

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queueTimeout)
	defer cancel()
	counts, err := c.backlog(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(appBacklogDesc, err)
		return
	}
	for _, app := range c.apps() {
		if _, ok := counts[app]; !ok {
			counts[app] = 0
		}
	}
	for app, n := range counts {
		ch <- prometheus.MustNewConstMetric(appBacklogDesc, prometheus.GaugeValue, float64(n), app)
	}
}
