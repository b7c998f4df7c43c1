// Package store keeps the hub's state — users, their CRM links, tags and
// fields, the webhook inbox, activity, the outbox of side effects and
// settings — in SQLite (the embedded default) or PostgreSQL, through bun.
//
// Start with Open and Migrate. Methods are split one file per entity; each
// takes a context first and wraps its errors with the step that failed.
// Uniqueness is enforced by the database and surfaced as the sentinel errors
// in errors.go.
package store
