package migrations

func init() {
	// Two reads of users by username could use no index, so each read
	// every user: picking a new user's username among those that begin
	// like it (anna, anna1, …), and signing in, which matches the login
	// against the username in lower case.
	//
	// The first now reads a range in byte order. SQLite's users_username
	// is in that order; PostgreSQL's follows the database's collation,
	// which need not be bytewise, so it gets an index of its own.
	Migrations.MustRegister(statements(
		`CREATE INDEX users_username_lower ON users (lower(username))`,
		postgresOnly(`CREATE INDEX users_username_bytewise ON users (username COLLATE "C")`),
	), nil)
}
