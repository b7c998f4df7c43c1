// Package gcfloor spares a Go program with a small live heap from
// collecting every few MiB it allocates.
//
// Go's collector starts a cycle once the heap has grown by GOGC percent
// of what the last cycle found alive (with the goroutine stacks and the
// globals). A server that keeps 4 MiB alive and allocates a few KiB per
// request collects after every few MiB, dozens of times a second under
// load, and a cycle has costs that do not shrink with the heap: stopping
// the world twice, scanning every goroutine's stack, waking the mark
// workers. A floor lets the heap grow to a fixed size before a cycle
// where Go's default goal would be smaller; above the floor the
// collector paces itself as by default.
package gcfloor

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// maxPercent bounds the GOGC a floor sets: with almost nothing alive (a
// process just started) a floor-sized goal would be a large multiple of
// the live heap.
const maxPercent = 1000

// Keep holds the heap's goal at floor bytes or more for the rest of the
// process, by setting GOGC after every collection from what that
// collection found alive.
//
// While the floor is in force Keep also sets a soft memory limit: the
// goal, the stacks and headroom for the runtime's other memory. A GOGC
// set for a small heap stays in force until the next collection, so a
// heap that grew many times over in one cycle (a burst of large
// allocations) would grow as many times over again before the next
// setting; the limit, which the runtime enforces at every allocation,
// bounds that one cycle. Once the live heap needs no floor, GOGC is 100
// and the limit is lifted: the collector behaves as Go's default.
//
// An operator who set GOGC keeps it, and Keep does nothing. One who set
// GOMEMLIMIT keeps that limit; Keep then sets only GOGC. Only the first
// call takes effect.
func Keep(floor, headroom uint64) {
	once.Do(func() {
		if k := newKeeper(floor, headroom, os.LookupEnv); k != nil {
			k.start()
		}
	})
}

var once sync.Once

// newKeeper is the keeper of floor, or nil when the operator set GOGC or
// there is no floor. lookupEnv reads the environment.
func newKeeper(floor, headroom uint64, lookupEnv func(string) (string, bool)) *keeper {
	if _, set := lookupEnv("GOGC"); set || floor == 0 {
		return nil
	}
	_, limitSet := lookupEnv("GOMEMLIMIT")
	return &keeper{floor: floor, headroom: headroom, setLimit: !limitSet, samples: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/scan/stack:bytes"},
		{Name: "/gc/scan/globals:bytes"},
	}}
}

type keeper struct {
	floor, headroom uint64
	setLimit        bool
	samples         []metrics.Sample
}

// sentinel is an object made to become garbage: its cleanup runs after
// the collection that finds it unreachable. It is larger than the tiny
// allocator's 16 bytes, whose blocks can keep a dead object reachable.
type sentinel struct{ _ [64]byte }

// start paces the collector from now on, after every collection.
func (k *keeper) start() {
	k.adjust()
	k.armNext()
}

// armNext makes the next collection call adjust, which arms the one
// after it.
func (k *keeper) armNext() {
	runtime.AddCleanup(new(sentinel), func(k *keeper) {
		k.adjust()
		k.armNext()
	}, k)
}

// adjust sets GOGC, and the memory limit, from the last cycle's findings.
func (k *keeper) adjust() {
	metrics.Read(k.samples)
	s := pace(k.floor, k.headroom, heap{
		live:    k.samples[0].Value.Uint64(),
		stacks:  k.samples[1].Value.Uint64(),
		globals: k.samples[2].Value.Uint64(),
	})
	debug.SetGCPercent(s.percent)
	if k.setLimit {
		debug.SetMemoryLimit(s.limit)
	}
}

// heap is what a collection found: the live heap, and the stacks and
// globals it scanned besides.
type heap struct{ live, stacks, globals uint64 }

// setting is the collector's pace for the next cycle.
type setting struct {
	percent int   // GOGC
	limit   int64 // the soft memory limit; math.MaxInt64 for none
}

// pace is the setting that makes the heap's goal at least floor. Go's
// goal is live + (live + stacks + globals) × GOGC/100.
func pace(floor, headroom uint64, h heap) setting {
	scanned := h.live + h.stacks + h.globals
	if h.live+scanned >= floor || scanned == 0 { // GOGC=100 reaches it
		return setting{percent: 100, limit: math.MaxInt64}
	}
	percent := min(int((floor-h.live)*100/scanned), maxPercent)
	goal := h.live + scanned*uint64(percent)/100
	return setting{percent: percent, limit: int64(goal + h.stacks + headroom)}
}
