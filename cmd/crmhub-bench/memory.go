package main

import (
	"sync"
	"time"

	"github.com/crmhub/crmhub/e2e/harness"
)

// memory is the resident memory (VmRSS, bytes) of a hub and its plugin.
type memory struct {
	hubIdle, hubLoad, pluginIdle, pluginLoad int64
}

// rssOf reads the hub's and its plugin's resident memory now.
func rssOf(hub *harness.Hub) (hubRSS, pluginRSS int64) {
	return rssOfPIDs(hub.PID(), hub.PluginPIDs())
}

func rssOfPIDs(hub int, plugins []int) (hubRSS, pluginRSS int64) {
	hubRSS = harness.RSS(hub)
	for _, pid := range plugins {
		pluginRSS += harness.RSS(pid)
	}
	return hubRSS, pluginRSS
}

// pluginsEvery is how often the sampler looks for the hub's plugins anew
// (one restarted meanwhile is missed that long). Finding them reads every
// process's parent: done at each sample, it took 5% of a core from the
// machine the bench measures.
const pluginsEvery = time.Second

// sampler keeps the highest resident memory seen while it runs.
type sampler struct {
	done      chan struct{}
	once      sync.Once
	wg        sync.WaitGroup
	hub, plug int64
}

// sampleMemory reads the hub's and plugin's memory every 50ms until stop.
func sampleMemory(hub *harness.Hub) *sampler {
	s := &sampler{done: make(chan struct{})}
	s.wg.Go(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		var plugins []int
		var found time.Time
		for {
			if time.Since(found) >= pluginsEvery {
				plugins, found = hub.PluginPIDs(), time.Now()
			}
			h, p := rssOfPIDs(hub.PID(), plugins)
			s.hub, s.plug = max(s.hub, h), max(s.plug, p)
			select {
			case <-s.done:
				return
			case <-tick.C:
			}
		}
	})
	return s
}

// stop ends the sampling and returns the peaks; it may be called again.
func (s *sampler) stop() (hubPeak, pluginPeak int64) {
	s.once.Do(func() { close(s.done) })
	s.wg.Wait()
	return s.hub, s.plug
}
