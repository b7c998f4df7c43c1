package migrations

func init() {
	Migrations.MustRegister(statements(
		// One request may name several contacts (items). The request's own
		// row is item 0; items 1.. are rows of their own that point back to
		// it, so every guarantee of an event holds per item.
		`ALTER TABLE events ADD COLUMN request_id BIGINT`,
		`ALTER TABLE events ADD COLUMN item_index INTEGER NOT NULL DEFAULT 0`,
		// How many items the request's decode gave; 0 until decoded (or
		// when it named none).
		`ALTER TABLE events ADD COLUMN item_count INTEGER NOT NULL DEFAULT 0`,
		// The contact a webhook carried (JSON), used instead of asking the
		// CRM; empty when none.
		`ALTER TABLE events ADD COLUMN contact TEXT NOT NULL DEFAULT ''`,
		`UPDATE events SET item_count = 1 WHERE decoded`,
		// Unique: a request's items are made once, whichever hub decodes
		// it (a request row's NULL request_id never collides).
		`CREATE UNIQUE INDEX events_request ON events (request_id, item_index)`,
	), nil)
}
