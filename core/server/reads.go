package server

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/store"
	"github.com/crmhub/crmhub/sdk"
)

// Reads is the admin API's read layer: the queries behind its lists and
// details, shaped as its JSON views, the replay of one event, and the
// apps' deliveries, replays and test messages (app_reads.go). The web
// console reads and acts through it too, so both show the same things the
// same way.
type Reads struct {
	// Config returns the current configuration, whose apps are listed.
	Config   func() *config.Config
	Store    *store.Store
	Replayer Replayer
	// Plugins returns every configured CRM's plugin state; nil lists none.
	Plugins func() []store.PluginState
	// Apps sends apps test messages and is woken by a replay; without it
	// no app can be tested.
	Apps AppTester
	// PluginInfo returns a CRM's plugin Info as last given (the hub's
	// door); nil, or false, shows no schema.
	PluginInfo func(crm string) (sdk.Info, bool)
}

// PluginDetail describes a CRM's plugin from the Info it last gave, with
// the configured settings; false when none is known.
func (rd Reads) PluginDetail(crm string) (PluginDetail, bool) {
	if rd.PluginInfo == nil {
		return PluginDetail{}, false
	}
	info, ok := rd.PluginInfo(crm)
	if !ok {
		return PluginDetail{}, false
	}
	return NewPluginDetail(crm, info, rd.Config().CRMs[crm].Settings, "hub"), true
}

// Reads is the server's read layer, over its own parts.
func (s *Server) Reads() Reads {
	return Reads{Config: s.Config, Store: s.Store, Replayer: s.Replayer, Plugins: s.Plugins, Apps: s.Apps}
}

// Events lists one page of the events f selects, newest first. Each row
// shows, and f.Status selects, the row's own status: for a request of
// several items that is its first item's, not the items' together
// (docs/http.md says so; Event shows the request's).
func (rd Reads) Events(ctx context.Context, f store.EventFilter, page store.Page) (List[Event], error) {
	evs, next, err := rd.Store.Reader().ListEvents(ctx, f, page)
	if err != nil {
		return List[Event]{}, err
	}
	out := List[Event]{Items: make([]Event, len(evs)), NextCursor: cursor(next)}
	for i := range evs {
		out.Items[i] = NewEvent(&evs[i])
	}
	return out, nil
}

// Event is one event with its stored request, attempts and activity.
func (rd Reads) Event(ctx context.Context, id int64) (EventDetail, error) {
	ev, err := rd.Store.Reader().EventByID(ctx, id)
	if err != nil {
		return EventDetail{}, err
	}
	if err := rd.Store.Reader().WithItems(ctx, ev); err != nil {
		return EventDetail{}, err
	}
	attempts, err := rd.Store.Reader().EventAttempts(ctx, id)
	if err != nil {
		return EventDetail{}, err
	}
	lines, err := rd.Store.Reader().EventActivity(ctx, id)
	if err != nil {
		return EventDetail{}, err
	}
	return NewEventDetail(ev, attempts, lines), nil
}

// ErrNotReplayable is Replay's answer for an event that is neither failed
// nor dead; it is left alone.
type ErrNotReplayable struct {
	ID     int64
	Status string
}

func (e ErrNotReplayable) Error() string {
	return "event " + formatID(e.ID) + " is " + e.Status + ": only failed and dead events are replayed"
}

// Replay queues a failed or dead event again and returns it as it is now;
// an event in another status gives ErrNotReplayable.
func (rd Reads) Replay(ctx context.Context, id int64) (EventDetail, error) {
	ev, err := rd.Store.Reader().EventByID(ctx, id)
	if err != nil {
		return EventDetail{}, err
	}
	replayed, err := rd.Replayer.Replay(ctx, store.ReplayFilter{IDs: []int64{id}})
	if err != nil {
		return EventDetail{}, err
	}
	if len(replayed) == 0 {
		return EventDetail{}, ErrNotReplayable{ID: id, Status: ev.Status}
	}
	return rd.Event(ctx, id)
}

// Users lists one page of the users f selects, newest first, each with its
// contacts, tags and fields.
func (rd Reads) Users(ctx context.Context, f store.UserFilter, page store.Page) (List[User], error) {
	users, next, err := rd.Store.Reader().ListUsers(ctx, f, page)
	if err != nil {
		return List[User]{}, err
	}
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	details, err := rd.Store.Reader().DetailsOf(ctx, ids)
	if err != nil {
		return List[User]{}, err
	}
	out := List[User]{Items: make([]User, len(users)), NextCursor: cursor(next)}
	for i, u := range users {
		out.Items[i] = NewUser(u, details[u.ID])
	}
	return out, nil
}

// User is one user with its contacts, tags and fields.
func (rd Reads) User(ctx context.Context, id int64) (User, error) {
	u, err := rd.Store.Reader().UserByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	details, err := rd.Store.Reader().DetailsOf(ctx, []int64{id})
	if err != nil {
		return User{}, err
	}
	return NewUser(*u, details[id]), nil
}

// PluginList is every configured CRM's plugin with its state, as the
// running hub sees it. It is one page.
func (rd Reads) PluginList() List[Plugin] {
	out := List[Plugin]{Items: []Plugin{}}
	if rd.Plugins != nil {
		for _, st := range rd.Plugins() {
			out.Items = append(out.Items, NewPlugin(st, false))
		}
	}
	return out
}

// Activity lists one page of the activity log, newest first.
func (rd Reads) Activity(ctx context.Context, page store.Page) (List[ActivityLine], error) {
	lines, err := rd.Store.Reader().RecentActivity(ctx, page.Limit+1, page.After)
	if err != nil {
		return List[ActivityLine]{}, err
	}
	var next int64
	if len(lines) > page.Limit {
		lines = lines[:page.Limit]
		next = lines[len(lines)-1].ID
	}
	return List[ActivityLine]{Items: NewActivity(lines), NextCursor: cursor(next)}, nil
}

// ParseEventFilter reads the events list's filter from its query:
// status, crm, action, contact_id, and since and until (RFC 3339, or a
// date and time without a zone, read as UTC).
func ParseEventFilter(q url.Values) (store.EventFilter, error) {
	f := store.EventFilter{
		Status: strings.TrimSpace(q.Get("status")), CRM: strings.TrimSpace(q.Get("crm")),
		Action: strings.TrimSpace(q.Get("action")), ContactID: strings.TrimSpace(q.Get("contact_id")),
	}
	if f.Status != "" && !slices.Contains(store.Statuses, f.Status) {
		return f, badRequest("status must be one of received, pending, processing, retrying, done, failed, dead")
	}
	if v := strings.TrimSpace(q.Get("request_id")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, badRequest("request_id must be an event id")
		}
		f.RequestID = id
	}
	var err error
	if f.Since, err = parseTime("since", q.Get("since")); err != nil {
		return f, err
	}
	if f.Until, err = parseTime("until", q.Get("until")); err != nil {
		return f, err
	}
	return f, nil
}

// ParseUserFilter reads the users list's filter from its query: email,
// name, tag, crm and contact_id.
func ParseUserFilter(q url.Values) store.UserFilter {
	return store.UserFilter{
		Email: strings.TrimSpace(q.Get("email")), Name: strings.TrimSpace(q.Get("name")),
		Tag: strings.TrimSpace(q.Get("tag")), CRM: strings.TrimSpace(q.Get("crm")),
		ContactID: strings.TrimSpace(q.Get("contact_id")),
	}
}

// timeLayouts are the forms since and until are read in: RFC 3339, and
// what a browser's date and time field sends (read as UTC).
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

func parseTime(name, value string) (time.Time, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return time.Time{}, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, value); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, badRequest(name + " must be a time such as 2026-12-01T17:00:00Z")
}

// Queue counts the events by CRM and status.
func (rd Reads) Queue(ctx context.Context) ([]store.QueueCount, error) {
	return rd.Store.Reader().QueueDepth(ctx)
}

// OutcomesSince counts the events received since then by status and
// outcome.
func (rd Reads) OutcomesSince(ctx context.Context, since time.Time) ([]store.OutcomeCount, error) {
	return rd.Store.Reader().OutcomesSince(ctx, since)
}

// UserActivity is a user's newest activity lines, at most limit.
func (rd Reads) UserActivity(ctx context.Context, userID int64, limit int) ([]ActivityLine, error) {
	lines, err := rd.Store.Reader().UserActivity(ctx, userID, limit)
	if err != nil {
		return nil, err
	}
	return NewActivity(lines), nil
}
