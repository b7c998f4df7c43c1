// Package outbound reads the webhooks ("outbounds") KlickTipp sends: which
// contact a request is about. Decode is a pure function of the request; it
// never calls KlickTipp.
//
// KlickTipp sends the Subscriber ID (parameter SubscriberID, which operators
// rename) and always the e-mail address, in a form-encoded body, a JSON body
// or the query string. Decode accepts all three and the usual renamings.
package outbound
