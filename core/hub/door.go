package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/sdk"
)

// door gives the server each CRM's webhook profile and its plugin's check.
// A profile is known once the CRM's plugin gave its Info, in this process
// or an earlier one (the store keeps it), so a restarted hub takes a
// KlickTipp webhook at once, and refuses a checked CRM's until its plugin
// is up; a CRM never seen waits for its plugin's first launch.
type door struct {
	host  *host.Host
	store *store.Store
	log   *slog.Logger

	mu      sync.Mutex
	infos   map[string]sdk.Info
	unsaved map[string]string // by CRM: the latest Info not yet written
	saving  bool              // a writer of unsaved runs
}

var _ server.Door = (*door)(nil)

// newDoor reads the profiles the store keeps.
func newDoor(ctx context.Context, st *store.Store, log *slog.Logger) (*door, error) {
	rows, err := st.PluginProfiles(ctx)
	if err != nil {
		return nil, err
	}
	d := &door{store: st, log: log, infos: map[string]sdk.Info{}, unsaved: map[string]string{}}
	for crm, raw := range rows {
		var info sdk.Info
		if err := json.Unmarshal([]byte(raw), &info); err != nil {
			log.Warn("ignoring an unreadable stored plugin profile", "crm", crm, "err", err)
			continue
		}
		d.infos[crm] = info
	}
	return d, nil
}

// learn keeps the Info a CRM's plugin just gave, here and in the store.
// The host calls it while it holds a lock, so the store write runs apart:
// one writer at a time, each writing a CRM's latest Info, so an older
// Info is never written over a newer one.
func (d *door) learn(crm string, info sdk.Info) {
	raw, err := json.Marshal(info)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.infos[crm] = info
	if err != nil {
		d.log.Warn("could not encode a plugin profile", "crm", crm, "err", err)
		return
	}
	d.unsaved[crm] = string(raw)
	if !d.saving {
		d.saving = true
		go d.save()
	}
}

// save writes the unsaved profiles until none is left.
func (d *door) save() {
	for {
		d.mu.Lock()
		if len(d.unsaved) == 0 {
			d.saving = false
			d.mu.Unlock()
			return
		}
		var crm, raw string
		for crm, raw = range d.unsaved {
			break
		}
		delete(d.unsaved, crm)
		d.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := d.store.SavePluginProfile(ctx, crm, raw); err != nil {
			d.log.Warn("could not record a plugin profile", "crm", crm, "err", err)
		}
		cancel()
	}
}

// saved reports whether every profile learnt so far is written.
func (d *door) saved() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.saving
}

// info returns the CRM's latest Info, if one is known.
func (d *door) info(crm string) (sdk.Info, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	info, ok := d.infos[crm]
	return info, ok
}

func (d *door) Profile(ctx context.Context, crm string, wait time.Duration) (sdk.WebhookProfile, bool) {
	if info, ok := d.info(crm); ok {
		return info.Webhooks, true
	}
	c := d.host.Client(crm)
	if c == nil {
		return sdk.WebhookProfile{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	info, ok := c.Known(ctx) // the plugin's first launch
	return info.Webhooks, ok
}

func (d *door) CheckWebhook(ctx context.Context, crm string, req sdk.Request) (sdk.Verdict, error) {
	c := d.host.Client(crm)
	if c == nil {
		return sdk.Verdict{}, fmt.Errorf("crm %s: %w", crm, host.ErrPluginDown)
	}
	return c.CheckWebhook(ctx, req)
}
