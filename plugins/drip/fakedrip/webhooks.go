package fakedrip

import (
	"encoding/json"
	"maps"
)

// Webhook builds the body of a global webhook Drip would send for event
// (e.g. "subscriber.applied_tag") about the subscriber with this id, as
// the fake holds it, with properties (e.g. {"tag":"Customer"}).
func (s *Server) Webhook(event, id string, properties map[string]any) []byte {
	sub, _ := s.Subscriber(id)
	if properties == nil {
		properties = map[string]any{}
	}
	body, _ := json.Marshal(map[string]any{
		"event": event,
		"data": map[string]any{"account_id": s.AccountID, "subscriber": SubscriberJSON(sub, s.AccountID),
			"properties": properties},
		"occurred_at": "2013-06-21T10:31:58Z",
	})
	return body
}

// HTTPPost builds the body of an automation's "Send an HTTP Post" action
// (JSON) about the subscriber with this id, with the action's custom
// key/values.
func (s *Server) HTTPPost(id string, custom map[string]string) []byte {
	sub, _ := s.Subscriber(id)
	payload := map[string]any{"subscriber": SubscriberJSON(sub, s.AccountID)}
	if len(custom) > 0 {
		payload["custom"] = maps.Clone(custom)
	}
	body, _ := json.Marshal(payload)
	return body
}
