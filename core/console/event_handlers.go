package console

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/crmhub/crmhub/core/server"
	"github.com/crmhub/crmhub/core/store"
)

// actions are the webhook actions the events filter offers.
var actions = []string{"add", "update", "update_tags"}

type eventsData struct {
	// Query is the filter as the form sent it, to show it again.
	Query    map[string]string
	List     server.List[server.Event]
	Next     string
	Statuses []string
	CRMs     []string
	Actions  []string
}

// listEvents answers GET /ui/events: the events the filter selects (the
// admin API's query parameters), newest first, 50 a page.
func (c *Console) listEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg, err := server.ParsePage(q)
	if err != nil {
		c.failure(w, r, err)
		return
	}
	f, err := server.ParseEventFilter(q)
	if err != nil {
		c.failure(w, r, err)
		return
	}
	list, err := c.Reads.Events(r.Context(), f, pg)
	if err != nil {
		c.failure(w, r, err)
		return
	}
	d := eventsData{
		Query: map[string]string{}, List: list, Statuses: store.Statuses, CRMs: c.crms(), Actions: actions,
	}
	for _, k := range []string{"status", "crm", "action", "contact_id", "since", "until"} {
		d.Query[k] = q.Get(k)
	}
	if list.NextCursor != "" {
		d.Next = withCursor(r, list.NextCursor)
	}
	c.render(w, r, http.StatusOK, "events", page{Title: "Events", Nav: "events", Data: d})
}

// crms are the configured CRMs' names, for the filters.
func (c *Console) crms() []string {
	var names []string
	for _, p := range c.Reads.PluginList().Items {
		names = append(names, p.CRM)
	}
	return names
}

type eventData struct {
	Event    server.EventDetail
	Replayed bool
}

// showEvent answers GET /ui/events/{id}: the request as stored, the
// attempts, the activity, and Replay for a failed or dead event.
func (c *Console) showEvent(w http.ResponseWriter, r *http.Request) {
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	ev, err := c.Reads.Event(r.Context(), id)
	if err != nil {
		c.failure(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "event", page{Title: "Event " + ev.ID, Nav: "events",
		Data: eventData{Event: ev, Replayed: r.URL.Query().Has("replayed")}})
}

// replayEvent answers POST /ui/events/{id}/replay: the event is queued
// again, and the browser goes back to its page, which follows it live.
func (c *Console) replayEvent(w http.ResponseWriter, r *http.Request) {
	id, ok := c.pathID(w, r)
	if !ok {
		return
	}
	_, err := c.Reads.Replay(r.Context(), id)
	var notReplayable server.ErrNotReplayable
	if errors.As(err, &notReplayable) {
		c.render(w, r, http.StatusConflict, "problem", page{Title: "Not replayed", Nav: "events", Data: err.Error()})
		return
	}
	if err != nil {
		c.failure(w, r, err)
		return
	}
	c.Log.Info("event replayed from the console", "event", id)
	http.Redirect(w, r, "/ui/events/"+strconv.FormatInt(id, 10)+"?replayed", http.StatusSeeOther)
}

// pathID reads the {id} of the path, answering 404 when it is none.
func (c *Console) pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.notFound(w, r)
		return 0, false
	}
	return id, true
}

// isNotFound tells whether err says a row does not exist.
func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
