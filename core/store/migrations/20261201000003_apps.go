package migrations

func init() {
	Migrations.MustRegister(statements(
		// Each user's events are numbered, so an app can drop a stale one.
		`ALTER TABLE users ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0`,
		// The change feed: one row per user event, written in the
		// transaction that changed the user. xact orders the feed by
		// transaction, so a reader never passes a row that an older
		// transaction has yet to commit.
		`
CREATE TABLE changes (
	id         {{serial}},
	xact       {{xact}},
	user_id    BIGINT NOT NULL,
	type       TEXT NOT NULL,
	sequence   BIGINT NOT NULL,
	data       TEXT NOT NULL,
	created_at {{time}} NOT NULL
)`,
		`CREATE INDEX changes_xact_id ON changes (xact, id)`,
		`CREATE INDEX changes_created ON changes (created_at)`,
		// One row per change and app that is pushed the change.
		`
CREATE TABLE app_deliveries (
	id              {{serial}},
	app             TEXT NOT NULL,
	change_id       BIGINT NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
	user_id         BIGINT NOT NULL,
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at {{time}} NOT NULL,
	lease_token     TEXT NOT NULL,
	lease_until     {{time}},
	response_status INTEGER NOT NULL,
	last_error      TEXT NOT NULL,
	created_at      {{time}} NOT NULL,
	updated_at      {{time}} NOT NULL,
	finished_at     {{time}}
)`,
		`CREATE INDEX app_deliveries_status_next ON app_deliveries (status, next_attempt_at)`,
		`CREATE INDEX app_deliveries_app_user ON app_deliveries (app, user_id, id)`,
		`CREATE INDEX app_deliveries_change ON app_deliveries (change_id)`,
		// Failed sign-ins, counted per login to slow down guessing on every
		// replica alike.
		`
CREATE TABLE sign_in_failures (
	id        {{serial}},
	login_key TEXT NOT NULL,
	at        {{time}} NOT NULL
)`,
		`CREATE INDEX sign_in_failures_login_at ON sign_in_failures (login_key, at)`,
	), nil)
}
