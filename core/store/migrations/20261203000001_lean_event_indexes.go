package migrations

func init() {
	// A webhook just received entered all five indexes of events, though
	// only two of them read received events; at ingest on SQLite its
	// entries in the other three cost about a third of its row. Each index
	// now holds only the events its reads look for:
	Migrations.MustRegister(statements(
		// due retries, the one read that searches by next_attempt_at
		// (pending and processing events are read in receipt order, and
		// received ones by id, which events_status_id serves);
		`DROP INDEX events_status_next`,
		`CREATE INDEX events_retry_due ON events (next_attempt_at) WHERE status = 'retrying'`,
		// the events of a contact, which a received event has not yet;
		`DROP INDEX events_crm_contact`,
		`CREATE INDEX events_crm_contact ON events (crm, contact_id) WHERE contact_id <> ''`,
		// a request's items, which a request's own row is not.
		`DROP INDEX events_request`,
		`CREATE UNIQUE INDEX events_request ON events (request_id, item_index) WHERE request_id IS NOT NULL`,
	), nil)
}
