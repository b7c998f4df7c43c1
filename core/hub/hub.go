// Package hub assembles the running hub from its parts: the store, the
// plugin host, the inbox and its workers, the outbox and the HTTP server.
// It holds no logic of its own beyond starting and stopping them in order.
package hub

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
)

// Hub is one running crmhub process.
type Hub struct {
	cfg   *config.Config
	store *store.Store
	log   *slog.Logger
	srv   *server.Server
}

// Open opens and migrates the store and prepares the hub's parts.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Hub, error) {
	st, err := store.Open(ctx, cfg.Database.URL)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if cfg.AccessKey == "" {
		key, err := st.SettingOrCreate(ctx, store.SettingAccessKey, newAccessKey)
		if err != nil {
			st.Close()
			return nil, err
		}
		cfg.AccessKey = key
	}
	h := &Hub{cfg: cfg, store: st, log: log}
	h.srv = server.New(st, log)
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

// Store is the hub's store.
func (h *Hub) Store() *store.Store { return h.store }

// Serve answers HTTP on ln until ctx is done, then shuts down gracefully.
func (h *Hub) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           h.srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Longer than the longest ?wait= (30s), so a waiting client gets
		// its answer.
		WriteTimeout: 45 * time.Second,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(h.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down http: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

// Close releases the store.
func (h *Hub) Close() error { return h.store.Close() }
