package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/e2e/harness"
)

// column is one store's figures, or why they are missing.
type column struct {
	kind      storeKind
	ingest    ingest
	ingestErr error
	e2e       endToEnd
	e2eErr    error
	batch     hubspotBatch
	batchErr  error
	apps      delivery
	appsErr   error
}

// measureStore measures ingest, the end-to-end path (the console among
// it), HubSpot's batches and the apps on one store, each on a hub and a
// database of its own.
func measureStore(ctx context.Context, bins harness.Binaries, kind storeKind, o options) column {
	col := column{kind: kind}
	col.ingest, col.ingestErr = measureIngest(ctx, bins, kind, o)
	col.e2e, col.e2eErr = measureEndToEnd(ctx, bins, kind, o)
	col.batch, col.batchErr = measureBatch(ctx, bins, kind, o)
	col.apps, col.appsErr = measureDelivery(ctx, bins, kind, o)
	for part, err := range col.errors() {
		progress("  %s failed: %v", part, err)
	}
	return col
}

// errors are the parts that failed, by name.
func (c column) errors() map[string]error {
	parts := map[string]error{"ingest": c.ingestErr, "end-to-end": c.e2eErr, "scale-out": c.e2e.scaleErr,
		"batch": c.batchErr, "console": c.e2e.consoleErr, "apps": c.appsErr}
	for part, err := range parts {
		if err == nil {
			delete(parts, part)
		}
	}
	return parts
}

// report is the bench's one table.
type report struct {
	columns       []column
	getContact    roundTrips
	getContactErr error
	machine       string
	took          time.Duration
	opts          options
}

// row is one line of the table: a label, a cell per store, and the goal.
type row struct {
	label string
	cell  func(c column) string
	goal  string
}

// rows are the table's lines, for a run with options o.
func rows(o options) []row {
	steadyRow := func(i int, stored int) row {
		return row{fmt.Sprintf("webhook → applied at %.0f/s, p50 / p99, %s events stored", o.rate, count(float64(stored))),
			func(c column) string {
				return e2eCell(c, func() string {
					if msg := steadyFailure(c.e2e.steady[i]); msg != "" {
						return "FAILED: " + msg
					}
					return pair(c.e2e.steady[i].Percentile(50), c.e2e.steady[i].Percentile(99))
				})
			}, "p50 < 5 ms SQLite, < 10 ms PostgreSQL"}
	}
	return []row{
		{"ingest: bare net/http handler, req/s", func(c column) string {
			return ingestCell(c, func() string { return orFailure(c.ingest.bare, count(c.ingest.bare.PerSecond())) })
		}, ""},
		{"  (bare handler p50 / p99)", func(c column) string {
			return ingestCell(c, func() string {
				return orFailure(c.ingest.bare, pair(c.ingest.bare.Percentile(50), c.ingest.bare.Percentile(99)))
			})
		}, ""},
		{"ingest alone: POST /hooks/klicktipp, req/s", func(c column) string {
			return ingestCell(c, func() string { return orFailure(c.ingest.hub, count(c.ingest.hub.PerSecond())) })
		}, ""},
		{"ingest alone: hub ÷ bare handler", func(c column) string {
			return ingestCell(c, func() string { return ofBare(c, c.ingest.hub) })
		}, "≥ 50% SQLite, ≥ 35% PostgreSQL"},
		{"ingest alone: ack p50 / p99", func(c column) string {
			return ingestCell(c, func() string {
				return orFailure(c.ingest.hub, pair(c.ingest.hub.Percentile(50), c.ingest.hub.Percentile(99)))
			})
		}, "p99 < 10 ms"},
		{"ingest alone at half the bare handler's rate: ack p50 / p99", func(c column) string {
			return ingestCell(c, func() string {
				half := c.ingest.half
				return orFailure(c.ingest.bare, orFailure(half,
					fmt.Sprintf("%s at %s/s", pair(half.Percentile(50), half.Percentile(99)), count(half.PerSecond()))))
			})
		}, ""},
		{"ingest alone: commits: queued / write / flush, webhooks each", func(c column) string {
			return ingestCell(c, func() string { return orFailure(c.ingest.hub, c.ingest.commits.String()) })
		}, ""},
		{"ingest alone: SQLite writing: webhooks / shared / other", func(c column) string {
			return ingestCell(c, func() string { return orFailure(c.ingest.hub, c.ingest.connection.String()) })
		}, ""},
		{"ingest alone: CPU µs/webhook: hub / database / load, idle cores", func(c column) string {
			return ingestCell(c, func() string {
				cpu := c.ingest.hubCPU
				return orFailure(c.ingest.hub, cpu.perEvent(c.ingest.hub.OK, cpu.servers, cpu.database, cpu.bench))
			})
		}, ""},
		{"  (bare handler: CPU µs/request: server / load, idle cores)", func(c column) string {
			return ingestCell(c, func() string {
				cpu := c.ingest.bareCPU
				return orFailure(c.ingest.bare, cpu.perEvent(c.ingest.bare.OK, cpu.servers, cpu.bench))
			})
		}, ""},
		{"ingest while processing: req/s", func(c column) string {
			return e2eCell(c, func() string { return orFailure(c.e2e.busy.load, count(c.e2e.busy.load.PerSecond())) })
		}, ""},
		{"ingest while processing: hub ÷ bare handler", func(c column) string {
			return e2eCell(c, func() string { return ingestCell(c, func() string { return ofBare(c, c.e2e.busy.load) }) })
		}, "≥ 25% on both"},
		{"ingest while processing: ack p50 / p99", func(c column) string {
			return e2eCell(c, func() string {
				return orFailure(c.e2e.busy.load, pair(c.e2e.busy.load.Percentile(50), c.e2e.busy.load.Percentile(99)))
			})
		}, "p99 < 20 ms"},
		{"ingest while processing: drain after the load", func(c column) string {
			return e2eCell(c, func() string { return orFailure(c.e2e.busy.load, seconds(c.e2e.busy.drain)) })
		}, ""},
		{"  CRM lookups per event (GetContact calls)", func(c column) string {
			return e2eCell(c, func() string {
				busy := c.e2e.busy
				return orFailure(busy.load, perEvent(busy.lookups, busy.load.OK))
			})
		}, ""},
		{"end-to-end: add, new users/s", func(c column) string {
			return e2eCell(c, func() string { return batchCell(c.e2e.create) })
		}, ""},
		{"  CPU µs/user: hub / plugin / database / bench, idle cores", func(c column) string {
			return e2eCell(c, func() string { return burstCPU(c.e2e.create) })
		}, ""},
		{fmt.Sprintf("  hashing pool: HashPassword × %d goroutines, /s", runtime.NumCPU()), func(c column) string {
			return e2eCell(c, func() string { return count(c.e2e.hashing) })
		}, ""},
		{"  add ÷ hashing pool", func(c column) string {
			return e2eCell(c, func() string {
				if batchFailure(c.e2e.create) != "" || c.e2e.hashing == 0 {
					return "—"
				}
				return percent(c.e2e.create.perSecond() / c.e2e.hashing)
			})
		}, "≥ 90%"},
		{"end-to-end: update_tags, events/s", func(c column) string {
			return e2eCell(c, func() string { return batchCell(c.e2e.update) })
		}, "≥ 3,000 SQLite, ≥ 1,500 PostgreSQL"},
		{"  CPU µs/event: hub / plugin / database / bench, idle cores", func(c column) string {
			return e2eCell(c, func() string { return burstCPU(c.e2e.update) })
		}, ""},
		{"  SQLite writing: webhooks / shared / other, calls a tx", func(c column) string {
			return e2eCell(c, func() string { return burstConnection(c.e2e.update) })
		}, ""},
		{"  CRM lookups per event (GetContact calls)", func(c column) string {
			return e2eCell(c, func() string { return burstLookups(c.e2e.update) })
		}, ""},
		{"end-to-end: update_tags, each changing its user, events/s", func(c column) string {
			return e2eCell(c, func() string { return batchCell(c.e2e.retag) })
		}, ""},
		{"  CPU µs/event: hub / plugin / database / bench, idle cores", func(c column) string {
			return e2eCell(c, func() string { return burstCPU(c.e2e.retag) })
		}, ""},
		{"  per event: CRM lookups / user events published", func(c column) string {
			return e2eCell(c, func() string {
				if batchFailure(c.e2e.retag) != "" {
					return "—"
				}
				return perEvent(c.e2e.retag.lookups, c.e2e.retag.events) + " / " + perEvent(c.e2e.retag.changes, c.e2e.retag.events)
			})
		}, ""},
		{"scale-out: update_tags through 1 hub, events/s, ack p99", func(c column) string {
			return scaleCell(c, func() string { return burstCell(c.e2e.update) })
		}, ""},
		{fmt.Sprintf("scale-out: through %d hubs on one database", replicas), func(c column) string {
			return scaleCell(c, func() string { return burstCell(c.e2e.scaled) })
		}, ""},
		{"  CPU µs/event: hubs / plugins / database / bench, idle cores", func(c column) string {
			return scaleCell(c, func() string { return burstCPU(c.e2e.scaled) })
		}, ""},
		{fmt.Sprintf("batch: HubSpot, %d contacts a request, items/s", batchSize), func(c column) string {
			return batchRunCell(c, func() string { return batchCell(c.batch.batch) })
		}, ""},
		{"batch: requests taken/s, ack p50 / p99", func(c column) string {
			return batchRunCell(c, func() string {
				sent := c.batch.sent
				return orFailure(sent, count(sent.PerSecond())+", "+pair(sent.Percentile(50), sent.Percentile(99)))
			})
		}, ""},
		steadyRow(0, o.users+warmupAdds),
		steadyRow(1, historySize),
		{"apps: add → user.created at the app, events/s", func(c column) string {
			return appsCell(c, func() string { return count(c.apps.perSecond()) })
		}, ""},
		{"apps: commit → received by the app, p50 / p99", func(c column) string {
			return appsCell(c, func() string {
				return pair(harness.Percentile(c.apps.lags, 50), harness.Percentile(c.apps.lags, 99))
			})
		}, ""},
		{"hub RSS: idle / under load", func(c column) string {
			return e2eCell(c, func() string { return mib(c.e2e.memory.hubIdle, c.e2e.memory.hubLoad) })
		}, "idle < 40 MiB, load < 80 MiB"},
		{"plugin RSS: idle / under load", func(c column) string {
			return e2eCell(c, func() string { return mib(c.e2e.memory.pluginIdle, c.e2e.memory.pluginLoad) })
		}, ""},
		consoleRow(0, "console: 50 events of "+count(historySize)+", p50 / p99"),
		consoleRow(1, "console: 50 dead events of "+count(historySize)+", p50 / p99"),
	}
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "crmhub bench, %s (took %s)\n", time.Now().Format("2006-01-02"), r.took.Round(time.Second))
	fmt.Fprintf(w, "machine: %s\n\n", r.machine)
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	header := []string{""}
	for _, c := range r.columns {
		header = append(header, c.kind.title())
	}
	fmt.Fprintln(tw, strings.Join(append(header, "goal"), "\t"))
	for _, rw := range rows(r.opts) {
		cells := []string{rw.label}
		for _, c := range r.columns {
			cells = append(cells, rw.cell(c))
		}
		fmt.Fprintln(tw, strings.Join(append(cells, rw.goal), "\t"))
	}
	gc := "FAILED: " + fmt.Sprint(r.getContactErr)
	if r.getContactErr == nil {
		gc = pair(r.getContact.p50, r.getContact.p99)
	}
	fmt.Fprintf(tw, "GetContact through the host, p50 / p99\t%s\t(no store involved)\t\n", gc)
	tw.Flush()
	for line := range strings.Lines(table.String()) {
		fmt.Fprintln(w, strings.TrimRight(line, " \n")) // empty goal cells leave spaces
	}
	fmt.Fprint(w, "\n"+notes(r.opts))
	for _, c := range r.columns {
		for _, part := range slices.Sorted(maps.Keys(c.errors())) {
			fmt.Fprintf(w, "\n%s, %s: %v", c.kind.title(), part, c.errors()[part])
		}
	}
	fmt.Fprintln(w)
}

// notes say how the table's figures were taken.
func notes(o options) string {
	return fmt.Sprintf(`ingest: %d connections for %s each. Alone: the hub's plugin unconfigured, so only ingest runs;
the bare handler and the hub loaded in turns, %d of each, so the machine's drift falls on both.
At half the bare handler's rate: the hub again, the requests paced to half the bare handler's
req/s (still up to %d at once), so each ack is timed at the goal's rate, not at saturation; the rate
reached beside it (short of the asked when the hub cannot take it).
While processing: update_tags of the end-to-end users while the workers apply them; the drain is
from the load's end until every event is final. Both are set beside the same bare handler.
end-to-end: default inbox (%d workers), rate_limit raised; %d users created untimed to warm the hub,
then %d timed (add hashes each new password with argon2id; the hashing pool does nothing else just
before, in turns of %s until two in a row of %d hashes or more read within %.0f%%, their mean its
figure), then %d
update_tags per user, each burst timed from the first webhook sent until every event is final; their
contacts' tags are as the users have them, so they change nothing. "Each changing its user": %d
rounds of one update_tags per user, each round sent just after the bench changed every contact's
tags in the fake KlickTipp, as KlickTipp sends one when they change; the rounds timed and summed.
Scale-out (PostgreSQL): the update_tags again through %d hubs sharing the database, spread over them.
batch: HubSpot (protocol 2) creates %d users, %d contacts to a signed request, then sends
%d contact.propertyChange per contact, all requests at once; items/s until every item is final.
steady: update_tags at %.0f/s for %s with ?wait=, timed by the client from sending to the final
answer, after the adds and again once finished events of the same contacts fill the store to %s.
RSS under load: the peak (the kernel's VmHWM) while the adds, update_tags, scale-out and ingest
while processing run.
CPU: read from /proc around a row: per webhook, user or event, the servers' (the hub, the scale-out's hubs
summed, or the bare handler), their plugins', PostgreSQL's processes' (one started during the row
counted whole) and the bench's own (the load, the fake CRMs, the polling), then the cores left idle.
CRM lookups: the contacts the fake KlickTipp was asked for during the burst (or the load and its
drain), per event; an event applied with the contact as fetched, after it arrived, for an earlier one
of its contact asks for none.
SQLite writing: the share of the row's time the hub's one SQLite connection spent in write
transactions (crmhub_sqlite_transaction_seconds_total), storing webhooks, in the shared ones that
apply, claim and save decodes, and in others; then the calls a shared transaction carried.
console: GET /ui/events signed in, %d times after as many to warm up, from request to the
page's last byte, on the end-to-end hub after the second steady run; one in a hundred of the
stored finished events dead.
apps: another hub pushes each of %d adds' user.created to an app on loopback; timed from the
first add sent to the last event received, and per event from its commit to its arrival.
`, o.connections, o.duration, ingestTurns, o.connections, defaultWorkers(), warmupAdds, o.users, hashingTurn, hashingMinHashes, hashingSettled*100, o.rounds, o.rounds, replicas,
		o.batch/batchSize*batchSize, batchSize, o.rounds, o.rate, o.steady, count(historySize),
		consolePages, o.users)
}

// defaultWorkers is inbox.workers as a hub without a config file has it.
func defaultWorkers() int {
	c, err := config.Load("")
	if err != nil {
		return 0
	}
	return c.Inbox.Workers
}

// consoleRow is the timing of the i-th of consolePaths.
func consoleRow(i int, label string) row {
	return row{label, func(c column) string {
		return e2eCell(c, func() string {
			if c.e2e.consoleErr != nil {
				return "n/a"
			}
			console := c.e2e.console
			return pair(harness.Percentile(console[i], 50), harness.Percentile(console[i], 99))
		})
	}, "well under 100 ms"}
}

func ingestCell(c column, f func() string) string {
	if c.ingestErr != nil {
		return "n/a"
	}
	return f()
}

// ofBare is a load's rate as a share of the bare handler's.
func ofBare(c column, r harness.Result) string {
	if failure(c.ingest.bare) != "" || failure(r) != "" || c.ingest.bare.PerSecond() == 0 {
		return "—"
	}
	return percent(r.PerSecond() / c.ingest.bare.PerSecond())
}

// scaleCell is a scale-out figure: PostgreSQL only, SQLite being for one
// process.
func scaleCell(c column, f func() string) string {
	if c.kind != postgres {
		return "—"
	}
	if c.e2e.scaleErr != nil {
		return "n/a"
	}
	return e2eCell(c, f)
}

func batchRunCell(c column, f func() string) string {
	if c.batchErr != nil {
		return "n/a"
	}
	return f()
}

// burstCell is a burst's events per second and its ack p99.
func burstCell(b batch) string {
	if msg := batchFailure(b); msg != "" {
		return "FAILED: " + msg
	}
	return count(b.perSecond()) + ", p99 " + duration(b.sent.Percentile(99))
}

func e2eCell(c column, f func() string) string {
	if c.e2eErr != nil {
		return "n/a"
	}
	return f()
}

func appsCell(c column, f func() string) string {
	if c.appsErr != nil {
		return "n/a"
	}
	return f()
}

func batchCell(b batch) string {
	if msg := batchFailure(b); msg != "" {
		return "FAILED: " + msg
	}
	return count(b.perSecond())
}

// burstCPU is a burst's CPU per event, by process; none for a burst
// that failed.
func burstCPU(b batch) string {
	if batchFailure(b) != "" {
		return "—"
	}
	return b.cpu.perEvent(b.events, b.cpu.servers, b.cpu.plugins, b.cpu.database, b.cpu.bench)
}

// burstConnection is how busy a burst kept SQLite's connection; none for
// a burst that failed, or on PostgreSQL.
func burstConnection(b batch) string {
	if batchFailure(b) != "" {
		return "—"
	}
	return b.connection.withCalls()
}

// burstLookups is the contacts looked up at the CRM per event of a burst.
func burstLookups(b batch) string {
	if batchFailure(b) != "" {
		return "—"
	}
	return perEvent(b.lookups, b.events)
}

// perEvent is n for each of events, to two places.
func perEvent(n, events int) string {
	if events == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(n)/float64(events), 'f', 2, 64)
}

// batchFailure describes a burst that got answers other than 2xx, or
// whose events were not all applied.
func batchFailure(b batch) string {
	if msg := failure(b.sent); msg != "" {
		return msg
	}
	if b.unapplied > 0 {
		return fmt.Sprintf("%d of %d not applied", b.unapplied, b.events)
	}
	return ""
}

func orFailure(r harness.Result, s string) string {
	if msg := failure(r); msg != "" {
		return "FAILED: " + msg
	}
	return s
}

// count writes a rate with thousands separated: 12,345.
func count(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// pair writes two durations in one unit: "1.2 / 8.3 ms".
func pair(a, b time.Duration) string {
	if b < time.Millisecond {
		return fmt.Sprintf("%.0f / %.0f µs", float64(a)/float64(time.Microsecond), float64(b)/float64(time.Microsecond))
	}
	return fmt.Sprintf("%.1f / %.1f ms", float64(a)/float64(time.Millisecond), float64(b)/float64(time.Millisecond))
}

// duration writes one duration as pair does.
func duration(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func percent(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) }

func mib(a, b int64) string {
	return fmt.Sprintf("%.0f / %.0f MiB", float64(a)/(1<<20), float64(b)/(1<<20))
}
