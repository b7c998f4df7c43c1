// Package api is a client of Mailchimp's Marketing API 3.0 for one audience
// (list): members by subscriber hash, the audience's tags (static segments)
// and merge fields, and merge-field writes.
//
// It authenticates with HTTP Basic ("anystring:" + API key), holds at most
// MaxConnections requests open at once (Mailchimp allows 10 simultaneous
// connections per key and answers 429 beyond), and maps Mailchimp's problem
// JSON to the SDK's error kinds: 401 → Unauthenticated, 404 → NotFound,
// 429 and a bare 403 (Mailchimp's throttling quirk) → Retryable with
// ThrottleWait, 5xx → Retryable, other 4xx → Invalid.
package api
