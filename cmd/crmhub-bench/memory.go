package main

import (
	"github.com/crmhub/crmhub/e2e/harness"
)

// memory is the resident memory of a hub and its plugin in bytes: idle
// (VmRSS) and the peak under load (VmHWM).
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

// peakWatch reads the most resident memory a hub and its plugins had over
// a stretch of the run. The kernel keeps each process's peak (VmHWM), so
// none is missed, as one between two samples would be.
type peakWatch struct{ hub *harness.Hub }

// watchPeaks starts the hub's and its plugins' peaks anew from their
// memory now, so the start-up before is left out.
func watchPeaks(hub *harness.Hub) peakWatch {
	for _, pid := range append(hub.PluginPIDs(), hub.PID()) {
		if err := harness.ResetPeakRSS(pid); err != nil {
			progress("  the peak memory includes the start-up: %v", err)
		}
	}
	return peakWatch{hub: hub}
}

// peaks returns the hub's peak and its plugins' peaks summed. A plugin
// started again meanwhile counts from its start.
func (w peakWatch) peaks() (hubPeak, pluginPeak int64) {
	hubPeak = harness.PeakRSS(w.hub.PID())
	for _, pid := range w.hub.PluginPIDs() {
		pluginPeak += harness.PeakRSS(pid)
	}
	return hubPeak, pluginPeak
}
