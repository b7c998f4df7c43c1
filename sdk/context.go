package sdk

import (
	"context"

	"github.com/hashicorp/go-hclog"
)

type eventIDKey struct{}

// WithEventID returns ctx carrying the hub's event id. The hub's client puts
// it on every call it makes for an event; Serve hands it to the plugin's
// method in ctx. Tests call it to play the hub.
func WithEventID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, eventIDKey{}, id)
}

// EventID is the id of the hub's event a call is made for, or "" for calls
// that serve no single event (Info, Configure, ListTags, a decode batch).
func EventID(ctx context.Context) string {
	id, _ := ctx.Value(eventIDKey{}).(string)
	return id
}

// Log is the plugin's logger for one call: Logger with the call's event id,
// so the operator can match the plugin's lines to the event.
func Log(ctx context.Context) hclog.Logger {
	if id := EventID(ctx); id != "" {
		return logger.With("event_id", id)
	}
	return logger
}
