package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/e2e/harness"
)

// getContactCalls is how many round trips are timed, after as many to warm up.
const getContactCalls = 2000

// roundTrips are the GetContact timings.
type roundTrips struct {
	p50, p99 time.Duration
}

// measureGetContact times GetContact through the plugin host as the engine
// calls it — rate limiter, deadline, gRPC over AutoMTLS to the KlickTipp
// plugin process, its HTTP call to the fake KlickTipp on loopback, and back.
// No store is involved.
func measureGetContact(ctx context.Context, bins harness.Binaries) (roundTrips, error) {
	kt := harness.StartKlickTipp()
	defer kt.Close()
	contacts := seed(kt, 1)

	h := host.New(host.Options{Logger: slog.New(slog.DiscardHandler)})
	defer h.Shutdown(context.WithoutCancel(ctx))
	h.Apply(ctx, []host.Spec{{Name: "klicktipp", Plugin: bins.KlickTipp, Settings: kt.Settings(), RateLimit: 1_000_000}})
	if err := waitReady(ctx, h, "klicktipp"); err != nil {
		return roundTrips{}, err
	}
	client := h.Client("klicktipp")

	took := make([]time.Duration, 0, getContactCalls)
	for i := range 2 * getContactCalls {
		start := time.Now()
		if _, err := client.GetContact(ctx, contacts[0].id); err != nil {
			return roundTrips{}, fmt.Errorf("GetContact: %w", err)
		}
		if i >= getContactCalls {
			took = append(took, time.Since(start))
		}
	}
	slices.Sort(took)
	return roundTrips{p50: harness.Percentile(took, 50), p99: harness.Percentile(took, 99)}, nil
}

// waitReady waits until the host's plugin for crm runs and is configured.
func waitReady(ctx context.Context, h *host.Host, crm string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for !h.Ready(crm) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("the %s plugin did not get ready: %+v", crm, h.Status())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}
