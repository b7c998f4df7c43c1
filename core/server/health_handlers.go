package server

import (
	"context"
	"net/http"
	"time"
)

// healthz answers while the process runs.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the store is reachable and migrated. A plugin's
// state never makes the hub unready: webhooks are accepted regardless.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "store unreachable"})
		return
	}
	if ok, err := s.Store.Migrated(ctx); err != nil || !ok {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "store not migrated"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
