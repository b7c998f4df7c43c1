package migrations

func init() {
	// A user's page shows the user's newest activity lines and deliveries
	// to apps. Without an index by user, each read goes through the table
	// newest first, to its end for a user with fewer rows than the page
	// shows: most users. On PostgreSQL, the production store, such an
	// index costs a write nothing measurable. On SQLite it is left out:
	// each commit would write a page of the index for each user it
	// touches, and an activity line (one or more for every event) took
	// 46 µs to write instead of 10, on the one connection every event
	// waits for.
	Migrations.MustRegister(statements(
		postgresOnly(`CREATE INDEX activity_user ON activity (user_id, id) WHERE user_id IS NOT NULL`),
		postgresOnly(`CREATE INDEX app_deliveries_user ON app_deliveries (user_id, id)`),
	), nil)
}
