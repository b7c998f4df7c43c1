package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/crmhub/crmhub/e2e/harness"
)

// connectionTotals are a hub's counters, since it started, of how
// SQLite's one connection was used: the seconds it spent in write
// transactions by what they were for, and the shared transactions and
// their calls. A hub on PostgreSQL has none.
type connectionTotals struct {
	seconds             map[string]float64 // by holder: webhooks, shared, other
	transactions, calls float64
}

// holders are the holder label's values, in the order a row lists them.
var holders = []string{"webhooks", "shared", "other"}

// readConnectionTotals reads a hub's crmhub_sqlite_* counters.
func readConnectionTotals(ctx context.Context, hub *harness.Hub) (connectionTotals, error) {
	families, err := readMetrics(ctx, hub)
	if err != nil {
		return connectionTotals{}, err
	}
	return connectionTotalsOf(families), nil
}

// connectionTotalsOf reads the crmhub_sqlite_* counters from a hub's
// /metrics; a hub without them (on PostgreSQL) reads as an empty total.
func connectionTotalsOf(families map[string]*dto.MetricFamily) connectionTotals {
	t := connectionTotals{seconds: map[string]float64{}}
	if f := families["crmhub_sqlite_transaction_seconds_total"]; f != nil {
		for _, m := range f.GetMetric() {
			for _, label := range m.GetLabel() {
				if label.GetName() == "holder" {
					t.seconds[label.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	counter := func(name string) float64 {
		if f := families[name]; f != nil && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
		return 0
	}
	t.transactions = counter("crmhub_sqlite_shared_transactions_total")
	t.calls = counter("crmhub_sqlite_shared_calls_total")
	return t
}

// connectionUse is how busy SQLite's connection was during a row: the
// share of the row's time it spent in write transactions, by holder, and
// the calls a shared transaction carried. Zero when not measured (a hub
// on PostgreSQL).
type connectionUse struct {
	busy     map[string]float64
	perShare float64
}

// since is what happened between before and t, over elapsed.
func (t connectionTotals) since(before connectionTotals, elapsed time.Duration) connectionUse {
	if len(t.seconds) == 0 || elapsed <= 0 {
		return connectionUse{}
	}
	u := connectionUse{busy: map[string]float64{}}
	for _, h := range holders {
		u.busy[h] = (t.seconds[h] - before.seconds[h]) / elapsed.Seconds()
	}
	if n := t.transactions - before.transactions; n > 0 {
		u.perShare = (t.calls - before.calls) / n
	}
	return u
}

// String is the whole share, then each holder's: "96%: 11 / 83 / 2%";
// "—" when not measured.
func (u connectionUse) String() string {
	if u.busy == nil {
		return "—"
	}
	total := 0.0
	parts := make([]string, len(holders))
	for i, h := range holders {
		total += u.busy[h]
		parts[i] = fmt.Sprintf("%.0f", 100*u.busy[h])
	}
	return fmt.Sprintf("%.0f%%: %s%%", 100*total, strings.Join(parts, " / "))
}

// withCalls is String and the calls a shared transaction carried:
// "96%: 11 / 83 / 2%, 7.4".
func (u connectionUse) withCalls() string {
	if u.busy == nil || u.perShare == 0 {
		return u.String()
	}
	return fmt.Sprintf("%s, %.1f", u, u.perShare)
}
