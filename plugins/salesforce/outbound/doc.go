// Package outbound reads Salesforce Outbound Messages: SOAP 1.1 requests
// carrying up to 100 notifications about records, sent by a workflow rule
// or flow. It judges a request at the hub's door (Check), turns a stored
// one into items (Decode), and holds the answers Salesforce understands:
// the Ack that ends its retries and the SOAP fault.
//
// Outbound Messages carry no signature and no event type: the
// organization id is the only check, and the action comes from the URL.
package outbound
