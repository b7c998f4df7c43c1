package server

import (
	"cmp"
	"errors"
	"net/http"

	"github.com/crmhub/crmhub/core/store"
)

// listApps answers GET /api/v1/apps: every configured app, by name.
func (s *Server) listApps(w http.ResponseWriter, r *http.Request) {
	out, err := s.Reads().AppList(r.Context())
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// listDeliveries answers GET /api/v1/apps/{name}/deliveries?status=,
// newest first, a page at a time. Its items are the deliveries without
// the type of their message, which the console shows.
func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) {
	lines, err := s.Reads().Deliveries(r.Context(), r.PathValue("name"), r.URL.Query())
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	out := List[Delivery]{Items: make([]Delivery, len(lines.Items)), NextCursor: lines.NextCursor}
	for i, l := range lines.Items {
		out.Items[i] = l.Delivery
	}
	writeJSON(w, http.StatusOK, out)
}

// replayDeliveries answers POST /api/v1/apps/{name}/replay?status=&since=
// (see Reads.ReplayDeliveries) with {"replayed": n}.
func (s *Server) replayDeliveries(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	n, err := s.Reads().ReplayDeliveries(r.Context(), name, r.URL.Query())
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	s.Log.Info("deliveries replayed by the admin API", "app", name, "status", cmp.Or(r.URL.Query().Get("status"), store.DeliveryDead), "deliveries", n)
	writeJSON(w, http.StatusOK, map[string]int{"replayed": n})
}

// testApp answers POST /api/v1/apps/{name}/test: a signed ping message is
// sent to the app now, and the answer is what the app replied (200 also
// when the app failed: the reply says how).
func (s *Server) testApp(w http.ResponseWriter, r *http.Request) {
	reply, err := s.Reads().TestApp(r.Context(), r.PathValue("name"))
	var notPushed ErrNotPushed
	if errors.As(err, &notPushed) {
		writeError(w, http.StatusConflict, err.Error())
		return
	}
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, reply)
}
