package server

import (
	"encoding/json"
	"time"

	"github.com/crmhub/crmhub/core/apps"
	"github.com/crmhub/crmhub/core/config"
	"github.com/crmhub/crmhub/core/store"
)

// App is a configured application and its deliveries by status. It never
// carries the app's secret or token, only whether they are set.
type App struct {
	Name    string   `json:"name"`
	Enabled bool     `json:"enabled"`
	URL     string   `json:"url"`
	Events  []string `json:"events"`
	// Pushed says user events are pushed to it: enabled with a url.
	Pushed   bool `json:"pushed"`
	HasToken bool `json:"has_token"`
	// Deliveries counts its deliveries by status (pending, sending,
	// delivered, dead).
	Deliveries map[string]int `json:"deliveries"`
}

// NewApp shows an app with its delivery counts, never the password its
// URL may hold.
func NewApp(name string, a config.App, counts map[string]int) App {
	out := App{Name: name, Enabled: a.Enabled, URL: config.RedactURLPassword(a.URL), Events: a.Events, Pushed: a.Enabled && a.URL != "",
		HasToken: a.Token != "", Deliveries: map[string]int{}}
	if out.Events == nil {
		out.Events = []string{}
	}
	for _, status := range store.DeliveryStatuses {
		out.Deliveries[status] = counts[status]
	}
	return out
}

// Delivery is one user event's delivery to one app.
type Delivery struct {
	ID       string `json:"id"`
	App      string `json:"app"`
	ChangeID string `json:"change_id"`
	// MessageID is the webhook-id header the app receives.
	MessageID string `json:"message_id"`
	UserID    string `json:"user_id"`
	Status    string `json:"status"`
	Attempts  int    `json:"attempts"`
	// NextAttemptAt is set while the delivery waits for a retry.
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	// ResponseStatus is the app's last HTTP status, 0 for no answer.
	ResponseStatus int       `json:"response_status"`
	LastError      string    `json:"last_error"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	FinishedAt     time.Time `json:"finished_at,omitzero"`
}

// NewDelivery shows a delivery.
func NewDelivery(d store.AppDelivery) Delivery {
	out := Delivery{ID: formatID(d.ID), App: d.App, ChangeID: formatID(d.ChangeID), MessageID: apps.MessageID(d.ChangeID),
		UserID: formatID(d.UserID), Status: d.Status, Attempts: d.Attempts, ResponseStatus: d.ResponseStatus,
		LastError: d.LastError, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	if d.Status == store.DeliveryPending {
		out.NextAttemptAt = d.NextAttemptAt
	}
	if d.FinishedAt != nil {
		out.FinishedAt = *d.FinishedAt
	}
	return out
}

// DeliveryLine is a delivery with the type of the message it carries
// (user.created, user.updated), as the console lists it. The admin API
// answers the Delivery alone.
type DeliveryLine struct {
	Delivery
	Type string `json:"type"`
}

// ChangeItem is one change of the change feed: the user event an app is
// pushed, with its place in the feed.
type ChangeItem struct {
	Cursor    string          `json:"cursor"`
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// TestReply is what an app answered to a test message.
type TestReply struct {
	App    string `json:"app"`
	Status int    `json:"status"` // 0: no answer
	Body   string `json:"body"`
	Error  string `json:"error"`
	TookMS int64  `json:"took_ms"`
}
