// Package plugin is crmhub's Drip plugin: the sdk.CRM that ties the
// settings, the API client (package api) and the webhook decoder (package
// webhook) together. Start with New; settingsInfo lists the settings
// Configure takes.
//
// Ids: a contact is named by Drip's subscriber id (letters and digits), a
// tag by its name (Drip's tags have no other id), a field by its API name:
// the standard attributes (first_name, …) and custom field identifiers.
package plugin
