// Package api is a small client of HubSpot's CRM v3 API: contacts (get,
// search by e-mail, update), contact properties, lists and list
// memberships. It maps HubSpot's answers onto the SDK's error kinds:
// 404 OBJECT_NOT_FOUND → NotFound, 401 → Unauthenticated, 429 and 5xx →
// Retryable with HubSpot's wait, other 4xx → Invalid with HubSpot's message.
package api
