// Package api is a small client of Drip's v2 REST API: a subscriber by id
// or e-mail, the account's tags and custom field identifiers, and writing
// a subscriber's fields.
//
// Every error is an sdk error of the kind the hub acts on: 404 NotFound
// (for calls about a subscriber), 401 and 403 Unauthenticated, 429 and
// 5xx Retryable, other 4xx Invalid. Drip's 429 names no wait (its message
// says "try again in an hour"): the client waits Config.RateLimitWait.
// Start with New.
package api
