// Package webhook decodes ActiveCampaign's webhooks: form-encoded POSTs
// with PHP-style nested keys (contact[id], contact[email], contact[tags],
// contact[fields][…]) and an event type in type. Start with Decode; events
// maps each event type to what the hub does with it.
package webhook
