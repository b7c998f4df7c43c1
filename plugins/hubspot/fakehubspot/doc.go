// Package fakehubspot is a fake of HubSpot's CRM API over real HTTP, for
// tests of the HubSpot plugin and the hub's end-to-end specs. It answers as
// HubSpot does: string ids, Bearer authentication (401
// INVALID_AUTHENTICATION), 404 OBJECT_NOT_FOUND bodies, the search
// endpoint's 4 requests per second (429 RATE_LIMIT with policyName
// SECONDLY), rate-limit headers on every answer, and paginated list
// memberships (small pages, so specs cross pages).
//
// Start one from any test:
//
//	fake := fakehubspot.New("pat-na1-token")
//	defer fake.Close()
//	fake.AddProperty("city", "City")
//	fake.AddList("7", "Customers", fakehubspot.Manual)
//	fake.AddContact(fakehubspot.Contact{ID: "701", Properties: map[string]string{"email": "jane@example.com"}, Lists: []string{"7"}})
//
// Faults: FailNext answers the next n calls with a given status, headers and
// body; Stall holds every call until released; Calls lists what was asked;
// SetClock freezes the search limiter's clock. SignV1/SignV2/SignV3 and Sign
// sign a webhook request as HubSpot signs it.
package fakehubspot
