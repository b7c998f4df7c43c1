// Package api is a client for KlickTipp's REST API, as far as crmhub needs it:
// read a subscriber, find one by e-mail, write its fields, list tags and fields.
//
// Start with New and Config. Auth is either Session (user name and password;
// the client logs in, keeps the session cookie and logs in again once when
// KlickTipp refuses a session; a login answered 406 "already logged in"
// means a session is open, which the client logs out before it logs in
// once more) or Partner (developer and customer keys, sent
// as X-Un and X-Ci headers on every call).
//
// Every error the client returns is an sdk error whose Kind tells the hub
// what to do: NotFound for a contact KlickTipp does not know, Retryable for
// network trouble, 5xx, 429 (with its Retry-After) and answers that are not
// the JSON expected, Unauthenticated when KlickTipp refuses the credentials,
// Invalid for requests KlickTipp rejects as wrong. The mapping is by HTTP
// status and numeric error code, never by message text, which varies by
// language and version. No error or log line carries a password, key,
// cookie or session id.
//
// KlickTipp is written in PHP and its answers show it: every value is a
// string or null, numbers sometimes appear where strings were promised, and
// an empty map arrives as an empty JSON array. The decoding here tolerates
// all of that.
package api
