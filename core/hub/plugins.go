package hub

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/core/store"
)

// pluginStates lists every configured CRM's plugin, ordered by CRM: an
// enabled CRM's as the host reports it (starting until the host has it),
// a disabled CRM's as stopped. The admin API, the metrics and the store's
// record (for `crmhub plugins list`) all show this one list.
func (h *Hub) pluginStates() []store.PluginState {
	cfg := h.cfg.Load()
	live := map[string]host.PluginStatus{}
	for _, st := range h.host.Status() {
		live[st.Name] = st
	}
	names := make([]string, 0, len(cfg.CRMs))
	for name := range cfg.CRMs {
		names = append(names, name)
	}
	slices.Sort(names)
	states := make([]store.PluginState, 0, len(names))
	for _, name := range names {
		enabled := cfg.CRMs[name].Enabled
		ps := store.PluginState{CRM: name, Enabled: enabled, State: host.StateStopped}
		if st, ok := live[name]; ok && enabled {
			ps.State, ps.Version, ps.PID, ps.Restarts = st.State, st.Version, st.PID, st.Restarts
			ps.LastError, ps.Since, ps.NextAttempt, ps.Secret = st.LastError, st.Since.UTC(), st.NextAttempt.UTC(), st.Secret
		} else if enabled {
			ps.State = host.StateStarting
		}
		states = append(states, ps)
	}
	return states
}

// Plugin states are recorded when they change, and at least this often so
// that `crmhub plugins list` can tell a record from a hub that stopped
// without a word.
const (
	pluginCheckInterval  = time.Second
	pluginRecordInterval = 30 * time.Second
)

// recordPlugins keeps the store's record of the plugin states current
// until ctx ends.
func (h *Hub) recordPlugins(ctx context.Context) {
	reporter := reporterName()
	var (
		last     []store.PluginState
		lastSave time.Time
		failing  bool
	)
	tick := time.NewTicker(pluginCheckInterval)
	defer tick.Stop()
	for {
		states := h.pluginStates()
		if !slices.EqualFunc(states, last, samePluginState) || time.Since(lastSave) >= pluginRecordInterval {
			err := h.savePluginStates(ctx, states, reporter)
			switch {
			case err == nil:
				last, lastSave, failing = states, time.Now(), false
			case ctx.Err() != nil:
				return
			case !failing: // once per outage, not every second
				h.log.Warn("could not record the plugin states for `crmhub plugins list`", "err", err)
				failing = true
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (h *Hub) savePluginStates(ctx context.Context, states []store.PluginState, reporter string) error {
	now := time.Now().UTC()
	stamped := slices.Clone(states)
	for i := range stamped {
		stamped[i].Reporter, stamped[i].ReportedAt = reporter, now
	}
	return h.store.SavePluginStates(ctx, stamped)
}

func samePluginState(a, b store.PluginState) bool {
	return a.CRM == b.CRM && a.Enabled == b.Enabled && a.State == b.State && a.Version == b.Version &&
		a.PID == b.PID && a.Restarts == b.Restarts && a.LastError == b.LastError && a.Since.Equal(b.Since)
}

// reporterName names this hub process in the record: host and pid.
func reporterName() string {
	name, err := os.Hostname()
	if err != nil {
		name = "unknown-host"
	}
	return fmt.Sprintf("%s:%d", name, os.Getpid())
}
