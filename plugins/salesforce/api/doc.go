// Package api is a client of Salesforce's REST API for the calls the hub
// needs: read, find and update Contacts, read their topics, describe the
// Contact object. It gets its access token with the OAuth 2.0 client
// credentials flow and gets a new one, once per call and single-flighted
// across calls, when Salesforce answers 401 INVALID_SESSION_ID.
//
// Errors are the SDK's kinds: NotFound for 404 NOT_FOUND, Unauthenticated
// for refused credentials, Retryable for 5xx, network trouble and the org's
// API limit (403 REQUEST_LIMIT_EXCEEDED: Salesforce sends no Retry-After,
// the limit is a rolling 24 hours, so the client asks for LimitWait),
// Invalid for other 4xx answers.
package api
