// Package apps takes the hub's users out to applications, three ways:
//
//   - Push: the engine writes each user event with one delivery per app in
//     the transaction that changed the user; Worker POSTs them, signed as
//     the Standard Webhooks specification defines (sign.go), retrying with
//     backoff until delivered or dead. Per app, one user's events go in
//     order; different users' in parallel.
//   - Pull: Feed serves the change feed to readers that follow a cursor.
//   - Sign-in: SignIn checks an app user's login and password, slowing
//     down guessing per login and per client address.
//
// RunPruner deletes changes older than their retention. The JSON an app
// receives is in the message subpackage.
package apps
