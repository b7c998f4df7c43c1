package server

import "net/http"

// listPlugins answers GET /api/v1/plugins: every configured CRM's plugin
// with its state, version, restarts and last error. It is one page.
func (s *Server) listPlugins(w http.ResponseWriter, _ *http.Request) {
	out := List[Plugin]{Items: []Plugin{}}
	if s.Plugins != nil {
		for _, st := range s.Plugins() {
			out.Items = append(out.Items, NewPlugin(st, false))
		}
	}
	writeJSON(w, http.StatusOK, out)
}
