// Package inbox is the hub's durable webhook queue (docs/architecture.md:
// data flow, processing guarantees, leases and coalescing).
//
// Accept stores a webhook with group commit: concurrent requests share one
// transaction, and none is acknowledged before its row is committed. The
// workers (Run) then, per CRM whose plugin is ready, decode stored
// webhooks in batches through the plugin, claim due events — one per
// contact at a time, merging identical pending ones — and apply each
// through the engine, committing the event's final status in the same
// transaction as its effects. Failures are retried with exponential
// backoff and jitter until inbox.max_attempts, then the event is dead;
// Replay re-queues failed and dead events. Wait lets a webhook caller
// block until its event is final.
package inbox
