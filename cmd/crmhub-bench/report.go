package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crmhub/crmhub/e2e/harness"
)

// column is one store's figures, or why they are missing.
type column struct {
	kind       storeKind
	ingest     ingest
	ingestErr  error
	e2e        endToEnd
	e2eErr     error
	console    consoleTimes
	consoleErr error
	apps       delivery
	appsErr    error
}

// measureStore measures ingest and the end-to-end path on one store, each
// on a hub and a database of its own.
func measureStore(ctx context.Context, bins harness.Binaries, kind storeKind, o options) column {
	col := column{kind: kind}
	col.ingest, col.ingestErr = measureIngest(ctx, bins, kind, o)
	if col.ingestErr != nil {
		progress("  ingest failed: %v", col.ingestErr)
	}
	col.e2e, col.e2eErr = measureEndToEnd(ctx, bins, kind, o)
	if col.e2eErr != nil {
		progress("  end-to-end failed: %v", col.e2eErr)
	}
	col.console, col.consoleErr = measureConsole(ctx, bins, kind, o)
	if col.consoleErr != nil {
		progress("  console failed: %v", col.consoleErr)
	}
	col.apps, col.appsErr = measureDelivery(ctx, bins, kind, o)
	if col.appsErr != nil {
		progress("  apps failed: %v", col.appsErr)
	}
	return col
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
			}, "p50 < 10 ms"}
	}
	afterSteady := o.rate * o.steady.Seconds()
	return []row{
		{"ingest: bare net/http handler, req/s", func(c column) string {
			return ingestCell(c, func() string { return orFailure(c.ingest.bare, count(c.ingest.bare.PerSecond())) })
		}, ""},
		{"ingest: POST /hooks/klicktipp, req/s", func(c column) string {
			return ingestCell(c, func() string { return orFailure(c.ingest.hub, count(c.ingest.hub.PerSecond())) })
		}, ""},
		{"ingest: hub ÷ bare handler", func(c column) string {
			return ingestCell(c, func() string {
				if failure(c.ingest.bare) != "" || failure(c.ingest.hub) != "" || c.ingest.bare.PerSecond() == 0 {
					return "—"
				}
				return fmt.Sprintf("%.0f%%", 100*c.ingest.hub.PerSecond()/c.ingest.bare.PerSecond())
			})
		}, "≥ 50% SQLite, ≥ 35% PostgreSQL"},
		{"ingest: ack latency p50 / p99", func(c column) string {
			return ingestCell(c, func() string {
				return orFailure(c.ingest.hub, pair(c.ingest.hub.Percentile(50), c.ingest.hub.Percentile(99)))
			})
		}, "p99 < 10 ms"},
		{"  (bare handler p50 / p99)", func(c column) string {
			return ingestCell(c, func() string {
				return orFailure(c.ingest.bare, pair(c.ingest.bare.Percentile(50), c.ingest.bare.Percentile(99)))
			})
		}, ""},
		{"end-to-end: add, new user, events/s", func(c column) string {
			return e2eCell(c, func() string { return batchCell(c.e2e.create) })
		}, ""},
		{"end-to-end: update_tags, events/s", func(c column) string {
			return e2eCell(c, func() string { return batchCell(c.e2e.update) })
		}, "≥ 3,000 on SQLite"},
		steadyRow(0, o.users),
		steadyRow(1, o.users*(1+o.rounds)+int(afterSteady)),
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
		}, "idle < 60 MiB"},
		{"plugin RSS: idle / under load", func(c column) string {
			return e2eCell(c, func() string { return mib(c.e2e.memory.pluginIdle, c.e2e.memory.pluginLoad) })
		}, ""},
		consoleRow(0, "console: 50 events of "+count(consoleStored)+", p50 / p99"),
		consoleRow(1, "console: 50 dead events of "+count(consoleStored)+", p50 / p99"),
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
	o := r.opts
	fmt.Fprintf(w, "\ningest: %d connections for %s each, the hub's plugin unconfigured so only ingest runs.\n", o.connections, o.duration)
	fmt.Fprintf(w, "end-to-end: default inbox (8 workers), rate_limit raised; %d users created (add hashes each\n", o.users)
	fmt.Fprintf(w, "new password with argon2id), then %d update_tags per user; steady: update_tags at %.0f/s for %s\n", o.rounds, o.rate, o.steady)
	fmt.Fprintf(w, "with ?wait=, timed by the client from sending to the final answer, after the adds and again\n")
	fmt.Fprintf(w, "after the update_tags. RSS under load: the peak while adds and update_tags run.\n")
	fmt.Fprintf(w, "console: GET /ui/events signed in, %d times after as many to warm up, from request to the\n", consolePages)
	fmt.Fprintf(w, "page's last byte; one in a hundred of the stored events dead.\n")
	fmt.Fprintf(w, "apps: another hub pushes each of %d adds' user.created to an app on loopback; timed from the\n", o.users)
	fmt.Fprintf(w, "first add sent to the last event received, and per event from its commit to its arrival.\n")
	for _, c := range r.columns {
		for _, err := range []error{c.ingestErr, c.e2eErr, c.consoleErr, c.appsErr} {
			if err != nil {
				fmt.Fprintf(w, "\n%s: %v", c.kind.title(), err)
			}
		}
	}
	fmt.Fprintln(w)
}

// consoleRow is the timing of the i-th of consolePaths.
func consoleRow(i int, label string) row {
	return row{label, func(c column) string {
		if c.consoleErr != nil {
			return "n/a"
		}
		return pair(harness.Percentile(c.console[i], 50), harness.Percentile(c.console[i], 99))
	}, "well under 100 ms"}
}

func ingestCell(c column, f func() string) string {
	if c.ingestErr != nil {
		return "n/a"
	}
	return f()
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
	if msg := failure(b.sent); msg != "" {
		return "FAILED: " + msg
	}
	if b.unapplied > 0 {
		return fmt.Sprintf("FAILED: %d of %d not applied", b.unapplied, b.events)
	}
	return count(b.perSecond())
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

func mib(a, b int64) string {
	return fmt.Sprintf("%.0f / %.0f MiB", float64(a)/(1<<20), float64(b)/(1<<20))
}
