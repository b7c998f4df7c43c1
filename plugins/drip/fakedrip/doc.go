// Package fakedrip is a fake Drip v2 API for tests: a real HTTP server
// (httptest) that answers as Drip does — {"links":…,"subscribers":[…]}
// answers, alphanumeric subscriber ids, tags as bare names,
// {"errors":[{"code","message"}]} error bodies (401 for a wrong token, 403
// authorization_error for another account, 404 not_found_error), HTTP
// Basic auth with the token as user and an empty password, and an hourly
// request limit (3,600 by default; SetRateLimit makes it small) answered
// 429 {"message":"API rate limit exceeded…"} with X-RateLimit-Limit and
// X-RateLimit-Remaining and no Retry-After.
//
// Start with New(accountID, token); it is exported so that other
// packages' tests (the hub's end-to-end suites) can start one too. Seed
// it with AddTag, AddCustomField and AddSubscriber; change a subscriber
// with SetTags and SetCustomField; build the webhooks Drip would send with
// Webhook and HTTPPost; make trouble with Inject (ServerError,
// RateLimited, Slow, any status and body for the next N calls), Stall and
// SetRateLimit; read what happened with Calls and CallCount.
package fakedrip
