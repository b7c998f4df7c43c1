// Package fakemailerlite is a fake of MailerLite's API
// (connect.mailerlite.com/api) for tests: a real HTTP server (httptest)
// that answers as MailerLite does — {"data": …} envelopes, 18-digit ids as
// strings, subscribers with their fields (null when empty) and groups,
// groups and fields paginated with links and meta, 401
// {"message":"Unauthenticated."}, 404, 422 {"message","errors"} — and
// enforces MailerLite's rate limit of 120 requests a minute with
// X-RateLimit-Limit and X-RateLimit-Remaining on every answer and
// Retry-After and X-RateLimit-Reset on a 429 (Laravel's throttle, which
// MailerLite's API answers with).
//
// Start with New(apiKey); point the client at URL (base_url). Seed it
// with AddGroup, AddField and AddSubscriber; read a subscriber back with
// Subscriber. Make trouble with SetRateLimit, Inject (any status and body
// for the next N calls, a delay), ServerError and Stall; Calls counts
// requests. Sign signs a webhook body as MailerLite does, for tests that
// play MailerLite's webhooks (end-to-end suites too).
package fakemailerlite
