package server

import (
	"net/http"

	"github.com/crmhub/crmhub/core/store"
)

// listUsers answers GET /api/v1/users?email=&tag=&crm=&contact_id=, newest
// first, a page at a time.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	page, err := parsePage(r)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.UserFilter{Email: q.Get("email"), Tag: q.Get("tag"), CRM: q.Get("crm"), ContactID: q.Get("contact_id")}
	users, next, err := s.Store.ListUsers(r.Context(), f, page)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	details, err := s.Store.DetailsOf(r.Context(), ids)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	out := List[User]{Items: make([]User, len(users)), NextCursor: cursor(next)}
	for i, u := range users {
		out.Items[i] = NewUser(u, details[u.ID])
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
	u, err := s.Store.UserByID(r.Context(), id)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	details, err := s.Store.DetailsOf(r.Context(), []int64{id})
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, NewUser(*u, details[id]))
}
