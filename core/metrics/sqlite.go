package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/crmhub/crmhub/core/store"
)

// How SQLite's one connection was used, read from the store at scrape
// time (see store.ConnectionUse).
var (
	sqliteHeldDesc = prometheus.NewDesc(Namespace+"_sqlite_transaction_seconds_total",
		"Time SQLite's one connection spent in write transactions, by what they were for: webhooks (storing webhooks just received), "+
			"shared (the shared transactions, which apply events, claim them and save what plugins decoded) and other. "+
			"Its rate summed over holder is the share of the time the connection was busy writing; near 1, the hub is at SQLite's limit.",
		[]string{"holder"}, nil)
	sqliteSharedDesc = prometheus.NewDesc(Namespace+"_sqlite_shared_transactions_total",
		"Shared transactions on SQLite's connection.", nil, nil)
	sqliteSharedCallsDesc = prometheus.NewDesc(Namespace+"_sqlite_shared_calls_total",
		"Calls the shared transactions ran (an applied event, a claim, a batch of decoded webhooks); "+
			"divided by crmhub_sqlite_shared_transactions_total, the calls a transaction carried.", nil, nil)
)

// WatchSQLite has every scrape read how SQLite's connection has been used.
// Call it for a hub on SQLite only.
func (m *Metrics) WatchSQLite(use func() store.ConnectionUse) {
	m.registry.MustRegister(&sqliteCollector{use: use})
}

type sqliteCollector struct{ use func() store.ConnectionUse }

func (c *sqliteCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- sqliteHeldDesc
	ch <- sqliteSharedDesc
	ch <- sqliteSharedCallsDesc
}

func (c *sqliteCollector) Collect(ch chan<- prometheus.Metric) {
	u := c.use()
	for holder, d := range map[string]time.Duration{"webhooks": u.Webhooks, "shared": u.Shared, "other": u.Other} {
		ch <- prometheus.MustNewConstMetric(sqliteHeldDesc, prometheus.CounterValue, d.Seconds(), holder)
	}
	ch <- prometheus.MustNewConstMetric(sqliteSharedDesc, prometheus.CounterValue, float64(u.SharedTransactions))
	ch <- prometheus.MustNewConstMetric(sqliteSharedCallsDesc, prometheus.CounterValue, float64(u.SharedCalls))
}
