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
	hubRSS = harness.RSS(hub.PID())
	for _, pid := range hub.PluginPIDs() {
		pluginRSS += harness.RSS(pid)
	}
	return hubRSS, pluginRSS
}

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
		for {
			h, p := rssOf(hub)
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
