// Package plugin is crmhub's KlickTipp plugin: the sdk.CRM that ties the
// settings, the API client (package api) and the webhook decoder (package
// outbound) together. Start with New; settingsInfo lists the settings
// Configure takes, and tagCache how tag names are kept.
//
// The package fakeklicktipp is the KlickTipp these specs (and the hub's
// end-to-end suite) talk to.
package plugin
