// Package outbox delivers the side effects the engine queued in the store
// with a user's creation — the welcome mail and the generated password
// written back to the CRM — after the creation has committed.
//
// A Worker claims each due item, marks it sending before the side effect
// and sent after, then wipes the sealed password it carried. A failure is
// retried with exponential backoff and, after the last attempt, recorded
// as failed. A password this hub's secret key does not open is never
// wiped: the item waits, with an error logged and counted, for a hub with
// the key it was sealed with. An item found still sending after its claim
// ran out (the hub stopped mid-way) is delivered again with a warning that
// it may arrive twice: rare, and never silent. Every step writes an activity line; the
// password never appears in one, nor in the log.
package outbox
