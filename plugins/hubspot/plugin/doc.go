// Package plugin is crmhub's HubSpot CRM: it checks HubSpot's signatures at
// the hub's door, decodes Webhooks-API event batches and workflow webhooks
// into one item per contact, and reads contacts, static-list memberships
// (or a multiple-checkbox property) as tags, and properties as fields
// through HubSpot's CRM v3 API.
package plugin
