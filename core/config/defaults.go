package config

// defaults are the built-in values, the first layer under the file and the
// environment. They run the hub on an embedded SQLite file with nothing
// installed.
var defaults = map[string]any{
	"listen":                        "127.0.0.1:8080",
	"database.url":                  "sqlite://data/crmhub.db",
	"database.max_connections":      20,
	"database.prepared_statements":  true,
	"access_key":                    "",
	"admin.token":                   "",
	"admin.pprof":                   false,
	"server.max_body":               "1MiB",
	"server.default_crm":            "klicktipp",
	"server.public_url":             "",
	"secret_key_file":               "data/secret.key",
	"inbox.workers":                 64,
	"inbox.workers_while_receiving": 0,
	"inbox.max_attempts":            12,
	"inbox.backoff_initial":         "5s",
	"inbox.backoff_max":             "1h",
	"inbox.max_backlog":             1000000,
	"inbox.lease":                   "30s",
	"plugins.dir":                   "bin/plugins",
	"plugins.max_procs":             0,
	"roles.default":                 "subscriber",
	"roles.allowed":                 []string{"subscriber", "customer", "member"},
	"roles.privileged":              []string{"administrator"},
	"users.username_format":         "email",
	"notify.login_url":              "http://127.0.0.1:8080/",
	"notify.smtp.host":              "",
	"notify.smtp.port":              587,
	"notify.smtp.username":          "",
	"notify.smtp.password":          "",
	"notify.smtp.from":              "",
	"notify.smtp.starttls":          true,
	"notify.welcome_template":       "",
	"log.format":                    "text",
	"log.level":                     "info",
	"delivery.max_attempts":         8,
	"delivery.backoff_initial":      "5s",
	"delivery.backoff_max":          "10h",
	"delivery.timeout":              "15s",
	"changes.retention":             "720h",

	// KlickTipp is the first CRM: on unless the operator turns it off.
	"crms.klicktipp.enabled": true,
}

// crmDefaults fill in what a CRM entry leaves out, for every CRM named in
// any layer; "plugin" defaults to the CRM's own name.
var crmDefaults = map[string]any{
	"enabled":               true,
	"sha256":                "",
	"access_key":            "",
	"rate_limit":            10,
	"return_password_field": "",
}

// appDefaults fill in what an app entry leaves out, for every app named in
// any layer.
var appDefaults = map[string]any{
	"enabled": true,
	"url":     "",
	"secret":  "",
	"token":   "",
}
