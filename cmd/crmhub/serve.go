package main

import (
	"context"
	"fmt"
	"net"

	"github.com/crmhub/crmhub/core/hub"
)

// serveCmd runs the hub until SIGINT or SIGTERM.
func serveCmd(ctx context.Context, c *cli, args []string) error {
	if _, err := c.parse("serve", args, nil); err != nil {
		return err
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return err
	}
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
	fmt.Fprintf(c.stdout, "crmhub serving on http://%s (store: %s)\n", ln.Addr(), h.Store().Dialect())
	log.Info("serving", "listen", ln.Addr().String(), "store", string(h.Store().Dialect()))
	return h.Serve(ctx, ln)
}
