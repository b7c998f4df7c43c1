// Package plugin is crmhub's Salesforce CRM: it checks Outbound Messages at
// the hub's door (organization id), acknowledges them with the SOAP Ack
// Salesforce needs, turns each into one item per Contact, and reads and
// writes Contacts through the REST API with a connected app's client
// credentials. Tags are the Contact's topics, or the values of a
// multi-select picklist field.
package plugin
