package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/crmhub/crmhub/e2e/harness"
)

// cpuUse is the CPU that the processes on a row's path used while it ran,
// read from /proc before and after: it tells a row bound by a process
// that needs too much from one that leaves cores idle.
type cpuUse struct {
	// hub is the server measured: a hub, or the bare handler.
	hub, plugins time.Duration
	// database is PostgreSQL's processes (SQLite works inside the hub).
	database time.Duration
	// bench is this process: the load, the fake CRMs and the polling.
	bench time.Duration
	// idle is the machine's cores' idle time, summed.
	idle, elapsed time.Duration
}

// cpuMark is a reading of the CPU clocks that cpuUse compares.
type cpuMark struct {
	at                        time.Time
	hub, plugins, bench, idle time.Duration
	database                  map[int]time.Duration // by PostgreSQL process
}

// markCPU reads the clocks of the server hub and its plugins, of
// PostgreSQL's processes and of this one.
func markCPU(hub int, plugins []int) cpuMark {
	m := cpuMark{at: time.Now(), hub: harness.CPUTime(hub), bench: harness.CPUTime(os.Getpid()),
		idle: harness.IdleTime(), database: postgresCPU()}
	for _, pid := range plugins {
		m.plugins += harness.CPUTime(pid)
	}
	return m
}

// since is what the same processes used from m until now. A PostgreSQL
// process that started or ended meanwhile is left out: the hub's
// connections stay open through a row.
func (m cpuMark) since(hub int, plugins []int) cpuUse {
	now := markCPU(hub, plugins)
	u := cpuUse{hub: now.hub - m.hub, plugins: now.plugins - m.plugins, bench: now.bench - m.bench,
		idle: now.idle - m.idle, elapsed: now.at.Sub(m.at)}
	for pid, t := range now.database {
		if before, ok := m.database[pid]; ok {
			u.database += t - before
		}
	}
	return u
}

// plus adds the use of another measurement of the same row.
func (u cpuUse) plus(o cpuUse) cpuUse {
	return cpuUse{hub: u.hub + o.hub, plugins: u.plugins + o.plugins, database: u.database + o.database,
		bench: u.bench + o.bench, idle: u.idle + o.idle, elapsed: u.elapsed + o.elapsed}
}

// perEvent writes parts of u (its hub, plugins, … in the row's order) per
// event in µs, then the cores idle on average.
func (u cpuUse) perEvent(events int, parts ...time.Duration) string {
	if events == 0 || u.elapsed <= 0 {
		return "—"
	}
	cells := make([]string, len(parts))
	for i, p := range parts {
		cells[i] = strconv.FormatInt(p.Microseconds()/int64(events), 10)
	}
	return fmt.Sprintf("%s, idle %.2f", strings.Join(cells, " / "), u.idle.Seconds()/u.elapsed.Seconds())
}

// postgresCPU reads the CPU clocks of the machine's PostgreSQL processes.
func postgresCPU() map[int]time.Duration {
	clocks := map[int]time.Duration{}
	for _, pid := range harness.Named("postgres") {
		clocks[pid] = harness.CPUTime(pid)
	}
	return clocks
}
