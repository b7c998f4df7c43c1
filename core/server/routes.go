package server

// routes registers every route of the hub, in one place.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)

	// Any method: an unknown CRM is 404 before a wrong method is 405.
	s.mux.HandleFunc("/hooks/{crm}", s.hook)
	// WP Fusion's webhook URL, /?wpf_action=…, for server.default_crm.
	s.mux.HandleFunc("/{$}", s.wpFusionHook)
}
