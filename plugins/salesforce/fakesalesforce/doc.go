// Package fakesalesforce is a fake Salesforce org for tests: a real HTTP
// server (httptest) answering the OAuth 2.0 token endpoint (client
// credentials flow) and the REST API calls the plugin makes, as Salesforce
// does — 18-character ids, error bodies as JSON arrays of
// {"message","errorCode"}, 401 INVALID_SESSION_ID for an expired session,
// 403 REQUEST_LIMIT_EXCEEDED for the org's API limit (Salesforce sends no
// 429 and no Retry-After), 400 MALFORMED_QUERY for a SOQL string literal
// with an unescaped quote, and Sforce-Limit-Info on every API answer.
//
// Start with New. Seed it with AddClient (a connected app's id and
// secret), AddContact, AddTopic and AddField; make trouble with
// ExpireSessions, SetLimit, Inject (any status and body for the next N
// matching calls, or a delay) and Stall; read what happened with Calls and
// Tokens. OutboundMessage builds the SOAP body Salesforce POSTs to the hub,
// for the plugin's specs and the hub's end-to-end specs.
//
// The SOQL endpoint understands exactly the queries the plugin sends:
//
//	SELECT Id FROM Contact WHERE Email = '<literal>'
//	SELECT TopicId FROM TopicAssignment WHERE EntityId = '<literal>'
//	SELECT Id, Name FROM Topic [WHERE Id IN ('<literal>', …)]
//
// and answers pages of PageSize records, linked by nextRecordsUrl.
//
// It is safe for concurrent use.
package fakesalesforce
