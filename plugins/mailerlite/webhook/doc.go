// Package webhook reads and checks MailerLite's webhooks.
//
// New MailerLite (connect.mailerlite.com) POSTs JSON: a flat subscriber
// with the event in "event" (subscriber.created, …), a group event with
// the event in "type" and "subscriber" and "group" objects, or — for a
// batchable webhook — {"events": [...]} of either. Classic MailerLite
// POSTs {"events": [{"type": "subscriber.create", "data": {"subscriber":
// …}}]}. Ids are 18-digit numbers, read as strings, never floats.
//
// Verify checks the Signature header (hex HMAC-SHA256 of the raw body
// under the webhook's secret). Decode names each event's subscriber. A
// webhook carries the subscriber's fields but not its groups, so the hub
// fetches the contact.
package webhook
