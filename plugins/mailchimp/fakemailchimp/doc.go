// Package fakemailchimp is a fake of Mailchimp's Marketing API 3.0 for
// tests: a real HTTP server (httptest) that answers as Mailchimp does —
// members keyed by the MD5 of the lower-cased address, tags as static
// segments with numeric ids, merge fields paginated by count and offset,
// addresses as objects, problem JSON errors ("API Key Invalid",
// "Resource Not Found", "Invalid Resource") — and enforces Mailchimp's limit
// of 10 simultaneous connections with a 429 and no rate-limit headers.
//
// Start with New(apiKey, listID); point the client at URL (base_url). Seed
// it with AddMergeField, AddTag and AddMember; read a member back with
// Member. Make trouble with Inject (any status and body for the next N
// calls, a delay), BareForbidden and ServerError, and Stall (hold every
// call until released). Calls, InFlight and MaxInFlight say what happened.
// Other packages' tests (end-to-end suites) can start it the same way.
package fakemailchimp
