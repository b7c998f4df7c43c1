// Package hub assembles the running hub from its parts: the store, the
// plugin host, the engine, the inbox and its workers, the outbox and the
// HTTP server. It holds no logic of its own beyond starting and stopping
// them in order and handing each the part of the config it takes — again
// on every reload (reload.go). Around the parts it keeps what an operator
// sees: the start-up guidance (startup.go), the check that its secret key
// file holds the key the store was started with (secretkey.go), the plugin
// states the CLI reads from the store (plugins.go) and the metrics taken at
// the seams it wires (metered.go).
package hub

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/console"
	"github.com/crmhub/crmhub/core/engine"
	"github.com/crmhub/crmhub/core/host"
	"github.com/crmhub/crmhub/core/inbox"
	"github.com/crmhub/crmhub/core/metrics"
	"github.com/crmhub/crmhub/core/notify"
	"github.com/crmhub/crmhub/core/outbox"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
)

// Hub is one running crmhub process.
type Hub struct {
	cfg     atomic.Pointer[config.Config]
	log     *slog.Logger
	store   *store.Store
	host    *host.Host
	engine  *engine.Engine
	inbox   *inbox.Inbox
	outbox  *outbox.Worker
	apps    *apps.Worker
	feed    *apps.Feed
	server  *server.Server
	metrics *metrics.Metrics

	out        io.Writer        // start-up guidance; nil prints none
	appSecrets []string         // apps whose signing secret the store keeps
	configPath string           // reloaded when it changes and on hup
	hup        <-chan os.Signal // nil: no reload on a signal
	addr       net.Addr         // where Serve listens
	reloading  sync.Mutex
	background sync.WaitGroup // what Serve runs beside the parts
}

// OpenStore connects to the database as db configures it; it does not
// migrate.
func OpenStore(ctx context.Context, db config.Database) (*store.Store, error) {
	return store.Open(ctx, db.URL, store.MaxConnections(db.MaxConnections),
		store.PreparedStatements(db.PreparedStatements))
}

// Open opens and migrates the store and builds the hub's parts; Serve
// starts them.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Hub, error) {
	st, err := OpenStore(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	h, err := build(ctx, cfg, st, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	return h, nil
}

func build(ctx context.Context, cfg *config.Config, st *store.Store, log *slog.Logger) (*Hub, error) {
	if err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	if cfg.AccessKey == "" {
		key, err := st.SettingOrCreate(ctx, store.SettingAccessKey, newAccessKey)
		if err != nil {
			return nil, err
		}
		cfg.AccessKey = key
	}
	generated, err := resolveAppSecrets(ctx, st, cfg)
	if err != nil {
		return nil, err
	}
	box, err := openSecretKey(ctx, st, cfg.SecretKeyFile)
	if err != nil {
		return nil, err
	}
	mailer, err := notify.New(smtpConfig(cfg), cfg.Notify.WelcomeTemplate)
	if err != nil {
		return nil, err
	}

	h := &Hub{log: log, store: st, metrics: metrics.New(log), appSecrets: generated}
	h.cfg.Store(cfg)
	dr, err := newDoor(ctx, st, log)
	if err != nil {
		return nil, err
	}
	h.host = host.New(host.Options{Dir: cfg.Plugins.Dir, MaxProcs: cfg.Plugins.MaxProcs, Logger: log, OnInfo: dr.learn})
	dr.host = h.host
	crms := meteredPlugins{plugins: plugins{host: h.host}, metrics: h.metrics}
	h.engine = engine.New(engineConfig(cfg), crms, st, box, log)
	h.outbox = outbox.New(st, box, mailer, crms, cfg.Notify.LoginURL, log, outbox.WithUnavailable(host.ErrPluginDown),
		outbox.WithObserver(h.metrics))
	h.apps = apps.New(st, h.appsOptions(cfg), log)
	h.feed = apps.NewFeed(st)
	h.inbox = inbox.New(st, crms, kickingEngine{h.engine, h.outbox, h.apps, h.feed}, h.inboxOptions(cfg), log)
	ui := console.New(console.Deps{Config: h.cfg.Load, Log: log,
		Reads: server.Reads{Config: h.cfg.Load, Store: st, Replayer: h.inbox, Plugins: h.pluginStates, Apps: h.apps,
			PluginInfo: dr.info}})
	h.server = server.New(server.Deps{Config: h.cfg.Load, Store: st, Inbox: h.inbox, Log: log,
		Replayer: h.inbox, Plugins: h.pluginStates, Metrics: h.metrics, Console: ui,
		Apps: h.apps, Feed: h.feed, SignIn: apps.NewSignIn(st, h.metrics), Door: dr})
	h.metrics.Watch(st.Reader().QueueDepth, h.pluginStates)
	if st.Dialect() == store.SQLite {
		h.metrics.WatchSQLite(st.ConnectionUse)
	}
	h.metrics.WatchApps(st.Reader().DeliveryBacklog, func() []string { return pushedApps(h.cfg.Load()) })
	return h, nil
}

// newAccessKey makes a 256-bit key that is safe in a URL.
func newAccessKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Config is the configuration in force.
func (h *Hub) Config() *config.Config { return h.cfg.Load() }

// Store is the hub's store.
func (h *Hub) Store() *store.Store { return h.store }

func (h *Hub) enabledCRMs() []string { return h.cfg.Load().Enabled() }

// Announce makes Serve print its start-up guidance to w: the store, the
// address, every enabled CRM's webhook URLs (with the access key: the one
// place it is shown) and what a CRM that cannot work yet needs.
func (h *Hub) Announce(w io.Writer) { h.out = w }

// WatchConfig makes Serve reload the config file at path when it changes
// and when a signal (SIGHUP) arrives on hup. With path "" a signal
// reloads the built-in defaults and the environment.
func (h *Hub) WatchConfig(path string, hup <-chan os.Signal) {
	if path != "" {
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
	}
	h.configPath, h.hup = path, hup
}

// Serve starts the plugins, the workers and the HTTP server on ln, and runs
// until ctx is done; then it stops taking webhooks, commits what it took,
// lets events in flight finish, and stops the plugins. Meanwhile it keeps
// the store's record of the plugin states, reloads the config when asked
// (WatchConfig) and prints its start-up guidance (Announce).
func (h *Hub) Serve(ctx context.Context, ln net.Listener) error {
	cfg := h.cfg.Load()
	h.addr = ln.Addr()
	h.host.Apply(ctx, hostSpecs(cfg))
	if err := h.inbox.Start(ctx); err != nil {
		return err
	}
	outboxCtx, stopOutbox := context.WithCancel(context.WithoutCancel(ctx))
	outboxDone := make(chan struct{})
	go func() { defer close(outboxDone); h.outbox.Run(outboxCtx) }()
	// The delivery worker and the pruner stop after the inbox, whose last
	// events may still queue user events.
	appsCtx, stopApps := context.WithCancel(context.WithoutCancel(ctx))
	var appsDone sync.WaitGroup
	appsDone.Go(func() { h.apps.Run(appsCtx) })
	appsDone.Go(func() {
		apps.RunPruner(appsCtx, h.store, func() time.Duration { return h.cfg.Load().Changes.Retention }, h.log)
	})

	hs := &http.Server{
		Handler:           h.server.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Longer than the longest ?wait= (30s), so a waiting caller gets
		// its answer.
		WriteTimeout: 45 * time.Second,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(h.log.Handler(), slog.LevelWarn),
	}
	// Shutdown waits for the requests in flight: end the long-polls of
	// the change feed now, not after their ?wait=.
	hs.RegisterOnShutdown(h.feed.Close)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()

	bg, stopBackground := context.WithCancel(ctx)
	h.background.Go(func() { h.recordPlugins(bg) })
	if h.configPath != "" || h.hup != nil {
		h.background.Go(func() { h.watchConfig(bg) })
	}
	if h.out != nil {
		h.announce(bg, h.out)
	}

	var serveErr error
	select {
	case err := <-errc:
		serveErr = fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}

	stopBackground() // no reload while the parts stop
	h.background.Wait()
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(stopCtx); err != nil {
		h.log.Warn("http shutdown", "err", err)
	}
	h.inbox.Stop(stopCtx)
	stopOutbox()
	<-outboxDone
	stopApps() // deliveries being sent finish and are recorded
	appsDone.Wait()
	h.host.Shutdown(stopCtx)
	if err := h.savePluginStates(stopCtx, h.pluginStates(), reporterName()); err != nil {
		h.log.Warn("could not record the stopped plugins", "err", err)
	}
	if serveErr == nil {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			serveErr = fmt.Errorf("serve http: %w", err)
		}
	}
	return serveErr
}

// Close releases the store.
func (h *Hub) Close() error { return h.store.Close() }
