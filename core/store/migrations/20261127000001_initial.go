package migrations

func init() {
	// Migrations.MustRegister names the migration after this file.
	Migrations.MustRegister(statements(`
CREATE TABLE users (
	id            {{serial}},
	username      TEXT NOT NULL,
	email         TEXT NOT NULL,
	email_key     TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	role          TEXT NOT NULL,
	first_name    TEXT NOT NULL,
	last_name     TEXT NOT NULL,
	created_at    {{time}} NOT NULL,
	updated_at    {{time}} NOT NULL
)`,
		`CREATE UNIQUE INDEX users_email_key ON users (email_key)`,
		`CREATE UNIQUE INDEX users_username ON users (username)`,
		`
CREATE TABLE user_fields (
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name    TEXT NOT NULL,
	value   TEXT NOT NULL,
	PRIMARY KEY (user_id, name)
)`, `
CREATE TABLE contact_links (
	crm        TEXT NOT NULL,
	contact_id TEXT NOT NULL,
	user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at {{time}} NOT NULL,
	PRIMARY KEY (crm, contact_id)
)`,
		`CREATE UNIQUE INDEX contact_links_user_crm ON contact_links (user_id, crm)`,
		`
CREATE TABLE user_tags (
	user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	crm      TEXT NOT NULL,
	tag_id   TEXT NOT NULL,
	tag_name TEXT NOT NULL,
	PRIMARY KEY (user_id, crm, tag_id)
)`,
		`CREATE INDEX user_tags_crm_tag ON user_tags (crm, tag_id)`,
		`
CREATE TABLE events (
	id                {{serial}},
	crm               TEXT NOT NULL,
	action            TEXT NOT NULL,
	role              TEXT NOT NULL,
	send_notification BOOLEAN NOT NULL,
	method            TEXT NOT NULL,
	query             TEXT NOT NULL,
	header            TEXT NOT NULL,
	content_type      TEXT NOT NULL,
	body              {{bytes}},
	decoded           BOOLEAN NOT NULL,
	contact_id        TEXT NOT NULL,
	email             TEXT NOT NULL,
	status            TEXT NOT NULL,
	outcome           TEXT NOT NULL,
	message           TEXT NOT NULL,
	user_id           BIGINT,
	attempts          INTEGER NOT NULL,
	next_attempt_at   {{time}} NOT NULL,
	lease_owner       TEXT NOT NULL,
	lease_until       {{time}},
	coalesced_into    BIGINT,
	received_at       {{time}} NOT NULL,
	updated_at        {{time}} NOT NULL,
	finished_at       {{time}}
)`,
		`CREATE INDEX events_status_next ON events (status, next_attempt_at)`,
		`CREATE INDEX events_crm_contact ON events (crm, contact_id)`,
		`
CREATE TABLE event_attempts (
	id          {{serial}},
	event_id    BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	number      INTEGER NOT NULL,
	owner       TEXT NOT NULL,
	started_at  {{time}} NOT NULL,
	finished_at {{time}},
	outcome     TEXT NOT NULL,
	error       TEXT NOT NULL
)`,
		`CREATE INDEX event_attempts_event ON event_attempts (event_id)`,
		`
CREATE TABLE activity (
	id       {{serial}},
	at       {{time}} NOT NULL,
	crm      TEXT NOT NULL,
	event_id BIGINT,
	user_id  BIGINT,
	level    TEXT NOT NULL,
	message  TEXT NOT NULL
)`,
		`CREATE INDEX activity_event ON activity (event_id)`,
		`
CREATE TABLE contact_leases (
	crm        TEXT NOT NULL,
	contact_id TEXT NOT NULL,
	owner      TEXT NOT NULL,
	until      {{time}} NOT NULL,
	PRIMARY KEY (crm, contact_id)
)`, `
CREATE TABLE outbox (
	id              {{serial}},
	kind            TEXT NOT NULL,
	user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	event_id        BIGINT,
	crm             TEXT NOT NULL,
	contact_id      TEXT NOT NULL,
	target          TEXT NOT NULL,
	secret          {{bytes}},
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at {{time}} NOT NULL,
	last_error      TEXT NOT NULL,
	created_at      {{time}} NOT NULL,
	done_at         {{time}}
)`,
		// One welcome mail and one returned password per user, ever: a
		// repeated creation step cannot queue a second.
		`CREATE UNIQUE INDEX outbox_kind_user ON outbox (kind, user_id)`,
		`CREATE INDEX outbox_status_next ON outbox (status, next_attempt_at)`,
		`
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
)`,
	), nil)
}
