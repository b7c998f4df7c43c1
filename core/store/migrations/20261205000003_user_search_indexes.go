package migrations

func init() {
	// Users searched by a contact id without its CRM, or by a tag, read
	// every link or every tag. A link is written once per user and CRM,
	// so its index costs little on both databases. A tag is written at
	// every tag change, which on SQLite would write a page of each index
	// per user in each commit, on the connection every event waits for:
	// the tags' indexes are PostgreSQL's alone.
	Migrations.MustRegister(statements(
		`CREATE INDEX contact_links_contact ON contact_links (contact_id)`,
		postgresOnly(`CREATE INDEX user_tags_name ON user_tags (tag_name)`),
		postgresOnly(`CREATE INDEX user_tags_tag ON user_tags (tag_id)`),
	), nil)
}
