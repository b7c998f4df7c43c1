package server

import (
	"net/http"
	"slices"

	"github.com/crmhub/crmhub/core/store"
)

// replayBatch is how many events one replay transaction re-queues.
const replayBatch = 500

// listEvents answers GET /api/v1/events?status=&crm=&contact_id=, newest
// first, a page at a time.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	page, err := parsePage(r)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.EventFilter{Status: q.Get("status"), CRM: q.Get("crm"), ContactID: q.Get("contact_id")}
	if f.Status != "" && !slices.Contains(store.Statuses, f.Status) {
		s.writeFailure(w, r, badRequest("status must be one of received, pending, processing, retrying, done, failed, dead"))
		return
	}
	evs, next, err := s.Store.ListEvents(r.Context(), f, page)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	out := List[Event]{Items: make([]Event, len(evs)), NextCursor: cursor(next)}
	for i := range evs {
		out.Items[i] = NewEvent(&evs[i])
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
	detail, err := s.eventDetail(r, id)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, detail)
}

func (s *Server) eventDetail(r *http.Request, id int64) (EventDetail, error) {
	ev, err := s.Store.EventByID(r.Context(), id)
	if err != nil {
		return EventDetail{}, err
	}
	attempts, err := s.Store.EventAttempts(r.Context(), id)
	if err != nil {
		return EventDetail{}, err
	}
	lines, err := s.Store.EventActivity(r.Context(), id)
	if err != nil {
		return EventDetail{}, err
	}
	return NewEventDetail(ev, attempts, lines), nil
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
	ev, err := s.Store.EventByID(r.Context(), id)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	replayed, err := s.Replayer.Replay(r.Context(), store.ReplayFilter{IDs: []int64{id}})
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	if len(replayed) == 0 {
		writeError(w, http.StatusConflict, "event "+formatID(id)+" is "+ev.Status+": only failed and dead events are replayed")
		return
	}
	s.Log.Info("event replayed by the admin API", "event", id, "crm", ev.CRM)
	detail, err := s.eventDetail(r, id)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
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
