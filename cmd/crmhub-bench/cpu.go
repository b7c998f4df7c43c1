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
	// servers are the servers measured: the hubs, or the bare handler.
	servers, plugins time.Duration
	// database is PostgreSQL's processes (SQLite works inside the hub).
	database time.Duration
	// bench is this process: the load, the fake CRMs and the polling.
	bench time.Duration
	// idle is the machine's cores' idle time, summed.
	idle, elapsed time.Duration
}

// procs are the processes whose clocks a row reads: its servers (the
// hubs it went through, or the bare handler) and their plugins.
type procs struct {
	servers, plugins []int
}

// procsOf are hubs' processes and their plugins'.
func procsOf(hubs ...*harness.Hub) procs {
	var p procs
	for _, h := range hubs {
		p.servers = append(p.servers, h.PID())
		p.plugins = append(p.plugins, h.PluginPIDs()...)
	}
	return p
}

// cpuMark is a reading of the CPU clocks that cpuUse compares.
type cpuMark struct {
	at                            time.Time
	servers, plugins, bench, idle time.Duration
	database                      map[int]time.Duration // by PostgreSQL process
}

// markCPU reads the clocks of p, of PostgreSQL's processes and of this
// one.
func markCPU(p procs) cpuMark {
	m := cpuMark{at: time.Now(), bench: harness.CPUTime(os.Getpid()), idle: harness.IdleTime(), database: postgresCPU()}
	for _, pid := range p.servers {
		m.servers += harness.CPUTime(pid)
	}
	for _, pid := range p.plugins {
		m.plugins += harness.CPUTime(pid)
	}
	return m
}

// since is what the same processes used from m until now. A PostgreSQL
// process that started meanwhile (a connection a hub opened during the
// row) counts whole; one that ended meanwhile is left out, its clock
// gone with it.
func (m cpuMark) since(p procs) cpuUse {
	now := markCPU(p)
	u := cpuUse{servers: now.servers - m.servers, plugins: now.plugins - m.plugins, bench: now.bench - m.bench,
		idle: now.idle - m.idle, elapsed: now.at.Sub(m.at)}
	for pid, t := range now.database {
		u.database += t - m.database[pid] // 0 for a process that started meanwhile
	}
	return u
}

// plus adds the use of another measurement of the same row.
func (u cpuUse) plus(o cpuUse) cpuUse {
	return cpuUse{servers: u.servers + o.servers, plugins: u.plugins + o.plugins, database: u.database + o.database,
		bench: u.bench + o.bench, idle: u.idle + o.idle, elapsed: u.elapsed + o.elapsed}
}

// perEvent writes parts of u (its servers, plugins, … in the row's order)
// per event in µs, then the cores idle on average.
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
