// Package engine is the one place the hub's sync semantics live: what add,
// update and update_tags do to the users, their CRM links, tags and fields
// (the table in docs/architecture.md, "What an event does").
//
// Start with Engine.Apply. It fetches the contact from the CRM first, then
// makes every change of one event in one short transaction — found by the
// contact link, else by the contact's e-mail as the CRM reports it, else
// created — and writes an activity line for each step. Side effects outside
// the store (the welcome mail, the generated password written back to the
// CRM) are only queued here, with the plaintext sealed; core/outbox
// delivers them.
//
// Concurrent events for one new contact converge on one user: the store
// refuses a second user with the same e-mail without aborting the
// transaction, and the loser links to the winner's user.
package engine
