package config

// keyDocs describes every configuration key, by its path; a map of
// sections is written with a placeholder (<name>) and a map of values with
// <key>. docs/configuration.md is generated from this table together with
// Config, defaults and crmDefaults (make docs), and a spec fails when a key
// has no line here, when a line names no key, or when the file is stale.
var keyDocs = map[string]string{
	"listen": "Address (host:port) the HTTP server listens on. Applies at the next start.",
	"database.url": "The store: `sqlite://<path>` (everything after `sqlite://` is the path, relative to the working directory; `sqlite:///var/lib/crmhub/hub.db` is absolute; its folder is created) " +
		"or `postgres://user:pass@host:5432/db?sslmode=disable`. SQLite is for one process; several hubs share one PostgreSQL. Applies at the next start.",
	"database.max_connections": "Most connections this process opens to PostgreSQL (SQLite uses one to write and two to read). Hubs sharing a server must fit its `max_connections` together, with room for everything else that connects: " +
		"three hubs at the default need 60. Fewer make the hub's work wait for a connection. At least 2. Applies at the next start.",
	"database.prepared_statements": "On PostgreSQL, run the busiest statements prepared: each connection parses and plans them once, then only binds their values " +
		"(SQLite always does). Turn it off behind a pooler that hands a session's statements to other clients' server connections, as PgBouncer in " +
		"transaction mode does before 1.21 (or with `max_prepared_statements = 0`): the hub then sends every statement as text. Applies at the next start.",
	"access_key": "The key every webhook must carry (`access_key` in the query, form or JSON body, or the `Authorization` header), unless its CRM has its own. " +
		"Empty: generated once, kept in the store and printed at start.",
	"admin.token":        "Bearer token of the admin API (`/api/v1`) and sign-in of the web console (`/ui/`). Empty turns both off: they answer 404.",
	"admin.pprof":        "Serve Go's profiler (`/debug/pprof/`) to the admin token, for CPU and heap profiles of a running hub (`go tool pprof`). Off: 404.",
	"server.max_body":    "Largest webhook body accepted; a larger one is answered 413. A size such as `1MiB`, `512KB` or a number of bytes; at most `32MiB`, so a webhook fits one message to its plugin.",
	"server.default_crm": "The CRM that receives WP Fusion-style webhooks sent to `/?wpf_action=…`, so a WP Fusion URL keeps working when only its host changes. Empty turns `/` off.",
	"server.public_url":  "Where CRMs reach the hub, used in the webhook URLs printed at start. Empty: `http://<listen>`.",
	"secret_key_file": "File holding the key that encrypts generated passwords still waiting for their welcome mail or return write; never stored in the database. " +
		"Created at the first start; once the store has recorded its fingerprint, a hub whose file is missing or different refuses to start. " +
		"Every hub sharing a database needs the same file (see docs/operations.md). Applies at the next start.",
	"inbox.workers":                 "How many events this process applies at once; as many more wait claimed for a free worker. More apply a backlog faster (they share the store's transactions and wait on the CRM side by side) but leave less of the machine to taking webhooks. Applies at the next start.",
	"inbox.workers_while_receiving": "While webhooks arrive, how many of the workers apply events at once; the others wait until fewer are busy or the webhooks stop. Fewer leave more of the machine to taking webhooks, so they are acknowledged sooner under a stream, while the backlog grows and is applied at full strength once the stream ends. 0: all `inbox.workers`. Applies at the next start.",
	"inbox.max_attempts":            "Attempts an event gets for retryable errors before it ends `dead` / `gave_up`. Waiting for a plugin that is down or not configured costs no attempt.",
	"inbox.backoff_initial":         "Wait before the first retry; each further retry waits about twice as long, with jitter.",
	"inbox.backoff_max":             "Longest wait between two retries.",
	"inbox.max_backlog":             "Webhooks waiting to be applied above which new ones are refused with 429 and `Retry-After`.",
	"inbox.lease":                   "How long a worker holds an event without renewing its lease; the events of a worker that died go to another after this long. At least 1s.",
	"plugins.dir":                   "Folder of the plugin binaries, `crmhub-plugin-<name>`. Applies at the next start.",
	"plugins.max_procs":             "How many threads each plugin process runs Go code on at once (its `GOMAXPROCS`). 0: a quarter of the hub's, at least one. A plugin mostly waits on its CRM; on a small machine more threads take cores from the hub. Raise it for a plugin that is busy on its own. Applies at the next start.",
	"roles.default":                 "Role of a user created without a role (or with one not allowed). Must be one of `roles.allowed`.",
	"roles.allowed":                 "Roles a webhook may assign (`role` parameter or a mapped `role` field). In the environment: comma-separated.",
	"roles.privileged":              "Roles a webhook never assigns; a user holding one keeps its role, e-mail and password whatever a webhook says. In the environment: comma-separated.",
	"users.username_format":         "How a new user's username is made when no `username` field is mapped: `email`, `flname` (first and last name, lower case, letters and digits) or `fnamenum` (first name and a number).",
	"notify.login_url":              "The sign-in address the welcome mail links to (template variable `LoginURL`). Applies at the next start.",
	"notify.smtp.host":              "SMTP server of the welcome mail. Empty: no mail is sent. Applies at the next start.",
	"notify.smtp.port":              "SMTP port. Applies at the next start.",
	"notify.smtp.username":          "SMTP user name; empty: no authentication. Applies at the next start.",
	"notify.smtp.password":          "SMTP password. Applies at the next start.",
	"notify.smtp.from":              "Sender address of the welcome mail; required when `notify.smtp.host` is set. Applies at the next start.",
	"notify.smtp.starttls":          "Require STARTTLS before authenticating and sending. Applies at the next start.",
	"notify.welcome_template":       "A Go text/template file for the welcome mail (variables Username, Email, FirstName, LastName, LoginURL, Password). Empty: the built-in template. Applies at the next start.",
	"log.format":                    "The hub's log format: `text` or `json`. Applies at the next start.",
	"log.level":                     "Lowest level logged: `debug`, `info`, `warn` or `error`. Applies at the next start.",
	"apps.<name>.enabled":           "Whether this application gets user events, reads the API with its token and signs its users in. Toggling it on reload applies at once. The name is `[a-z0-9-]+`.",
	"apps.<name>.url":               "Where user events (`user.created`, `user.updated`) are POSTed, signed as Standard Webhooks; empty: no push (the change feed and sign-in still work).",
	"apps.<name>.secret":            "The signing secret, `whsec_<base64>`, as Standard Webhooks libraries take it. Empty: generated once, kept in the store and printed at start.",
	"apps.<name>.token":             "This application's bearer token: it may only read users (`GET /api/v1/users…`), read `/api/v1/changes` and call `/api/v1/auth/verify` (anything else → 403). At least 16 characters, its own: not admin.token nor another app's. Empty: none.",
	"apps.<name>.events":            "The event types pushed to this application (`user.created`, `user.updated`); empty: all. In the environment: comma-separated.",
	"delivery.max_attempts":         "Attempts a user event gets at an application before it ends `dead` (replayable).",
	"delivery.backoff_initial":      "Wait before the first retry of a delivery; later waits grow about ×60, ×6, ×4, ×2.5, then ×2, up to `delivery.backoff_max`.",
	"delivery.backoff_max":          "Longest wait between two delivery attempts.",
	"delivery.timeout":              "How long one delivery waits for the application's answer; no answer in time counts as a failure.",
	"changes.retention":             "How long a user change stays readable in the change feed (`GET /api/v1/changes`); older ones are deleted.",
	"crms.<name>.enabled": "Whether this CRM's plugin runs and its endpoint `/hooks/<name>` accepts webhooks (404 when off). A CRM named in any layer is on unless set false; " +
		"the built-in defaults name `klicktipp`. Toggling it on reload starts or stops the plugin.",
	"crms.<name>.plugin":     "The plugin: a name (`crmhub-plugin-<plugin>` in `plugins.dir`) or a path to the binary.",
	"crms.<name>.sha256":     "When set (64 hex digits), the checksum the plugin binary must have; another binary is refused.",
	"crms.<name>.access_key": "This CRM's own webhook key; empty: the global `access_key`.",
	"crms.<name>.rate_limit": "Calls to this CRM's API per second, all workers of this process together.",
	"crms.<name>.fields.<key>": "Maps a hub field (the key) to a CRM field (the value); only mapped fields are pulled. " +
		"The hub fields `username`, `password`, `role` and `email` are special; any other name is a profile field of the user.",
	"crms.<name>.return_password_field": "CRM field that receives a generated password after the user is created; empty: none is written.",
	"crms.<name>.settings.<key>":        "Checked against the plugin's settings schema when it starts (`crmhub plugins show <name>` prints it): a problem names its key and leaves the CRM not configured until the config changes; defaults are filled in. A YAML list is handed over joined with commas (a list setting). Settings the plugin marks secret, and those named like a secret, are redacted wherever the config is shown.",
}

// entryDefaults fill the entries of a map of sections, by the map's path.
var entryDefaults = map[string]map[string]any{
	"crms": crmDefaults,
}

// derivedDefaults are defaults that are no fixed value.
var derivedDefaults = map[string]string{
	"crms.<name>.plugin": "the CRM's name",
}
