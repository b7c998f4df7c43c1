package server

import "net/http"

// Patterns lists every route pattern the server registered, in order.
func (s *Server) Patterns() []string { return s.mux.patterns }

// PatternFor is the pattern that serves r ("" when none does).
func (s *Server) PatternFor(r *http.Request) string {
	_, pattern := s.mux.Handler(r)
	return pattern
}
