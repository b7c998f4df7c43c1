package harness

import (
	"encoding/json"
	"fmt"
	"maps"

	"github.com/crmhub/crmhub/plugins/mailerlite/fakemailerlite"
)

// The API key of every fake MailerLite account, and the signing secret of
// its webhook.
const (
	MailerLiteAPIKey        = "mailerlite-key-e2e"
	MailerLiteWebhookSecret = "mailerlite-signing-secret-e2e"
)

// mailerLiteAccount is the account id MailerLite names in its webhooks.
const mailerLiteAccount = 2599924

// MailerLite is a fake MailerLite account for hubs to talk to. Seed it
// and read subscribers through the embedded fake; SubscriberEvent,
// GroupEvent and Batch build the JSON MailerLite posts, Signed signs it.
type MailerLite struct {
	*fakemailerlite.Server
	groups map[string]string // id → name, for the webhooks' group objects
}

// StartMailerLite starts a fake MailerLite account on loopback. Close it
// when done.
func StartMailerLite() *MailerLite {
	return &MailerLite{Server: fakemailerlite.New(MailerLiteAPIKey), groups: map[string]string{}}
}

// AddGroup adds a group (a hub tag) and returns its id.
func (m *MailerLite) AddGroup(name string) string {
	id := m.Server.AddGroup(name)
	m.groups[id] = name
	return id
}

// CRM is the mailerlite section of a hub's config, with the webhook's
// signing secret: plugin is the binary (BuildPlugin("mailerlite")),
// fields maps hub fields to MailerLite field keys.
func (m *MailerLite) CRM(plugin string, fields map[string]string) CRM {
	return CRM{Plugin: plugin, Fields: fields, Settings: map[string]string{
		"api_key": MailerLiteAPIKey, "webhook_secret": MailerLiteWebhookSecret, "base_url": m.URL}}
}

// subscriber is the subscriber as a webhook shows it.
func (m *MailerLite) subscriber(id string) map[string]any {
	sub, ok := m.Subscriber(id)
	if !ok {
		panic(fmt.Sprintf("harness: the fake MailerLite has no subscriber %s", id))
	}
	fields := map[string]any{}
	for k, v := range maps.All(sub.Fields) {
		fields[k] = v
	}
	return map[string]any{"id": sub.ID, "email": sub.Email, "status": sub.Status, "source": "api",
		"fields": fields, "created_at": "2026-08-27T15:06:41.000000Z", "updated_at": "2026-08-27T15:06:41.000000Z"}
}

// SubscriberEvent is the flat JSON MailerLite posts for a subscriber
// event (subscriber.created, updated, deleted, …): the subscriber with
// its event named by "event".
func (m *MailerLite) SubscriberEvent(event, id string) []byte {
	body := m.subscriber(id)
	body["event"] = event
	body["account_id"] = mailerLiteAccount
	body["api_version"] = "2025-05"
	return mustJSON(body)
}

// GroupEvent is the JSON MailerLite posts when a subscriber is added to
// or removed from a group: the event named by "type", the subscriber and
// the group as objects.
func (m *MailerLite) GroupEvent(event, id, groupID string) []byte {
	return mustJSON(map[string]any{
		"type": event, "subscriber": m.subscriber(id),
		"group":      map[string]any{"id": groupID, "name": m.groups[groupID]},
		"account_id": mailerLiteAccount, "api_version": "2025-05",
	})
}

// Batch is the JSON of a batchable webhook: its events in one request.
func (m *MailerLite) Batch(events ...[]byte) []byte {
	raw := make([]json.RawMessage, len(events))
	for i, e := range events {
		raw[i] = e
	}
	return mustJSON(map[string]any{"events": raw})
}

// Signed returns the hook signed as MailerLite signs it with the
// webhook's secret.
func (m *MailerLite) Signed(r RawHook) RawHook {
	return SignedWith(r, MailerLiteWebhookSecret)
}

// SignedWith returns the hook signed with secret, a wrong one for a
// forgery.
func SignedWith(r RawHook, secret string) RawHook {
	return r.WithHeader(fakemailerlite.SignatureHeader, fakemailerlite.Sign(r.Body, secret))
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("harness: render JSON: %v", err))
	}
	return b
}
