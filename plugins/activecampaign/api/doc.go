// Package api is a small client of ActiveCampaign's v3 REST API: a contact
// with its field values and tag ids, a contact by e-mail, the account's
// tags and custom fields (paged), and writing a contact's fields.
//
// Every error is an sdk error of the kind the hub acts on: 404 NotFound
// (for calls about a contact), 401/403 Unauthenticated (a refused
// Api-Token), 429 and 5xx Retryable with the wait ActiveCampaign names in
// Retry-After, other 4xx Invalid. Start with New.
package api
