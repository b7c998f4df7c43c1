package hub

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/store"
)

// Live configuration: SIGHUP or a change of the config file loads it
// again. A valid config applies at once — enabling or disabling a CRM
// starts or stops its plugin, field maps and roles apply from the next
// event, the admin token and access keys from the next request; an invalid
// one is rejected with all its errors and the running config kept.

// settleWrites is how long the config file must stay quiet after a change
// before it is read: editors write in several steps.
const settleWrites = 250 * time.Millisecond

// applyTimeout bounds a reload's wait for the plugins it stops.
const applyTimeout = 30 * time.Second

// reload loads the config file again and applies it. An invalid config is
// rejected: every error is logged, the running config stays, and the
// error is returned.
func (h *Hub) reload(ctx context.Context) error {
	h.reloading.Lock()
	defer h.reloading.Unlock()
	next, err := config.Load(h.configPath)
	if err != nil {
		for _, line := range errorLines(err) {
			h.log.Error("config reload rejected; the running config stays", "file", h.configPath, "err", line)
		}
		return err
	}
	if next.AccessKey == "" {
		// The key generated at the first start, which the store keeps.
		if next.AccessKey, err = h.store.Setting(ctx, store.SettingAccessKey); err != nil {
			h.log.Error("config reload rejected; the running config stays", "err", err)
			return err
		}
	}
	generated, err := resolveAppSecrets(ctx, h.store, next)
	if err != nil {
		h.log.Error("config reload rejected; the running config stays", "err", err)
		return err
	}
	prev := h.cfg.Load()
	for _, key := range restartOnly(prev, next) {
		h.log.Warn("config change takes effect at the next start", "key", key)
	}
	h.apply(ctx, next)
	h.log.Info("config reloaded", "file", h.configPath, "enabled_crms", strings.Join(next.Enabled(), ","))

	if h.out != nil {
		changed := changedCRMs(prev, next)
		for _, crm := range changed {
			if !slices.Contains(prev.Enabled(), crm) {
				h.printWebhookURLs(h.out, next, crm)
			}
		}
		printAppSecrets(h.out, next, newlyPushed(prev, next, generated))
		h.background.Go(func() { h.adviseCRMs(ctx, h.out, changed) })
	}
	return nil
}

// apply makes cfg the running config: the server reads it at the next
// request, the engine at the next event, the inbox at its next round, and
// the plugin host starts, stops and restarts plugins to match.
func (h *Hub) apply(ctx context.Context, cfg *config.Config) {
	h.cfg.Store(cfg)
	h.engine.SetConfig(engineConfig(cfg))
	h.inbox.SetOptions(h.inboxOptions(cfg))
	h.apps.SetOptions(h.appsOptions(cfg))
	ctx, cancel := context.WithTimeout(ctx, applyTimeout)
	defer cancel()
	h.host.Apply(ctx, hostSpecs(cfg))
	h.inbox.Kick() // a CRM may be ready now
}

// restartOnly names the changed keys that only a restart applies.
func restartOnly(prev, next *config.Config) []string {
	var keys []string
	check := func(key string, changed bool) {
		if changed {
			keys = append(keys, key)
		}
	}
	check("listen", prev.Listen != next.Listen)
	check("database.url", prev.Database.URL != next.Database.URL)
	check("database.max_connections", prev.Database.MaxConnections != next.Database.MaxConnections)
	check("database.prepared_statements", prev.Database.PreparedStatements != next.Database.PreparedStatements)
	check("secret_key_file", prev.SecretKeyFile != next.SecretKeyFile)
	check("plugins.dir", prev.Plugins.Dir != next.Plugins.Dir)
	check("plugins.max_procs", prev.Plugins.MaxProcs != next.Plugins.MaxProcs)
	check("inbox.workers", prev.Inbox.Workers != next.Inbox.Workers)
	check("inbox.workers_while_receiving", prev.Inbox.WorkersWhileReceiving != next.Inbox.WorkersWhileReceiving)
	check("notify", prev.Notify != next.Notify)
	check("log", prev.Log != next.Log)
	return keys
}

// changedCRMs lists the CRMs enabled in next that were not enabled in prev
// or whose plugin or settings changed: those worth a word to the operator.
func changedCRMs(prev, next *config.Config) []string {
	var out []string
	for _, name := range next.Enabled() {
		before, ok := prev.CRMs[name]
		after := next.CRMs[name]
		if !ok || !before.Enabled || before.Plugin != after.Plugin || !equalSettings(before.Settings, after.Settings) {
			out = append(out, name)
		}
	}
	return out
}

func equalSettings(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// errorLines splits a config error into its problems, one per line.
func errorLines(err error) []string {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		var lines []string
		for _, e := range joined.Unwrap() {
			lines = append(lines, errorLines(e)...)
		}
		return lines
	}
	return strings.Split(err.Error(), "\n")
}

// watchConfig reloads the config on a signal from h.hup and when the
// config file changes, until ctx ends.
func (h *Hub) watchConfig(ctx context.Context) {
	var (
		events <-chan fsnotify.Event
		errs   <-chan error
	)
	if h.configPath != "" {
		w, err := fsnotify.NewWatcher()
		if err == nil {
			// The folder, not the file: editors and config managers replace
			// the file, and a watch on the old one would go quiet.
			err = w.Add(filepath.Dir(h.configPath))
		}
		if err != nil {
			h.log.Warn("cannot watch the config file; reload it with SIGHUP", "file", h.configPath, "err", err)
		} else {
			defer w.Close()
			events, errs = w.Events, w.Errors
		}
	}
	lastRead := fileSum(h.configPath)
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.hup:
			h.log.Info("SIGHUP: reloading the config", "file", h.configPath)
			lastRead = fileSum(h.configPath)
			_ = h.reload(ctx) // logged
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if sameFile(ev.Name, h.configPath) {
				settle.Reset(settleWrites)
			}
		case <-settle.C:
			// A touch or a rewrite with the same bytes changes nothing.
			if sum := fileSum(h.configPath); sum != lastRead {
				lastRead = sum
				h.log.Info("the config file changed: reloading it", "file", h.configPath)
				_ = h.reload(ctx) // logged
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			h.log.Warn("watching the config file", "file", h.configPath, "err", err)
		}
	}
}

// fileSum is a checksum of the file's content; zero when it cannot be read.
func fileSum(path string) [sha256.Size]byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return [sha256.Size]byte{}
	}
	return sha256.Sum256(b)
}

func sameFile(a, b string) bool {
	return filepath.Clean(a) == filepath.Clean(b)
}
