package server

import "net/http"

// listActivity answers GET /api/v1/activity?limit=: the activity log,
// newest first, a page at a time.
func (s *Server) listActivity(w http.ResponseWriter, r *http.Request) {
	page, err := ParsePage(r.URL.Query())
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	out, err := s.Reads().Activity(r.Context(), page)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
