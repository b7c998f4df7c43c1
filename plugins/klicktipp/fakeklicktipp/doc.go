// Package fakeklicktipp is a fake KlickTipp REST API for tests: a real HTTP
// server (httptest) that answers as KlickTipp does — string values, null
// where KlickTipp sends null, [] for empty maps, its error bodies and status
// codes, 406 to a login while the request carries a live session's cookie —
// so the plugin's real client is tested over real HTTP.
//
// Start with New. Seed it with AddUser (session login) or AddPartner
// (partner keys), AddTag, AddField and AddSubscriber; change a contact
// with SetTags and SetField; make trouble with ExpireSessions,
// SetAPIAccess, KeepCookies and Inject (5xx, 429 with Retry-After, delays,
// bad JSON, access denied, "already logged in"); read what happened with
// Calls, Logins and Sessions.
//
// The fake holds one KlickTipp account: every user and partner it knows
// sees the same subscribers, tags and fields. It is safe for concurrent use
// and cheap per call, so throughput benchmarks can drive it too.
package fakeklicktipp
