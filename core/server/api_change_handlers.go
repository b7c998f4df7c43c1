package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/crmhub/crmhub/core/store"
)

// The change feed's page sizes and longest wait.
const (
	defaultChangeLimit = 100
	maxChangeLimit     = 1000
	maxChangeWait      = 30 * time.Second
)

// listChanges answers GET /api/v1/changes?after=&limit=&wait=: the user
// events after the cursor, in commit order, as {"items":[{"cursor","type",
// "timestamp","data"}],"next_cursor"}. With wait (at most 30s) it answers
// once there is one, or empty when the wait is over. A reader that always
// passes next_cursor as after reads every change exactly once.
func (s *Server) listChanges(w http.ResponseWriter, r *http.Request) {
	if s.Feed == nil {
		s.apiNotFound(w, r)
		return
	}
	q := r.URL.Query()
	after, err := store.ParseChangeCursor(q.Get("after"))
	if errors.Is(err, store.ErrBadCursor) {
		s.writeFailure(w, r, badRequest("after is not a cursor this API handed out"))
		return
	}
	limit := defaultChangeLimit
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxChangeLimit {
			s.writeFailure(w, r, badRequest("limit must be a number from 1 to "+strconv.Itoa(maxChangeLimit)))
			return
		}
	}
	var wait time.Duration
	if v := q.Get("wait"); v != "" {
		if wait, err = time.ParseDuration(v); err != nil || wait < 0 || wait > maxChangeWait {
			s.writeFailure(w, r, badRequest("wait must be a duration of at most 30s, e.g. wait=30s"))
			return
		}
	}
	changes, err := s.Feed.Read(r.Context(), after, limit, wait)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	out := List[ChangeItem]{Items: make([]ChangeItem, len(changes)), NextCursor: after.String()}
	for i, c := range changes {
		out.Items[i] = ChangeItem{Cursor: c.Cursor.String(), Type: c.Type, Timestamp: c.CreatedAt.UTC(),
			Data: json.RawMessage(c.Data)}
		out.NextCursor = c.Cursor.String()
	}
	writeJSON(w, http.StatusOK, out)
}
