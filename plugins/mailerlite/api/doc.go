// Package api is a client of MailerLite's API (connect.mailerlite.com):
// subscribers by id or e-mail address with their fields and groups, the
// account's groups and fields (page by page), and field writes.
//
// It authenticates with a Bearer API key and maps MailerLite's answers to
// the SDK's error kinds: 401/403 → Unauthenticated, 404 → NotFound, 422 →
// Invalid, 429 → Retryable with the wait MailerLite's Retry-After (or
// X-RateLimit-Reset) asks for, 5xx → Retryable. Ids are 18-digit numbers,
// beyond float64's exact range: they are kept as strings, never floats.
package api
