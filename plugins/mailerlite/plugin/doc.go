// Package plugin is crmhub's MailerLite CRM: subscribers as contacts (by
// their 18-digit ids), groups as tags, subscriber fields by key, and
// MailerLite's webhooks, whose signature it checks at the hub's door.
package plugin
