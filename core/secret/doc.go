// Package secret keeps the hub's secrets safe at rest.
//
// Box encrypts the few plaintexts the hub must hold for a while — a new
// user's password, until the welcome mail and the CRM write-back that need
// it are delivered — with a key kept in a file of its own, never in the
// store: a copy of the database alone reveals nothing. Start with
// LoadOrCreateKey (or LoadKey, which never creates one). A Box's KeyCheck
// identifies its key without revealing it: the store records it, so a hub
// with another key file is refused at start instead of sealing what the
// other hubs cannot open.
//
// HashPassword, CheckPassword and GeneratePassword are the only ways the hub
// handles user passwords: generated from crypto/rand, stored as argon2id
// hashes, compared in constant time.
package secret
