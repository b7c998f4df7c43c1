package server

import (
	"log/slog"
	"net/http"
)

// Server holds what the handlers need. Build it with New and serve
// Handler().
type Server struct {
	ready Readiness
	log   *slog.Logger
	mux   *http.ServeMux
}

// New builds the server's routes.
func New(ready Readiness, log *slog.Logger) *Server {
	s := &Server{ready: ready, log: log, mux: http.NewServeMux()}
	s.routes()
	return s
}

// Handler is the server's root handler.
func (s *Server) Handler() http.Handler { return s.mux }
