package server

import (
	"errors"
	"net/http"

	"github.com/crmhub/crmhub/core/store"
)

// replayBatch is how many events one replay transaction re-queues.
const replayBatch = 500

// listEvents answers
// GET /api/v1/events?status=&crm=&action=&contact_id=&since=&until=, newest
// first, a page at a time.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	page, err := ParsePage(r.URL.Query())
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	f, err := ParseEventFilter(r.URL.Query())
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	out, err := s.Reads().Events(r.Context(), f, page)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// showEvent answers GET /api/v1/events/{id}: the outcome JSON with the
// stored request, the attempts and the activity lines.
func (s *Server) showEvent(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	detail, err := s.Reads().Event(r.Context(), id)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, detail)
}

// replayEvent answers POST /api/v1/events/{id}/replay: a failed or dead
// event is queued again (200, the event as it is now); an event in any
// other status is left alone (409).
func (s *Server) replayEvent(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	detail, err := s.Reads().Replay(r.Context(), id)
	var notReplayable ErrNotReplayable
	if errors.As(err, &notReplayable) {
		writeError(w, http.StatusConflict, err.Error())
		return
	}
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	s.Log.Info("event replayed by the admin API", "event", id, "crm", detail.CRM)
	writeJSON(w, http.StatusOK, detail)
}

// replayEvents answers POST /api/v1/events/replay?status=dead&crm=: every
// event the filter selects (status failed or dead; both when empty) is
// queued again, a batch at a time. It answers {"replayed": n}.
func (s *Server) replayEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.ReplayFilter{Status: q.Get("status"), CRM: q.Get("crm")}
	if f.Status != "" && f.Status != store.StatusFailed && f.Status != store.StatusDead {
		s.writeFailure(w, r, badRequest("status must be failed or dead (or empty for both)"))
		return
	}
	n, err := s.Store.ReplayInBatches(r.Context(), f, replayBatch, s.Replayer.Replay, nil)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	s.Log.Info("events replayed by the admin API", "events", n, "status", f.Status, "crm", f.CRM)
	writeJSON(w, http.StatusOK, map[string]int{"replayed": n})
}
