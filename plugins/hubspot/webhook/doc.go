// Package webhook reads the requests HubSpot sends the hub: it checks their
// signatures at the door (Check) and decodes stored ones into items
// (Decode). Neither calls HubSpot.
//
// HubSpot has two senders. The Webhooks API (an app's subscriptions) POSTs
// a JSON array of events, batched, signed v1 and v3 with the app's client
// secret; the events carry contact ids but no e-mail. A workflow's "Send a
// webhook" action POSTs one contact in the legacy v1 contact shape (vid,
// properties.email.value); it is not signed with the app's secret.
package webhook
