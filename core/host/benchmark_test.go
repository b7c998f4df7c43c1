package host_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/internal/testbin"
	"github.com/crmhub/crmhub/internal/testplugin"
)

// Run with: go test -run x -bench . ./core/host

func benchHost(b *testing.B) (*host.Host, host.Spec) {
	path, err := testbin.Build(testPluginPkg, "crmhub-plugin-test")
	if err != nil {
		b.Fatal(err)
	}
	h := host.New(host.Options{Dir: filepath.Dir(path), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	b.Cleanup(func() { h.Shutdown(context.Background()) })
	return h, host.Spec{Name: "test", Plugin: "test", Settings: testplugin.Settings()}
}

func waitReady(b *testing.B, h *host.Host) {
	for deadline := time.Now().Add(30 * time.Second); !h.Ready("test"); time.Sleep(100 * time.Microsecond) {
		if time.Now().After(deadline) {
			b.Fatalf("plugin not ready: %+v", h.Status())
		}
	}
}

// BenchmarkGetContact measures one GetContact round trip through the host:
// rate limiter, deadline, gRPC over AutoMTLS to the plugin process and back.
func BenchmarkGetContact(b *testing.B) {
	h, spec := benchHost(b)
	h.Apply(context.Background(), []host.Spec{spec})
	waitReady(b, h)
	c := h.Client("test")
	ctx := context.Background()
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := c.GetContact(ctx, testplugin.Anna.ID); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	b.ReportMetric(float64(percentile(took, 50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(took, 99).Microseconds()), "p99-µs")
}

// BenchmarkPluginStart measures how long a CRM takes from Apply to ready:
// launch, handshake, Info and Configure.
func BenchmarkPluginStart(b *testing.B) {
	h, spec := benchHost(b)
	ctx := context.Background()
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		h.Apply(ctx, []host.Spec{spec})
		waitReady(b, h)
		took = append(took, time.Since(start))
		b.StopTimer()
		h.Apply(ctx, nil)
		b.StartTimer()
	}
	b.ReportMetric(float64(percentile(took, 50).Microseconds())/1000, "p50-ms")
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}
