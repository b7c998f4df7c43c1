package server

import "net/http"

// listPlugins answers GET /api/v1/plugins: every configured CRM's plugin
// with its state, version, restarts and last error. It is one page.
func (s *Server) listPlugins(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Reads().PluginList())
}
