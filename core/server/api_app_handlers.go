package server

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/store"
)

// listApps answers GET /api/v1/apps: every configured app, by name.
func (s *Server) listApps(w http.ResponseWriter, r *http.Request) {
	cfg := s.Config()
	counts, err := s.Store.DeliveryCounts(r.Context())
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	out := List[App]{Items: []App{}}
	for _, name := range slices.Sorted(maps.Keys(cfg.Apps)) {
		out.Items = append(out.Items, NewApp(name, cfg.Apps[name], counts[name]))
	}
	writeJSON(w, http.StatusOK, out)
}

// pathApp reads the {name} of the path: a configured app.
func (s *Server) pathApp(r *http.Request) (string, error) {
	name := r.PathValue("name")
	if _, ok := s.Config().Apps[name]; !ok {
		return "", store.ErrNotFound
	}
	return name, nil
}

var deliveryStatuses = []string{store.DeliveryPending, store.DeliverySending, store.DeliveryDelivered, store.DeliveryDead}

// listDeliveries answers GET /api/v1/apps/{name}/deliveries?status=,
// newest first, a page at a time.
func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) {
	name, err := s.pathApp(r)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	page, err := ParsePage(r.URL.Query())
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	status := r.URL.Query().Get("status")
	if status != "" && !slices.Contains(deliveryStatuses, status) {
		s.writeFailure(w, r, badRequest("status must be pending, sending, delivered or dead"))
		return
	}
	rows, next, err := s.Store.ListDeliveries(r.Context(), store.DeliveryFilter{App: name, Status: status}, page)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	out := List[Delivery]{Items: make([]Delivery, len(rows)), NextCursor: cursor(next)}
	for i, d := range rows {
		out.Items[i] = NewDelivery(d)
	}
	writeJSON(w, http.StatusOK, out)
}

// replayDeliveries answers POST /api/v1/apps/{name}/replay?status=&since=:
// the app's deliveries of the status (dead when empty; or delivered)
// created since `since` (an RFC 3339 time, or a duration back from now
// such as 24h; all when empty) are sent again from their first attempt.
// It answers {"replayed": n}.
func (s *Server) replayDeliveries(w http.ResponseWriter, r *http.Request) {
	name, err := s.pathApp(r)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	q := r.URL.Query()
	status := q.Get("status")
	if status == "" {
		status = store.DeliveryDead
	}
	if status != store.DeliveryDead && status != store.DeliveryDelivered {
		s.writeFailure(w, r, badRequest("status must be dead or delivered"))
		return
	}
	since, err := parseSince(q.Get("since"))
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	n, err := s.Store.ReplayDeliveries(r.Context(), name, status, since)
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	if s.Apps != nil {
		s.Apps.Kick()
	}
	s.Log.Info("deliveries replayed by the admin API", "app", name, "status", status, "deliveries", n)
	writeJSON(w, http.StatusOK, map[string]int{"replayed": n})
}

// parseSince reads an RFC 3339 time or a duration back from now.
func parseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, badRequest("since must be an RFC 3339 time (2026-12-01T10:00:00Z) or a duration (24h)")
}

// testApp answers POST /api/v1/apps/{name}/test: a signed ping message is
// sent to the app now, and the answer is what the app replied (200 also
// when the app failed: the reply says how).
func (s *Server) testApp(w http.ResponseWriter, r *http.Request) {
	name, err := s.pathApp(r)
	if err != nil || s.Apps == nil {
		s.writeFailure(w, r, store.ErrNotFound)
		return
	}
	reply, err := s.Apps.Test(r.Context(), name)
	if errors.Is(err, apps.ErrNoSuchApp) {
		writeError(w, http.StatusConflict, "app "+name+" is not enabled or has no url: nothing is pushed to it")
		return
	}
	if err != nil {
		s.writeFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, TestReply{App: name, Status: reply.Status, Body: reply.Body, Error: reply.Error,
		TookMS: reply.Took.Milliseconds()})
}
