package migrations

func init() {
	Migrations.MustRegister(statements(
		// Each CRM's plugin Info as its plugin last gave it (JSON): its
		// webhook profile lets a restarted hub take (or refuse) the CRM's
		// webhooks before the plugin is up again.
		`
CREATE TABLE plugin_profiles (
	crm        TEXT PRIMARY KEY,
	info       TEXT NOT NULL,
	updated_at {{time}} NOT NULL
)`,
	), nil)
}
