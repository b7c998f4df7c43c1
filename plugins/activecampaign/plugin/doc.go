// Package plugin is crmhub's ActiveCampaign plugin: the sdk.CRM that ties
// the settings, the API client (package api) and the webhook decoder
// (package webhook) together. Start with New; settingsInfo lists the
// settings Configure takes.
//
// Ids: a contact is named by ActiveCampaign's numeric contact id, a tag by
// its numeric tag id (names come from GET /api/3/tags), a custom field by
// its numeric field id, and the standard attributes by their v3 names
// (email, firstName, lastName, phone).
package plugin
