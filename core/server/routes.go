package server

import "net/http"

// routes registers every route of the hub, in one place.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.Metrics.Handler())

	// Any method: an unknown CRM is 404 before a wrong method is 405.
	s.mux.HandleFunc("/hooks/{crm}", s.hook)
	// WP Fusion's webhook URL, /?wpf_action=…, for server.default_crm.
	s.mux.HandleFunc("/{$}", s.wpFusionHook)

	// The admin API, every route behind the bearer token. The catch-all
	// answers unknown paths and methods the same way, so none of them tells
	// whether the API is on.
	s.mux.HandleFunc("GET /api/v1/users", s.appOrAdmin(s.listUsers))
	s.mux.HandleFunc("GET /api/v1/users/{id}", s.appOrAdmin(s.showUser))
	s.mux.HandleFunc("GET /api/v1/changes", s.appOrAdmin(s.listChanges))
	s.mux.HandleFunc("POST /api/v1/auth/verify", s.appOrAdmin(s.verifySignIn))
	s.mux.HandleFunc("GET /api/v1/apps", s.admin(s.listApps))
	s.mux.HandleFunc("GET /api/v1/apps/{name}/deliveries", s.admin(s.listDeliveries))
	s.mux.HandleFunc("POST /api/v1/apps/{name}/replay", s.admin(s.replayDeliveries))
	s.mux.HandleFunc("POST /api/v1/apps/{name}/test", s.admin(s.testApp))
	s.mux.HandleFunc("GET /api/v1/events", s.admin(s.listEvents))
	s.mux.HandleFunc("GET /api/v1/events/{id}", s.admin(s.showEvent))
	s.mux.HandleFunc("POST /api/v1/events/{id}/replay", s.admin(s.replayEvent))
	s.mux.HandleFunc("POST /api/v1/events/replay", s.admin(s.replayEvents))
	s.mux.HandleFunc("GET /api/v1/plugins", s.admin(s.listPlugins))
	s.mux.HandleFunc("GET /api/v1/activity", s.admin(s.listActivity))
	s.mux.HandleFunc("/api/v1/", s.admin(s.apiNotFound))

	// Go's profiler, for operators who must see where a hub spends its
	// time; off unless admin.pprof says so, and then only to the admin.
	s.mux.HandleFunc("/debug/pprof/", s.profiler)

	// The web console, its own pages behind its own sign-in; /ui redirects
	// here (ServeMux does that for a subtree).
	s.mux.Handle("/ui/", s.console())
}

// console is the web console's handler, or 404 when there is none.
func (s *Server) console() http.Handler {
	if s.Console == nil {
		return http.NotFoundHandler()
	}
	return s.Console
}
