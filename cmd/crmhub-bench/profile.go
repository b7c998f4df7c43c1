package main

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/crmhub/crmhub/e2e/harness"
)

// profileRow records the hub's CPU profile for d from now, while a row's
// load runs, into <-profile>/<store>-<row>.pprof, so a missed goal can be
// explained from where the hub spent its time. The returned func waits
// for the profile to be written. Without -profile it does nothing. A
// profile that cannot be taken is reported, not fatal: it is an aid, not
// a figure.
func profileRow(ctx context.Context, o options, hub *harness.Hub, kind storeKind, row string, d time.Duration) (wait func()) {
	if o.profile == "" {
		return func() {}
	}
	var done sync.WaitGroup
	done.Go(func() {
		prof, err := hub.CPUProfile(ctx, d)
		if err == nil {
			err = os.WriteFile(filepath.Join(o.profile, string(kind)+"-"+row+".pprof"), prof, 0o644)
		}
		if err != nil {
			progress("  no CPU profile of %s on %s: %v", row, kind, err)
		}
	})
	return done.Wait
}
