package migrations

func init() {
	// Workers look for due events by status in id order (the inbox's
	// claim) on every poll: with this index that reads the few unfinished
	// events, not the whole history.
	Migrations.MustRegister(statements(
		`CREATE INDEX events_status_id ON events (status, id)`,
	), nil)
}
