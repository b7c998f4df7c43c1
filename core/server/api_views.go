package server

import (
	"time"

	"github.com/crmhub/crmhub/core/apps/message"
	"github.com/crmhub/crmhub/core/store"
)

// The admin API's JSON (docs/openapi.yaml; a spec validates real answers
// against it). The CLI prints the same shapes with --json, so they are
// exported. Ids are strings: opaque to clients.

// List is one page of a list; NextCursor, when not empty, asks for the
// next page (?cursor=…).
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// User is a user with its CRM contacts, tags and profile fields; apps
// receive the same shape in their user events.
type User = message.User

// Contact is a user's link to a CRM contact.
type Contact = message.Contact

// Tag is a tag a CRM put on a user.
type Tag = message.Tag

// NewUser shows a user with its details.
func NewUser(u store.User, d store.UserDetails) User { return message.NewUser(u, d) }

// Event is an event's outcome JSON (what a webhook caller with ?wait=
// gets) and when it happened.
type Event struct {
	EventOutcome
	Email string `json:"email"`
	// AttemptCount is how many attempts count against inbox.max_attempts.
	AttemptCount int       `json:"attempt_count"`
	ReceivedAt   time.Time `json:"received_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// NextAttemptAt is set while the event waits for a retry.
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	FinishedAt    time.Time `json:"finished_at,omitzero"`
}

// NewEvent shows an event.
func NewEvent(ev *store.Event) Event {
	out := Event{
		EventOutcome: NewEventOutcome(ev),
		Email:        ev.Email, AttemptCount: ev.Attempts, ReceivedAt: ev.ReceivedAt, UpdatedAt: ev.UpdatedAt,
	}
	if ev.Status == store.StatusRetrying {
		out.NextAttemptAt = ev.NextAttemptAt
	}
	if ev.FinishedAt != nil {
		out.FinishedAt = *ev.FinishedAt
	}
	return out
}

// EventDetail is one event with the request as stored (without its
// access key), its attempts and its activity lines.
type EventDetail struct {
	Event
	Request  Request        `json:"request"`
	Attempts []Attempt      `json:"attempts"`
	Activity []ActivityLine `json:"activity"`
}

// Request is a webhook as it was stored.
type Request struct {
	Method      string `json:"method"`
	Query       string `json:"query"`
	ContentType string `json:"content_type"`
	Body        string `json:"body"`
}

// Attempt is one try at applying an event.
type Attempt struct {
	Number     int       `json:"number"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	// Outcome is the outcome, or the status the event went on to
	// (retrying, pending, dead) when the attempt failed with Error.
	Outcome string `json:"outcome"`
	Error   string `json:"error"`
}

// NewEventDetail shows an event with its attempts and activity.
func NewEventDetail(ev *store.Event, attempts []store.EventAttempt, lines []store.Activity) EventDetail {
	out := EventDetail{
		Event:    NewEvent(ev),
		Request:  Request{Method: ev.Method, Query: ev.Query, ContentType: ev.ContentType, Body: string(ev.Body)},
		Attempts: []Attempt{},
		Activity: NewActivity(lines),
	}
	for _, a := range attempts {
		at := Attempt{Number: a.Number, StartedAt: a.StartedAt, Outcome: a.Outcome, Error: a.Error}
		if a.FinishedAt != nil {
			at.FinishedAt = *a.FinishedAt
		}
		out.Attempts = append(out.Attempts, at)
	}
	return out
}

// ActivityLine is one line of the activity log.
type ActivityLine struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Level   string    `json:"level"`
	CRM     string    `json:"crm"`
	EventID string    `json:"event_id,omitempty"`
	UserID  string    `json:"user_id,omitempty"`
	Message string    `json:"message"`
}

// NewActivity shows activity lines, in their order.
func NewActivity(lines []store.Activity) []ActivityLine {
	out := make([]ActivityLine, len(lines))
	for i, l := range lines {
		out[i] = ActivityLine{ID: formatID(l.ID), At: l.At, Level: l.Level, CRM: l.CRM, Message: l.Message}
		if l.EventID != nil {
			out[i].EventID = formatID(*l.EventID)
		}
		if l.UserID != nil {
			out[i].UserID = formatID(*l.UserID)
		}
	}
	return out
}

// Plugin is a CRM's plugin and its state: starting, running,
// not_configured, crashed or stopped (a disabled CRM's is stopped).
type Plugin struct {
	CRM       string `json:"crm"`
	Enabled   bool   `json:"enabled"`
	State     string `json:"state"`
	Version   string `json:"version"`
	PID       int    `json:"pid"`
	Restarts  int    `json:"restarts"`
	LastError string `json:"last_error"`
	// Since is when it entered its state; unset for a disabled CRM.
	Since time.Time `json:"since,omitzero"`
	// NextAttempt is when the hub next tries to start or configure it.
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	// ReportedAt is set when the state was read from the store, where the
	// running hub records it, rather than from the hub itself: it is when
	// the hub recorded it.
	ReportedAt time.Time `json:"reported_at,omitzero"`
}

// NewPlugin shows a plugin's state; fromStore says it was read from the
// store's record rather than from the running hub.
func NewPlugin(st store.PluginState, fromStore bool) Plugin {
	p := Plugin{
		CRM: st.CRM, Enabled: st.Enabled, State: st.State, Version: st.Version, PID: st.PID,
		Restarts: st.Restarts, LastError: st.LastError, Since: st.Since, NextAttempt: st.NextAttempt,
	}
	if fromStore {
		p.ReportedAt = st.ReportedAt
	}
	return p
}
