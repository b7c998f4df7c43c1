package server

import "net/http"

// listUsers answers
// GET /api/v1/users?email=&name=&tag=&crm=&contact_id=, newest first, a
// page at a time.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	page, err := ParsePage(r.URL.Query())
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	out, err := s.Reads().Users(r.Context(), ParseUserFilter(r.URL.Query()), page)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// showUser answers GET /api/v1/users/{id}.
func (s *Server) showUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	u, err := s.Reads().User(r.Context(), id)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}
