package server

import "net/http"

// What the specs of package server_test reach inside for.
var (
	HeaderJSON     = headerJSON
	RedactSecrets  = redactSecrets
	RedactText     = redactText
	StripForm      = stripForm
	StripJSON      = stripJSON
	StripMultipart = stripMultipart
)

// Patterns lists every route pattern the server registered, in order.
func (s *Server) Patterns() []string { return s.mux.patterns }

// PatternFor is the pattern that serves r ("" when none does).
func (s *Server) PatternFor(r *http.Request) string {
	_, pattern := s.mux.Handler(r)
	return pattern
}
