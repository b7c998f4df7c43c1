// Package webhook reads Mailchimp's audience webhooks: form-encoded POSTs,
// one member each, with the event in "type" (subscribe, unsubscribe,
// profile, upemail, cleaned, campaign) and the member in data[...].
//
// Mailchimp's data[id] is the member's euid, not its API id, so members
// are named by their subscriber hash (the MD5 of the lower-cased address),
// which is what the API keys them by. The webhook's merges lack the
// member's tags, so the hub fetches the contact.
package webhook
