package main

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/e2e/harness"
	"github.com/crmhub/crmhub/plugins/klicktipp/fakeklicktipp"
)

// settleTime lets a freshly started hub and plugin come to rest before
// their idle memory is read.
const settleTime = 2 * time.Second

// applyTimeout bounds the wait for a batch of webhooks to be applied.
const applyTimeout = 2 * time.Minute

// warmupAdds is how many users the hub creates, untimed, before the
// measured adds. A fresh hub first grows its heap, and on a VM where a
// page fault is dear those first seconds of hashing pay for them: on the
// shared EPYC, 10,000 faults a second and a core in the kernel for a
// third of the adds' time. An operator's hub has long grown its heap.
const warmupAdds = 100

// historySize is how many events the store holds for the second steady
// run: enough history to show whether latency stays flat as it grows.
const historySize = 100_000

// replicas is how many hubs share one PostgreSQL database in the
// scale-out run.
const replicas = 3

// endToEnd is what one hub did with webhooks that reach users.
type endToEnd struct {
	create, update batch
	// retag are update_tags that change their users' tags (retagRounds).
	retag batch
	// hashing is what the hashing pool reached just before the adds.
	hashing float64
	// busy is the ingest load again, now while the workers apply it.
	busy busyIngest
	// steady are the steady runs after the users were created and over
	// historySize stored events.
	steady [2]harness.Result
	memory memory
	// scaled is the update burst again through replicas hubs on one
	// PostgreSQL database; scaleErr says why it is missing.
	scaled   batch
	scaleErr error
	// console are the console's timings over historySize events;
	// consoleErr says why they are missing.
	console    consoleTimes
	consoleErr error
}

// batch is a burst of webhooks, sent as fast as the hub takes them, and
// how long it took from the first sent to the last applied.
type batch struct {
	sent    harness.Result
	events  int
	elapsed time.Duration
	// unapplied counts events that ended other than done and applied
	// (failed, dead, or coalesced into another).
	unapplied int
	// cpu is what the processes used meanwhile, every hub's of a
	// scale-out and every plugin's summed.
	cpu cpuUse
	// connection is how busy the hub's SQLite connection was meanwhile
	// (a burst through one hub on SQLite).
	connection connectionUse
	// lookups counts the contacts the fake KlickTipp was asked for
	// meanwhile (GET /subscriber/{id}).
	lookups int
	// changes counts the user events the hub published meanwhile: one
	// for each event that changed its user.
	changes int
}

func (b batch) perSecond() float64 { return float64(b.events) / b.elapsed.Seconds() }

// then sums up b and a burst after it as one: their events over their
// times. The share of SQLite's connection is not summed.
func (b batch) then(o batch) batch {
	return batch{sent: b.sent.Then(o.sent), events: b.events + o.events, elapsed: b.elapsed + o.elapsed,
		unapplied: b.unapplied + o.unapplied, cpu: b.cpu.plus(o.cpu), lookups: b.lookups + o.lookups,
		changes: b.changes + o.changes}
}

// busyIngest is an ingest load taken while the workers apply it, and how
// long they took to finish after it ended.
type busyIngest struct {
	load  harness.Result
	drain time.Duration
	// lookups counts the contacts the fake KlickTipp was asked for, from
	// the load's start until its last event was final.
	lookups int
}

// e2eHub is the end-to-end run's hub and what its steps share.
type e2eHub struct {
	*harness.Hub
	kt       *harness.KlickTipp
	st       *store.Store
	contacts []contact
	kind     storeKind
	o        options
}

// measureEndToEnd runs a hub whose plugin talks to a fake KlickTipp with
// o.users contacts: it creates a user for each (add), times update_tags
// at a steady o.rate, sends o.rounds update_tags per user (on PostgreSQL
// again through three hubs), loads ingest while the workers apply it,
// fills the store to historySize events, times the steady rate again and
// the console's events page.
func measureEndToEnd(ctx context.Context, bins harness.Binaries, kind storeKind, o options) (endToEnd, error) {
	var got endToEnd
	db, err := newDatabase(ctx, kind, o.pgURL)
	if err != nil {
		return got, err
	}
	defer db.drop()
	kt := harness.StartKlickTipp()
	defer kt.Close()
	seeded := seed(kt, o.users+warmupAdds)
	contacts, warmup := seeded[:o.users], seeded[o.users:]

	hub, err := harness.Start(ctx, bins, harness.Config{Dir: db.dir, Database: db.url, KlickTipp: kt, LogLevel: "warn",
		Pprof: o.pprof()})
	if err != nil {
		return got, err
	}
	defer stopHub(hub)
	if err := waitPlugin(ctx, hub, "klicktipp"); err != nil {
		return got, err
	}
	st, err := store.Open(ctx, db.url)
	if err != nil {
		return got, err
	}
	defer st.Close()
	e := &e2eHub{Hub: hub, kt: kt, st: st, contacts: contacts, kind: kind, o: o}

	time.Sleep(settleTime)
	got.memory.hubIdle, got.memory.pluginIdle = rssOf(hub)
	progress("  end-to-end: add, warming up with %d users", warmupAdds)
	warm := harness.Load{URL: hub.URL, Connections: o.connections, Count: warmupAdds, Hook: adds(hub, warmup)}
	if _, err := sendAndApply(ctx, st, warm, warmupAdds); err != nil {
		return got, fmt.Errorf("warm-up adds: %w", err)
	}
	// Measured next to the adds, so both see the machine equally busy.
	progress("  hashing pool: secret.HashPassword on %d goroutines, in turns of %s until it settles", runtime.NumCPU(), hashingTurn)
	var turns []float64
	got.hashing, turns = measureHashing(ctx)
	progress("  hashing pool: %s hashes a second in its turns", rates(turns))
	peaks := watchPeaks(hub)

	progress("  end-to-end: add, creating %d users", o.users)
	got.create, err = e.burst(ctx, "add", o.users, adds(hub, contacts), hub)
	if err != nil {
		return got, fmt.Errorf("add: %w", err)
	}
	if err := e.analyze(ctx); err != nil {
		return got, err
	}
	if got.steady[0], err = e.steadyRun(ctx); err != nil {
		return got, err
	}
	progress("  end-to-end: update_tags, %d per user", o.rounds)
	got.update, err = e.burst(ctx, "update_tags", o.users*o.rounds, updateTags(hub, contacts), hub)
	if err != nil {
		return got, fmt.Errorf("update_tags: %w", err)
	}
	progress("  end-to-end: update_tags, %d rounds of one per user, each after its contact's tags changed", o.rounds)
	if got.retag, err = e.retagRounds(ctx); err != nil {
		return got, fmt.Errorf("update_tags after a change: %w", err)
	}
	if kind == postgres {
		got.scaled, got.scaleErr = e.scaleOut(ctx, bins)
	}
	if got.busy, err = e.ingestBusy(ctx); err != nil {
		return got, fmt.Errorf("ingest while processing: %w", err)
	}
	got.memory.hubLoad, got.memory.pluginLoad = peaks.peaks()
	if err := e.fillHistory(ctx); err != nil {
		return got, err
	}
	if err := e.analyze(ctx); err != nil {
		return got, err
	}
	if got.steady[1], err = e.steadyRun(ctx); err != nil {
		return got, err
	}
	got.console, got.consoleErr = timeConsole(ctx, hub)
	return got, nil
}

// burst sends n webhooks as fast as the hubs take them, spread over
// hubs, and times them until applied; the first hub's CPU profile of the
// row is taken meanwhile, and every hub's CPU read.
func (e *e2eHub) burst(ctx context.Context, row string, n int, hook func(i int) harness.Hook, hubs ...*harness.Hub) (batch, error) {
	profiled := profileRow(ctx, e.o, e.Hub, e.kind, row, burstProfile)
	defer profiled()
	return e.measure(ctx, n, hook, hubs...)
}

// measure sends n webhooks as fast as the hubs take them, spread over
// hubs, and times them until applied, reading what every process used
// meanwhile.
func (e *e2eHub) measure(ctx context.Context, n int, hook func(i int) harness.Hook, hubs ...*harness.Hub) (batch, error) {
	load := harness.Load{Connections: e.o.connections, Count: n,
		Request: func(ctx context.Context, i int) (*http.Request, error) {
			return hook(i).Request(ctx, hubs[i%len(hubs)].URL)
		}}
	processes := procsOf(hubs...)
	var before connectionTotals
	onSQLite := e.kind == sqlite && len(hubs) == 1
	if onSQLite {
		var err error
		if before, err = readConnectionTotals(ctx, hubs[0]); err != nil {
			return batch{}, err
		}
	}
	// Counted before the CPU is marked: the count is the bench's work,
	// not the database's for the hubs.
	changes, err := countChanges(ctx, e.st)
	if err != nil {
		return batch{}, err
	}
	start := time.Now()
	mark := markCPU(processes)
	lookups := e.kt.CallCount(getSubscriber)
	b, err := sendAndApply(ctx, e.st, load, n)
	b.cpu = mark.since(processes)
	b.lookups = e.kt.CallCount(getSubscriber) - lookups
	if err == nil {
		var after int
		after, err = countChanges(ctx, e.st)
		b.changes = after - changes
	}
	if onSQLite && err == nil {
		var after connectionTotals
		if after, err = readConnectionTotals(ctx, hubs[0]); err == nil {
			b.connection = after.since(before, time.Since(start))
		}
	}
	return b, err
}

// getSubscriber is KlickTipp's call that looks a contact up.
const getSubscriber = "GET /subscriber/"

// burstProfile is the length of a burst's CPU profile: its first seconds,
// which every burst of the defaults outlasts or nearly.
const burstProfile = 3 * time.Second

// adds is the i-th add webhook of a burst: one for each contact.
func adds(hub *harness.Hub, contacts []contact) func(i int) harness.Hook {
	return func(i int) harness.Hook {
		return hub.Hook("add", harness.Outbound(contacts[i].id, contacts[i].email))
	}
}

// updateTags is the i-th update_tags webhook of a burst over contacts,
// round i/len(contacts) of each. update_tags does not use the role
// parameter: each round sends its own, so no webhook is like another
// pending one, and none is coalesced into another.
func updateTags(hub *harness.Hub, contacts []contact) func(i int) harness.Hook {
	return func(i int) harness.Hook {
		c := contacts[i%len(contacts)]
		return hub.Hook("update_tags", harness.Outbound(c.id, c.email)).With("role", "round"+strconv.Itoa(i/len(contacts)))
	}
}

// retagRounds sends o.rounds rounds of update_tags, one for each user,
// each just after its contact's tags changed in KlickTipp, as KlickTipp
// sends one when they change: round r takes the tag Premium off every
// contact when r is even and puts it back when odd, then sends the
// round's webhooks as fast as the hub takes them. The rounds are timed
// until applied and summed, so that every event changes its user and
// publishes a user event. (In the burst, a contact's four webhooks are
// applied with its tags as they are by then, mostly unchanged.)
func (e *e2eHub) retagRounds(ctx context.Context) (batch, error) {
	var sum batch
	for r := range e.o.rounds {
		tags := []string{"11"}
		if r%2 == 1 {
			tags = append(tags, "12")
		}
		for _, c := range e.contacts {
			if err := e.kt.SetTags(c.id, tags, nil); err != nil {
				return sum, err
			}
		}
		b, err := e.measure(ctx, len(e.contacts), func(i int) harness.Hook {
			c := e.contacts[i]
			return e.Hook("update_tags", harness.Outbound(c.id, c.email))
		}, e.Hub)
		if err != nil {
			return sum, fmt.Errorf("round %d: %w", r+1, err)
		}
		sum = sum.then(b)
	}
	return sum, nil
}

// scaleOut sends the update_tags burst again through replicas hubs: this
// one and more started on its config, sharing its database, the load
// spread over them. The replicas are stopped when it is done.
func (e *e2eHub) scaleOut(ctx context.Context, bins harness.Binaries) (batch, error) {
	progress("  scale-out: update_tags, %d per user, through %d hubs on one database", e.o.rounds, replicas)
	more, err := harness.StartReplicas(ctx, bins, e.Config, replicas-1)
	if err != nil {
		return batch{}, fmt.Errorf("start replicas: %w", err)
	}
	defer func() {
		for _, h := range more {
			stopHub(h)
		}
	}()
	for _, h := range more {
		if err := waitPlugin(ctx, h, "klicktipp"); err != nil {
			return batch{}, err
		}
	}
	hubs := append([]*harness.Hub{e.Hub}, more...)
	return e.burst(ctx, "scale-out", e.o.users*e.o.rounds, updateTags(e.Hub, e.contacts), hubs...)
}

// ingestBusy loads the hub as measureIngest does — o.connections for
// o.duration — with update_tags of its users, while its workers apply
// them; then it times the drain, from the load's end until every event it
// made is final.
func (e *e2eHub) ingestBusy(ctx context.Context) (busyIngest, error) {
	after, err := lastEventID(ctx, e.st)
	if err != nil {
		return busyIngest{}, err
	}
	progress("  ingest while processing: update_tags, %d connections, %s, then the drain", e.o.connections, e.o.duration)
	profiled := profileRow(ctx, e.o, e.Hub, e.kind, "ingest-busy", e.o.duration)
	defer profiled()
	load := harness.Load{URL: e.URL, Connections: e.o.connections, Duration: e.o.duration, Hook: updateTags(e.Hub, e.contacts)}
	lookups := e.kt.CallCount(getSubscriber)
	got := busyIngest{load: load.Run(ctx)}
	ended := time.Now()
	if failure(got.load) != "" {
		return got, nil // reported as a failure
	}
	if err := waitFinal(ctx, e.st, after, got.load.OK); err != nil {
		return got, err
	}
	got.drain = time.Since(ended)
	got.lookups = e.kt.CallCount(getSubscriber) - lookups
	return got, nil
}

// fillHistory stores finished events of the end-to-end contacts until
// the store holds historySize events: the steady run then sends
// webhooks of contacts with a long history each, as well as into a
// large table.
func (e *e2eHub) fillHistory(ctx context.Context) error {
	stored, err := countEvents(ctx, e.st, 0)
	if err != nil {
		return err
	}
	if stored >= historySize {
		return nil
	}
	progress("  storing %s finished events of the same contacts", count(float64(historySize-stored)))
	return storeEvents(ctx, e.st, historySize-stored, e.contacts)
}

// analyze has PostgreSQL gather the statistics of the tables just filled,
// as autovacuum does within a minute or so of the change. A database made
// for the run has none yet, and without them the planner guesses that
// every condition such as crm = 'klicktipp' keeps 0.5% of the rows: it
// then reads whole indexes, and the steady rows would time the guess
// rather than the hub.
func (e *e2eHub) analyze(ctx context.Context) error {
	if e.kind != postgres {
		return nil
	}
	if _, err := e.st.DB().ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// steadyRun sends update_tags at a steady o.rate for o.steady, each with
// ?wait= so the client times it from sending to applied.
func (e *e2eHub) steadyRun(ctx context.Context) (harness.Result, error) {
	stored, err := countEvents(ctx, e.st, 0)
	if err != nil {
		return harness.Result{}, err
	}
	progress("  end-to-end: update_tags at %.0f/s for %s, each waiting for its outcome (%d events stored)", e.o.rate, e.o.steady, stored)
	steady := harness.Load{URL: e.URL, Connections: e.o.connections, Rate: e.o.rate, Duration: e.o.steady,
		Hook: func(i int) harness.Hook {
			c := e.contacts[i%len(e.contacts)]
			return e.Hook("update_tags", harness.Outbound(c.id, c.email)).With("wait", "30s")
		}}
	return steady.Run(ctx), ctx.Err()
}

type contact struct{ id, email string }

// seed adds n contacts with two tags and a name to the fake.
func seed(kt *harness.KlickTipp, n int) []contact {
	kt.AddTag("11", "Kunde")
	kt.AddTag("12", "Premium")
	contacts := make([]contact, n)
	for i := range contacts {
		email := fmt.Sprintf("bench%06d@example.com", i)
		id := kt.AddSubscriber(fakeklicktipp.Subscriber{Email: email, ManualTags: []string{"11", "12"},
			Fields: map[string]string{"fieldFirstName": "Kim", "fieldLastName": "Bench"}})
		contacts[i] = contact{id: id, email: email}
	}
	return contacts
}

// sendAndApply sends load, a Count of webhooks as fast as they are
// taken, then waits until the events they made (events of them) are
// final, and times the whole from the first webhook sent.
func sendAndApply(ctx context.Context, st *store.Store, load harness.Load, events int) (batch, error) {
	after, err := lastEventID(ctx, st)
	if err != nil {
		return batch{}, err
	}
	start := time.Now()
	b := batch{sent: load.Run(ctx), events: events}
	if b.sent.OK != load.Count {
		return b, nil // reported as a failure
	}
	if err := waitFinal(ctx, st, after, events); err != nil {
		return b, err
	}
	b.elapsed = time.Since(start)
	applied, err := countApplied(ctx, st, after)
	b.unapplied = events - applied
	return b, err
}

// waitFinal waits until the n events after id are final (done, failed or
// dead), for at most applyTimeout. Call it once every webhook that makes
// them has been taken: it polls until no event after id is left to
// finish, then counts the final ones once.
//
// Each poll asks only whether one unfinished event is left, which the
// index of events by status answers at once. Counting the final ones at
// every poll read the whole burst again: on PostgreSQL 1 ms of the
// server's CPU a poll, a hundred polls a second, which the hubs under
// measurement lost and the database's CPU row counted as theirs.
func waitFinal(ctx context.Context, st *store.Store, after int64, n int) error {
	ctx, cancel := context.WithTimeout(ctx, applyTimeout)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		left, err := st.DB().NewSelect().Model((*store.Event)(nil)).Where("id > ?", after).
			Where("status IN (?)", bun.In(unfinished)).Exists(ctx)
		if err != nil {
			return fmt.Errorf("look for unfinished events: %w", err)
		}
		if !left {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("events still unfinished after %s: %w", applyTimeout, ctx.Err())
		case <-tick.C:
		}
	}
	final, err := countEvents(ctx, st, after, store.StatusDone, store.StatusFailed, store.StatusDead)
	if err == nil && final < n {
		err = fmt.Errorf("%d of %d events final, and none left to finish", final, n)
	}
	return err
}

// unfinished are the statuses of an event not final yet.
var unfinished = []string{store.StatusReceived, store.StatusPending, store.StatusProcessing, store.StatusRetrying}

func lastEventID(ctx context.Context, st *store.Store) (int64, error) {
	var id int64
	err := st.DB().NewSelect().Model((*store.Event)(nil)).ColumnExpr("coalesce(max(id), 0)").Scan(ctx, &id)
	if err != nil {
		return 0, fmt.Errorf("read the last event id: %w", err)
	}
	return id, nil
}

// countChanges counts the user events in the change feed.
func countChanges(ctx context.Context, st *store.Store) (int, error) {
	n, err := st.DB().NewSelect().Model((*store.Change)(nil)).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count the user events: %w", err)
	}
	return int(n), nil
}

// countEvents counts the events after id in one of the statuses, or in
// any when none is named.
func countEvents(ctx context.Context, st *store.Store, after int64, statuses ...string) (int, error) {
	q := st.DB().NewSelect().Model((*store.Event)(nil)).Where("id > ?", after)
	if len(statuses) > 0 {
		q = q.Where("status IN (?)", bun.In(statuses))
	}
	n, err := q.Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return int(n), nil
}

// countApplied counts the events after id that were applied themselves.
func countApplied(ctx context.Context, st *store.Store, after int64) (int, error) {
	n, err := st.DB().NewSelect().Model((*store.Event)(nil)).
		Where("id > ? AND status = ? AND coalesced_into IS NULL", after, store.StatusDone).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count applied events: %w", err)
	}
	return int(n), nil
}

// steadyFailure describes a steady run in which an event was not final
// within its wait, or a webhook was refused.
func steadyFailure(r harness.Result) string {
	if msg := failure(r); msg != "" {
		return msg
	}
	if late := r.Sent - r.Statuses[http.StatusOK]; late > 0 {
		return fmt.Sprintf("%d of %d not applied within their wait", late, r.Sent)
	}
	return ""
}
