package server

import "net/http"

// listActivity answers GET /api/v1/activity?limit=: the activity log,
// newest first, a page at a time.
func (s *Server) listActivity(w http.ResponseWriter, r *http.Request) {
	page, err := parsePage(r)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	lines, err := s.Store.RecentActivity(r.Context(), page.Limit+1, page.After)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	var next int64
	if len(lines) > page.Limit {
		lines = lines[:page.Limit]
		next = lines[len(lines)-1].ID
	}
	writeJSON(w, http.StatusOK, List[ActivityLine]{Items: NewActivity(lines), NextCursor: cursor(next)})
}
