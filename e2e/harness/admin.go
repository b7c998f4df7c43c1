package harness

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The admin API's answers (docs/openapi.yaml), read as any client reads them: by
// their JSON, not through the server's own types, so a change of the
// contract shows up here.

// List is one page of an admin API list.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// EventDetail is one event as GET /api/v1/events/{id} shows it.
type EventDetail struct {
	Outcome
	AttemptCount int            `json:"attempt_count"`
	Attempts     []Attempt      `json:"attempts"`
	Activity     []ActivityLine `json:"activity"`
}

// Attempt is one try at applying an event.
type Attempt struct {
	Number  int    `json:"number"`
	Outcome string `json:"outcome"`
	Error   string `json:"error"`
}

// ActivityLine is one line of the activity log.
type ActivityLine struct {
	Level   string `json:"level"`
	CRM     string `json:"crm"`
	EventID string `json:"event_id"`
	UserID  string `json:"user_id"`
	Message string `json:"message"`
}

// Plugin is a CRM's plugin and its state.
type Plugin struct {
	CRM      string `json:"crm"`
	Enabled  bool   `json:"enabled"`
	State    string `json:"state"`
	PID      int    `json:"pid"`
	Restarts int    `json:"restarts"`
}

// Users lists the users matching query (email, tag, crm, contact_id).
func (h *Hub) Users(ctx context.Context, query url.Values) ([]User, error) {
	return listAll[User](ctx, h, "/users", query)
}

// Events lists the events matching query (status, crm, contact_id).
func (h *Hub) Events(ctx context.Context, query url.Values) ([]Outcome, error) {
	return listAll[Outcome](ctx, h, "/events", query)
}

// Event shows one event with its attempts and activity lines.
func (h *Hub) Event(ctx context.Context, id string) (EventDetail, error) {
	var ev EventDetail
	err := h.apiJSON(ctx, "/events/"+url.PathEscape(id), &ev)
	return ev, err
}

// Activity lists the latest lines of the activity log, newest first.
func (h *Hub) Activity(ctx context.Context) ([]ActivityLine, error) {
	var page List[ActivityLine]
	err := h.apiJSON(ctx, "/activity?limit=500", &page)
	return page.Items, err
}

// Plugins lists the CRMs' plugins and their states.
func (h *Hub) Plugins(ctx context.Context) ([]Plugin, error) {
	var page List[Plugin]
	err := h.apiJSON(ctx, "/plugins", &page)
	return page.Items, err
}

// listAll follows a list's cursor to its end.
func listAll[T any](ctx context.Context, h *Hub, path string, query url.Values) ([]T, error) {
	q := url.Values{}
	for k, vs := range query {
		q[k] = vs
	}
	q.Set("limit", "500")
	var all []T
	for {
		var page List[T]
		if err := h.apiJSON(ctx, path+"?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all, nil
		}
		q.Set("cursor", page.NextCursor)
	}
}

// apiJSON GETs an admin API path and reads its 200 answer into v.
func (h *Hub) apiJSON(ctx context.Context, path string, v any) error {
	reply, err := h.API(ctx, http.MethodGet, path)
	if err != nil {
		return err
	}
	if reply.Status != http.StatusOK {
		return fmt.Errorf("GET /api/v1%s: %d %s", path, reply.Status, strings.TrimSpace(string(reply.Body)))
	}
	return reply.Decode(v)
}

// WaitForPlugin polls the admin API until the CRM's plugin is in state
// (e.g. "running"), or ctx ends.
func (h *Hub) WaitForPlugin(ctx context.Context, crm, state string) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	last := "unknown"
	for {
		plugins, err := h.Plugins(ctx)
		if err == nil {
			for _, p := range plugins {
				if p.CRM == crm {
					last = p.State
				}
			}
			if last == state {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("plugin of %s is %s, not %s: %w", crm, last, state, ctx.Err())
		case <-tick.C:
		}
	}
}
