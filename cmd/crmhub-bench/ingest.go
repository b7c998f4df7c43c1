package main

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/crmhub/crmhub/e2e/harness"
)

// warmUp is how long each server is loaded before a measurement, so
// connections are open and heaps have grown.
const warmUp = time.Second

// ingest is the webhook endpoint measured beside the bare handler, with
// the workers idle; the same load while they work is endToEnd.busy.
type ingest struct {
	bare, hub harness.Result
	// bareCPU and hubCPU are what the processes used during each's turns.
	bareCPU, hubCPU cpuUse
	// commits is where the hub's webhooks waited to be committed, and
	// connection how busy its SQLite connection was in its turns.
	commits    commitSteps
	connection connectionUse
	// half is the hub loaded once more, paced to half the bare handler's
	// rate, the rate the ratio's goal names: its acks timed at that rate,
	// not at saturation (unless the hub cannot take that rate either).
	half harness.Result
}

// measureIngest loads the bare handler and /hooks/klicktipp, one after the
// other, with the same webhooks over the same number of connections. The
// hub's plugin is left unconfigured (a wrong password), so its workers stay
// idle and only ingest is measured: accept, group commit with fsync, 202.
// The bare handler's figure is the yardstick of both ingest rows.
func measureIngest(ctx context.Context, bins harness.Binaries, kind storeKind, o options) (ingest, error) {
	db, err := newDatabase(ctx, kind, o.pgURL)
	if err != nil {
		return ingest{}, err
	}
	defer db.drop()
	kt := harness.StartKlickTipp()
	defer kt.Close()
	settings := kt.Settings()
	settings["password"] = "not-the-password"

	hub, err := harness.Start(ctx, bins, harness.Config{Dir: db.dir, Database: db.url, Settings: settings, LogLevel: "warn",
		Pprof: o.pprof()})
	if err != nil {
		return ingest{}, err
	}
	defer stopHub(hub)
	bare, err := startBare()
	if err != nil {
		return ingest{}, err
	}
	defer bare.stop()

	hooks := func(i int) harness.Hook {
		id := strconv.Itoa(1_000_000 + i)
		return harness.Hook{CRM: "klicktipp", Action: "add", Key: hub.Config.AccessKey,
			Form: url.Values{"SubscriberID": {id}, "email": {"contact" + id + "@example.com"}}}
	}
	load := func(base string, d time.Duration) harness.Result {
		l := harness.Load{URL: base, Connections: o.connections, Duration: d, Hook: hooks}
		return l.Run(ctx)
	}
	paced := func(base string, d time.Duration, rate float64) harness.Result {
		l := harness.Load{URL: base, Connections: o.connections, Duration: d, Hook: hooks, Rate: rate}
		return l.Run(ctx)
	}
	load(bare.URL, warmUp)
	load(hub.URL, warmUp)
	// The machine's speed drifts within seconds; loading the two in turns
	// lets a drift fall on both alike, which the ratio of one to the
	// other needs.
	var got ingest
	progress("  ingest: bare handler and /hooks/klicktipp in %d turns each, %d connections, %s in all each",
		ingestTurns, o.connections, o.duration)
	turn := o.duration / ingestTurns
	bareProcs, hubProcs := procs{servers: []int{bare.cmd.Process.Pid}}, procsOf(hub)
	before, err := readMetrics(ctx, hub)
	if err != nil {
		return ingest{}, err
	}
	for range ingestTurns {
		mark := markCPU(bareProcs)
		got.bare = got.bare.Then(load(bare.URL, turn))
		got.bareCPU = got.bareCPU.plus(mark.since(bareProcs))
		mark = markCPU(hubProcs)
		got.hub = got.hub.Then(load(hub.URL, turn))
		got.hubCPU = got.hubCPU.plus(mark.since(hubProcs))
	}
	after, err := readMetrics(ctx, hub)
	if err != nil {
		return ingest{}, err
	}
	got.commits = commitTotalsOf(after).since(commitTotalsOf(before))
	got.connection = connectionTotalsOf(after).since(connectionTotalsOf(before), got.hub.Elapsed)
	// At saturation an ack also waits for the other connections' (64 ÷
	// throughput on average); paced, it waits for the hub alone.
	if got.bare.OK > 0 {
		progress("  ingest: /hooks/klicktipp at half the bare handler's rate, %s", o.duration)
		got.half = paced(hub.URL, o.duration, got.bare.PerSecond()/2)
	}
	if o.pprof() { // a load of its own, so profiling slows no turn
		profiled := profileRow(ctx, o, hub, kind, "ingest", o.duration)
		load(hub.URL, o.duration)
		profiled()
	}
	return got, ctx.Err()
}

// ingestTurns is how many times ingest alone loads each of the bare
// handler and the hub, in turns.
const ingestTurns = 3

// stopHub stops a hub and says so if it did not stop cleanly.
func stopHub(hub *harness.Hub) {
	if err := hub.Stop(); err != nil {
		progress("the hub on %s did not stop cleanly: %v\n%s", hub.Addr, err, hub.LogTail(20))
	}
}

// pluginTimeout bounds the wait for a hub's plugin to run.
const pluginTimeout = time.Minute

// waitPlugin waits until the hub's plugin of crm runs, for at most
// pluginTimeout.
func waitPlugin(ctx context.Context, hub *harness.Hub, crm string) error {
	ctx, cancel := context.WithTimeout(ctx, pluginTimeout)
	defer cancel()
	if err := hub.WaitForPlugin(ctx, crm, "running"); err != nil {
		return fmt.Errorf("%w; the hub's log ends:\n%s", err, hub.LogTail(10))
	}
	return nil
}

// failure describes a load that got answers other than 2xx, or none.
func failure(r harness.Result) string {
	if r.Refused == 0 && r.Failed == 0 {
		return ""
	}
	msg := fmt.Sprintf("%d of %d not 2xx", r.Refused+r.Failed, r.Sent)
	for _, status := range slices.Sorted(maps.Keys(r.Statuses)) {
		if n := r.Statuses[status]; status < 200 || status > 299 {
			msg += fmt.Sprintf(", %d×%d", n, status)
		}
	}
	if r.Failed > 0 {
		msg += fmt.Sprintf(", %d unanswered (the first: %v)", r.Failed, r.FirstFailure)
	}
	return msg
}
