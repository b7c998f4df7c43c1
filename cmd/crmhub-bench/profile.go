package main

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/crmhub/crmhub/e2e/harness"
)

// profileRow records the hub's CPU profile (-profile) and its execution
// trace (-trace) for d from now, while a row's load runs, into
// DIR/<store>-<row>.pprof and .trace, so a missed goal can be explained
// from where the hub spent its time and what its goroutines waited for.
// The returned func waits for them to be written. Without either flag it
// does nothing. One that cannot be taken is reported, not fatal: it is an
// aid, not a figure.
func profileRow(ctx context.Context, o options, hub *harness.Hub, kind storeKind, row string, d time.Duration) (wait func()) {
	var done sync.WaitGroup
	take := func(what, dir, ext string, fetch func(context.Context, time.Duration) ([]byte, error)) {
		if dir == "" {
			return
		}
		done.Go(func() {
			got, err := fetch(ctx, d)
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, string(kind)+"-"+row+ext), got, 0o644)
			}
			if err != nil {
				progress("  no %s of %s on %s: %v", what, row, kind, err)
			}
		})
	}
	take("CPU profile", o.profile, ".pprof", hub.CPUProfile)
	take("execution trace", o.trace, ".trace", hub.Trace)
	return done.Wait
}
