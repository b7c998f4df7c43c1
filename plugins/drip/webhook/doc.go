// Package webhook decodes Drip's webhooks: the global webhooks
// ({"event":"subscriber.…","data":{"account_id","subscriber",
// "properties"},"occurred_at"}) and the automation action "Send an HTTP
// Post" ({"subscriber":{…}} plus custom values), both JSON. Start with
// Decode; events maps each event to what the hub does with it.
package webhook
