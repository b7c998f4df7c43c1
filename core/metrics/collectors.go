package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/core/store"
)

// queuedStatuses are the statuses crmhub_queue_depth reports.
var queuedStatuses = []string{store.StatusReceived, store.StatusPending, store.StatusProcessing, store.StatusRetrying}

// pluginStates are the states crmhub_plugin_state reports, one series each.
var pluginStates = []string{host.StateStarting, host.StateRunning, host.StateNotConfigured, host.StateCrashed, host.StateStopped}

var (
	queueDepthDesc = prometheus.NewDesc(Namespace+"_queue_depth",
		"Events waiting or being applied, by CRM and status (received, pending, processing, retrying).",
		[]string{"crm", "status"}, nil)
	deadDesc = prometheus.NewDesc(Namespace+"_events_dead",
		"Events given up after their last attempt, waiting for a replay, by CRM.",
		[]string{"crm"}, nil)
	pluginStateDesc = prometheus.NewDesc(Namespace+"_plugin_state",
		"1 for the state each CRM's plugin is in, 0 for the others.",
		[]string{"crm", "state"}, nil)
	pluginRestartsDesc = prometheus.NewDesc(Namespace+"_plugin_restarts_total",
		"Times a CRM's plugin was started again after a crash since it was (re)configured.",
		[]string{"crm"}, nil)
)

// queueTimeout bounds the store query of one scrape.
const queueTimeout = 5 * time.Second

// queueCollector reads the queue's depth from the store at each scrape.
// Every configured CRM gets every series, zero included, so an alert on
// a series never sees it vanish.
type queueCollector struct {
	depth func(context.Context) ([]store.QueueCount, error)
	crms  func() []store.PluginState
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepthDesc
	ch <- deadDesc
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queueTimeout)
	defer cancel()
	counts, err := c.depth(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueDepthDesc, err)
		return
	}
	byCRM := map[string]map[string]int{}
	add := func(crm string) map[string]int {
		if byCRM[crm] == nil {
			byCRM[crm] = map[string]int{}
		}
		return byCRM[crm]
	}
	for _, st := range c.crms() {
		add(st.CRM)
	}
	for _, qc := range counts {
		add(qc.CRM)[qc.Status] += qc.Count
	}
	for crm, n := range byCRM {
		for _, status := range queuedStatuses {
			ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(n[status]), crm, status)
		}
		ch <- prometheus.MustNewConstMetric(deadDesc, prometheus.GaugeValue, float64(n[store.StatusDead]), crm)
	}
}

// pluginCollector reports each configured CRM's plugin state.
type pluginCollector struct {
	states func() []store.PluginState
}

func (c *pluginCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- pluginStateDesc
	ch <- pluginRestartsDesc
}

func (c *pluginCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.states() {
		for _, state := range pluginStates {
			v := 0.0
			if st.State == state {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(pluginStateDesc, prometheus.GaugeValue, v, st.CRM, state)
		}
		ch <- prometheus.MustNewConstMetric(pluginRestartsDesc, prometheus.CounterValue, float64(st.Restarts), st.CRM)
	}
}
