package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/crmhub/crmhub/core/hub"
	"github.com/crmhub/crmhub/internal/gcfloor"
)

// serveCmd runs the hub until SIGINT or SIGTERM. It prints the start-up
// guidance (the webhook URLs to paste into each CRM) on stdout, logs on
// stderr, and reloads the config file when it changes or on SIGHUP. On
// SQLite it holds the store's lock (lock.go) while it runs.
func serveCmd(ctx context.Context, c *cli, args []string) error {
	if _, err := c.parse("serve", args, nil); err != nil {
		return err
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
	release, err := lockSQLite(cfg.Database.URL, "serve", "use PostgreSQL for several hubs")
	if err != nil {
		return err
	}
	defer release()
	log := c.logger(cfg)
	h, err := hub.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer h.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	h.WatchConfig(c.configFile(), hup)
	h.Announce(c.stdout)
	log.Info("serving", "listen", ln.Addr().String(), "store", string(h.Store().Dialect()))
	// Start-up (config, migrations, templates) leaves garbage that a quiet
	// hub would hold until its next collection, which few webhooks put
	// off for long: return it to the system now.
	debug.FreeOSMemory()
	gcfloor.Keep(heapFloor, heapHeadroom)
	return h.Serve(ctx, ln)
}

// A hub keeps a few MiB alive and allocates a few KiB per webhook, so
// Go's default collector ran dozens of cycles a second under load, a
// fifth of the hub's CPU during update_tags (docs/performance.md). The
// floor lets the heap grow to heapFloor between collections instead;
// argon2id's hashes make the peak larger than that anyway. heapHeadroom
// is the runtime's memory besides the heap and the stacks.
const (
	heapFloor    = 32 << 20
	heapHeadroom = 16 << 20
)
