package main

import (
	"bytes"
	"context"
	"fmt"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/crmhub/crmhub/e2e/harness"
)

// commitTotals are the sums and counts, since the hub started, of its
// histograms of group commits (crmhub_inbox_commit_seconds by step, and
// crmhub_inbox_commit_batch_size): read before and after a row, their
// difference says where that row's webhooks waited to be committed.
type commitTotals map[string]histogramTotal

// histogramTotal is one histogram's sum and count.
type histogramTotal struct {
	sum   float64
	count uint64
}

// The keys of commitTotals: the steps, and the commits' sizes.
const (
	stepQueued = "queued"
	stepWrite  = "write"
	stepFlush  = "flush"
	commitSize = "size"
)

// readMetrics reads the hub's /metrics, by metric name.
func readMetrics(ctx context.Context, hub *harness.Hub) (map[string]*dto.MetricFamily, error) {
	reply, err := hub.Get(ctx, "/metrics")
	if err != nil {
		return nil, err
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(reply.Body))
	if err != nil {
		return nil, fmt.Errorf("read the hub's /metrics: %w", err)
	}
	return families, nil
}

// commitTotalsOf reads the hub's commit histograms from its /metrics.
func commitTotalsOf(families map[string]*dto.MetricFamily) commitTotals {
	totals := commitTotals{}
	if f := families["crmhub_inbox_commit_seconds"]; f != nil {
		for _, m := range f.GetMetric() {
			for _, label := range m.GetLabel() {
				if label.GetName() == "step" {
					h := m.GetHistogram()
					totals[label.GetValue()] = histogramTotal{sum: h.GetSampleSum(), count: h.GetSampleCount()}
				}
			}
		}
	}
	if f := families["crmhub_inbox_commit_batch_size"]; f != nil && len(f.GetMetric()) == 1 {
		h := f.GetMetric()[0].GetHistogram()
		totals[commitSize] = histogramTotal{sum: h.GetSampleSum(), count: h.GetSampleCount()}
	}
	return totals
}

// commitSteps is where a row's webhooks waited to be committed, on
// average: queued until their commit began, its write, its flush; and
// how many webhooks a commit took.
type commitSteps struct {
	queued, write, flush time.Duration
	perCommit            float64
}

// since is what happened between before and t.
func (t commitTotals) since(before commitTotals) commitSteps {
	mean := func(key string) float64 {
		n := t[key].count - before[key].count
		if n == 0 {
			return 0
		}
		return (t[key].sum - before[key].sum) / float64(n)
	}
	seconds := func(key string) time.Duration { return time.Duration(mean(key) * float64(time.Second)) }
	return commitSteps{queued: seconds(stepQueued), write: seconds(stepWrite), flush: seconds(stepFlush),
		perCommit: mean(commitSize)}
}

// String writes the steps in milliseconds, then the webhooks a commit.
func (s commitSteps) String() string {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return fmt.Sprintf("%.2f / %.2f / %.2f ms, %.1f", ms(s.queued), ms(s.write), ms(s.flush), s.perCommit)
}
