// Package fakeklicktipp is a fake KlickTipp REST API for tests: a real HTTP
// server (httptest) that answers as the real KlickTipp API does — string
// values, null where KlickTipp sends null, [] for empty
// maps, its error bodies and status codes — so the plugin's real client is
// tested over real HTTP.
//
// Start with New. Seed it with AddUser (session login) or AddPartner
// (partner keys), AddTag, AddField and AddSubscriber; change a contact
// with SetTags and SetField; make trouble with ExpireSessions,
// SetAPIAccess and Inject (5xx, 429 with Retry-After, delays, bad JSON,
// access denied); read what happened with Calls and Logins.
//
// The fake holds one KlickTipp account: every user and partner it knows
// sees the same subscribers, tags and fields. It is safe for concurrent use
// and cheap per call, so throughput benchmarks can drive it too.
package fakeklicktipp
