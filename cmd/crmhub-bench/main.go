// Command crmhub-bench measures crmhub as it runs for an operator — the
// real binaries, `crmhub serve` as its own process, the KlickTipp and
// HubSpot plugins against fakes of their APIs on loopback — and prints one
// table for SQLite and PostgreSQL: webhook ingest beside a bare net/http
// handler, alone and while the workers apply what arrives; end-to-end
// throughput and latency, the latter also over 100,000 stored events; add
// beside a pool that only hashes passwords; HubSpot's batches of 100
// contacts; three hubs on one PostgreSQL database beside one; resident
// memory; the GetContact round trip through the plugin host; the web
// console's events page over 100,000 stored events; and pushing users to
// an app. `make bench` runs it; -profile saves the hub's CPU profiles,
// -trace its execution traces.
//
// A figure whose run got any answer but 2xx is printed as a failure, not as
// throughput. The goals in the last column are what the project aims for;
// the program reports, it does not judge.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/internal/pgscratch"
	"github.com/crmhub/crmhub/internal/testbin"
)

// options are the bench's knobs; the defaults finish in about five
// minutes on a two-core machine.
type options struct {
	hub, plugin string        // binaries; empty: build them
	hubspot     string        // the HubSpot plugin's binary; empty: build it
	connections int           // concurrent connections of the ingest load
	duration    time.Duration // of each ingest measurement
	users       int           // contacts created in the end-to-end run
	rounds      int           // update_tags per user after creation
	rate        float64       // webhooks per second of the steady run
	steady      time.Duration // length of the steady run
	batch       int           // HubSpot contacts of the batch run
	stores      string        // which stores to measure
	pgURL       string        // PostgreSQL server, for a scratch database
	profile     string        // directory for the hub's CPU profiles; "" takes none
	trace       string        // directory for the hub's execution traces; "" takes none
}

// pprof reports whether the hubs serve Go's profiler: for -profile or -trace.
func (o options) pprof() bool { return o.profile != "" || o.trace != "" }

func main() {
	var o options
	bare := flag.Bool("bare", false, "serve the bare handler on a free port and print its address (used by the bench itself)")
	flag.StringVar(&o.hub, "hub", "", "the crmhub binary (default: build it)")
	flag.StringVar(&o.plugin, "plugin", "", "the crmhub-plugin-klicktipp binary (default: build it)")
	flag.StringVar(&o.hubspot, "hubspot", "", "the crmhub-plugin-hubspot binary (default: build it)")
	flag.IntVar(&o.connections, "connections", 64, "concurrent connections of the ingest load")
	flag.DurationVar(&o.duration, "duration", 3*time.Second, "length of each ingest measurement")
	flag.IntVar(&o.users, "users", 400, "users the end-to-end run creates")
	flag.IntVar(&o.rounds, "rounds", 4, "update_tags webhooks per user after they are created")
	flag.Float64Var(&o.rate, "rate", 100, "webhooks per second of the steady latency run")
	flag.DurationVar(&o.steady, "steady", 5*time.Second, "length of the steady latency run")
	flag.IntVar(&o.batch, "batch", 300, "HubSpot contacts the batch run creates and updates, 100 to a request")
	flag.StringVar(&o.profile, "profile", "", "write the hub's CPU profile of each loaded row to `DIR`/<store>-<row>.pprof")
	flag.StringVar(&o.trace, "trace", "", "write the hub's execution trace of each loaded row to `DIR`/<store>-<row>.trace")
	flag.StringVar(&o.stores, "stores", "sqlite,postgres", "stores to measure")
	flag.StringVar(&o.pgURL, "pg", pgscratch.URL(), "PostgreSQL server for a scratch database (CRMHUBTEST_PG_URL)")
	flag.Parse()

	if *bare {
		if err := serveBare(); err != nil {
			fmt.Fprintln(os.Stderr, "crmhub-bench -bare:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "crmhub-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	bins, err := binaries(&o)
	defer testbin.Cleanup() // what Build made
	if err != nil {
		return err
	}
	for name, dir := range map[string]string{"-profile": o.profile, "-trace": o.trace} {
		if dir == "" {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	started := time.Now()
	report := &report{opts: o}
	for _, name := range strings.Split(o.stores, ",") {
		kind := storeKind(strings.TrimSpace(name))
		if kind != sqlite && kind != postgres {
			return fmt.Errorf("-stores: %q is neither sqlite nor postgres", name)
		}
		progress("%s:", kind)
		report.columns = append(report.columns, measureStore(ctx, bins, kind, o))
	}
	progress("GetContact round trip through the host")
	report.getContact, report.getContactErr = measureGetContact(ctx, bins)
	report.machine = describeMachine(ctx, o)
	report.took = time.Since(started)
	report.print(os.Stdout)
	return nil
}

// binaries are the ones named by flags, or freshly built; o.hubspot is
// set to the HubSpot plugin's.
func binaries(o *options) (harness.Binaries, error) {
	if o.hubspot == "" {
		progress("building the HubSpot plugin (-hubspot takes a built one)")
		path, err := harness.BuildPlugin("hubspot")
		if err != nil {
			return harness.Binaries{}, err
		}
		o.hubspot = path
	}
	// A hub runs in a directory of its own, where a relative path would
	// lead nowhere (harness.Binaries are made absolute by Start).
	hubspot, err := filepath.Abs(o.hubspot)
	if err != nil {
		return harness.Binaries{}, fmt.Errorf("locate the HubSpot plugin: %w", err)
	}
	o.hubspot = hubspot
	if o.hub != "" || o.plugin != "" {
		if o.hub == "" || o.plugin == "" {
			return harness.Binaries{}, errors.New("-hub and -plugin go together")
		}
		return harness.Binaries{Hub: o.hub, KlickTipp: o.plugin}, nil
	}
	progress("building crmhub and the KlickTipp plugin (-hub and -plugin take built ones)")
	return harness.Build()
}

// progress tells the person waiting what is being measured.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
