// Package fakeactivecampaign is a fake ActiveCampaign v3 API for tests: a
// real HTTP server (httptest) that answers as ActiveCampaign does — string
// ids, {"message":…} error bodies, 403 for a wrong Api-Token, limit/offset
// pages with meta.total as a string, the deleted+<id>@example.com address
// of a deleted contact, and its rate limit of 5 requests a second per
// account (429 with Retry-After: 30 and RateLimit-Limit /
// RateLimit-Remaining on every answer).
//
// Start with New(token); it is exported so that other packages' tests (the
// hub's end-to-end suites) can start one too. Seed it with AddTag, AddField
// and AddContact; change a contact with SetTags, SetField and Delete;
// build the form ActiveCampaign posts with Webhook;
// make trouble with Inject (ServerError, RateLimited, Slow, any status and
// body for the next N calls), Stall and SetRateLimit; read what happened
// with Calls and CallCount.
package fakeactivecampaign
