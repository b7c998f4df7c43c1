package inbox

import "time"

// Observer hears what the inbox does, for metrics. It is called where the
// inbox decides, so it never has to guess from errors. Its methods must be
// quick and safe for concurrent use; *metrics.Metrics is one.
type Observer interface {
	// Committed: one group commit made webhooks durable. queued holds
	// each one's wait from Accept until the commit began; write is the
	// transaction's time until committed, flush the time after it until
	// the commit was durable (the write-ahead log's flush on SQLite; next
	// to nothing on PostgreSQL, whose commit is durable).
	Committed(queued []time.Duration, write, flush time.Duration)
	// Attempted: one attempt at applying an event ended, after d.
	Attempted(crm, action string, d time.Duration)
	// Processed: an event ended done or failed with this outcome.
	Processed(crm, outcome string)
	// Retried: an attempt failed with an error worth retrying; a retry
	// follows, or the event is dead after its last attempt.
	Retried(crm string)
	// WaitedForPlugin: an attempt was handed back, at no cost, because the
	// CRM's plugin was not available.
	WaitedForPlugin(crm string)
	// SharedLookup: an event is applied with its contact as fetched for
	// an earlier event of the contact, after this one arrived, rather
	// than asking the CRM again (see lookups).
	SharedLookup(crm string)
}

// deaf is the Observer of an inbox nobody watches.
type deaf struct{}

func (deaf) Committed([]time.Duration, time.Duration, time.Duration) {}
func (deaf) Attempted(string, string, time.Duration)                 {}
func (deaf) Processed(string, string)                                {}
func (deaf) Retried(string)                                          {}
func (deaf) WaitedForPlugin(string)                                  {}
func (deaf) SharedLookup(string)                                     {}
