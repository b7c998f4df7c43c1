package metrics_test

import (
	"context"
	"os"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/metrics"
	"github.com/crmhub/crmhub/core/store"
)

// alertsFile holds the example alert rules operators load into Prometheus;
// alertsTestFile is promtool's unit test of them.
const (
	alertsFile     = "../../deploy/prometheus/alerts.yml"
	alertsTestFile = "../../deploy/prometheus/alerts_test.yml"
)

// deliveryStatuses are the status label values of
// crmhub_app_deliveries_total: the outcomes the delivery worker reports.
var deliveryStatuses = []string{apps.OutcomeDelivered, apps.OutcomeRetrying, apps.OutcomeDead}

// deliveryStatusMatcher finds the status matchers on app deliveries in a
// PromQL expression or a promtool series, e.g.
// crmhub_app_deliveries_total{app="shop", status=~"retrying|dead"}.
var deliveryStatusMatcher = regexp.MustCompile(`crmhub_app_deliveries_total\{[^}]*\bstatus\s*(?:=~|!~|!=|=)\s*"([^"]*)"`)

// statusValues are the values a status matcher names ("a|b" for a regex).
func statusValues(text string) []string {
	var values []string
	for _, m := range deliveryStatusMatcher.FindAllStringSubmatch(text, -1) {
		values = append(values, strings.Split(m[1], "|")...)
	}
	return values
}

// exported names every metric the hub's registry can serve, whether or not
// a series of it exists yet (a counter appears on /metrics at its first
// count, so a scrape alone would miss the quiet ones), with the store's
// gauges watched as the hub watches them.
func exported() map[string]bool {
	m := metrics.New(discard)
	m.Watch(func(context.Context) ([]store.QueueCount, error) { return nil, nil }, func() []store.PluginState { return nil })
	m.WatchApps(func(context.Context) (map[string]int, error) { return nil, nil }, func() []string { return nil })
	m.WatchSQLite(func() store.ConnectionUse { return store.ConnectionUse{} })
	descs := make(chan *prometheus.Desc)
	go func() {
		m.Gatherer().(prometheus.Collector).Describe(descs)
		close(descs)
	}()
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	names := map[string]bool{}
	for d := range descs {
		if match := fqName.FindStringSubmatch(d.String()); match != nil {
			names[match[1]] = true
		}
	}
	return names
}

var _ = Describe("The alert rules in deploy/prometheus", func() {
	It("name only metrics the hub exports", func() {
		raw, err := os.ReadFile(alertsFile)
		Expect(err).NotTo(HaveOccurred())
		var file struct {
			Groups []struct {
				Rules []struct {
					Alert string `yaml:"alert"`
					Expr  string `yaml:"expr"`
				} `yaml:"rules"`
			} `yaml:"groups"`
		}
		Expect(yaml.Unmarshal(raw, &file)).To(Succeed())

		names := exported()
		Expect(names).To(HaveKey("crmhub_queue_depth"))
		metricName := regexp.MustCompile(`crmhub_[a-z0-9_]+`)
		rules := 0
		for _, g := range file.Groups {
			for _, r := range g.Rules {
				rules++
				Expect(metricName.FindAllString(r.Expr, -1)).NotTo(BeEmpty(), r.Alert+" names no crmhub_ metric")
				for _, name := range metricName.FindAllString(r.Expr, -1) {
					base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
					Expect(names[name] || names[base]).To(BeTrue(),
						"%s names %s, which the hub does not export", r.Alert, name)
				}
			}
		}
		Expect(rules).To(BeNumerically(">=", 5))
	})

	It("count app deliveries by the statuses the delivery worker reports, in the rules and in their test", func() {
		for _, file := range []string{alertsFile, alertsTestFile} {
			raw, err := os.ReadFile(file)
			Expect(err).NotTo(HaveOccurred())
			values := statusValues(string(raw))
			Expect(values).NotTo(BeEmpty(), "%s matches no status of crmhub_app_deliveries_total", file)
			for _, v := range values {
				Expect(deliveryStatuses).To(ContainElement(v), "%s: crmhub_app_deliveries_total has no status %q", file, v)
			}
		}
	})
})
