// Package plugin is crmhub's Mailchimp CRM: one audience's members as
// contacts (keyed by subscriber hash), its tags, its merge fields as
// contact fields, and its webhooks, whose validation GET it answers at the
// hub's door.
package plugin
