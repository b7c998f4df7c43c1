package harness

import (
	"crypto/rand"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/crmhub/crmhub/core/notify/smtptest"
)

// Config is what a spec chooses about a hub; Start writes it, with
// everything else at the built-in defaults, into a crmhub.yaml as an
// operator would (docs/configuration.md).
type Config struct {
	// Dir is the hub's working directory: its config file, log and secret
	// key live there, and (unless Database says otherwise) its SQLite file
	// in Dir/data. Hubs started on one Dir share the secret key, as
	// replicas must.
	Dir string
	// Database is the store's URL; "" means SQLiteIn(Dir).
	Database string
	// MaxConnections is database.max_connections; 0 keeps the default.
	// Hubs side by side on one PostgreSQL must fit its max_connections.
	MaxConnections int

	// AccessKey is the global webhook key and AdminToken the admin API's
	// bearer token; Start fills in random ones when empty.
	AccessKey  string
	AdminToken string

	// KlickTipp is the fake the klicktipp CRM's plugin talks to; Settings,
	// when set, replace its settings (e.g. a wrong password).
	KlickTipp *KlickTipp
	Settings  map[string]string
	// Plugin is the KlickTipp plugin binary; "" means the one Start got.
	Plugin string
	// RateLimit is the plugin's calls per second; 0 means 100,000, so a
	// test never waits for it.
	RateLimit float64
	// Fields maps hub fields to KlickTipp fields; nil means first_name,
	// last_name and phone, as configs/crmhub.yaml does.
	Fields map[string]string
	// ReturnPasswordField is the KlickTipp field a generated password is
	// written back to; "" writes none.
	ReturnPasswordField string
	// DisabledCRMs are configured but switched off (klicktipp among them,
	// or others): their webhooks answer 404.
	DisabledCRMs []string

	// TestPlugin, when set, is the test plugin's binary
	// (internal/testplugin): it then serves a CRM named test, whose account
	// holds contacts 1001 and 1002.
	TestPlugin string
	// TestSettings are added to the test CRM's settings (e.g. call_log).
	TestSettings map[string]string
	// DoorPlugin, when set, is the binary of the test plugin that checks
	// webhooks at the door (internal/testplugin.Door): it serves a CRM
	// named testdoor. DoorSettings, when set, replace its working settings.
	DoorPlugin   string
	DoorSettings map[string]string

	// MaxBody is server.max_body, e.g. "8MiB"; "" keeps the default.
	MaxBody string

	// SMTP is the mail server for welcome mails; nil sends none.
	SMTP *smtptest.Server

	// Inbox tuning; zero values keep the hub's defaults.
	Workers        int
	MaxAttempts    int
	BackoffInitial time.Duration
	BackoffMax     time.Duration
	// Lease is how long a worker holds an event without renewing it.
	Lease time.Duration

	// LogLevel is the hub's log level; "" means info.
	LogLevel string
	// Pprof serves Go's profiler at /debug/pprof/ to the admin token
	// (admin.pprof), e.g. for Hub.CPUProfile and Hub.Trace.
	Pprof bool

	// Apps receive the users, by name.
	Apps map[string]App
	// Delivery tunes pushing to the apps; zero values keep the defaults.
	Delivery Delivery

	// CRMs are more CRMs, by name (crms.<name>), each enabled.
	CRMs map[string]CRM
}

// App is an application the hub pushes user events to (apps.<name>).
type App struct {
	URL    string
	Secret string // whsec_…; "" lets the hub generate one
	Token  string
	Events []string
}

// Delivery tunes pushing user events (delivery.*).
type Delivery struct {
	MaxAttempts    int
	BackoffInitial time.Duration
	BackoffMax     time.Duration
	Timeout        time.Duration
}

// defaultFields are configs/crmhub.yaml's field mapping.
var defaultFields = map[string]string{"first_name": "fieldFirstName", "last_name": "fieldLastName", "phone": "fieldPhone"}

// SQLiteIn is the URL of a hub's SQLite file in dir/data, laid out as
// `make run` lays it out. The hub watches its config file's folder, so a
// database beside the config would wake that watch with every commit.
func SQLiteIn(dir string) string {
	return "sqlite://" + filepath.Join(dir, "data", "crmhub.db")
}

// withDefaults fills in what the spec left to the harness.
func (c Config) withDefaults() Config {
	// The hub runs in Dir: a relative Dir would be read from there again.
	if abs, err := filepath.Abs(c.Dir); err == nil {
		c.Dir = abs
	}
	if c.AccessKey == "" {
		c.AccessKey = "key-" + rand.Text()
	}
	if c.AdminToken == "" {
		c.AdminToken = "token-" + rand.Text()
	}
	if c.Database == "" {
		c.Database = SQLiteIn(c.Dir)
	}
	if c.RateLimit == 0 {
		c.RateLimit = 100_000
	}
	if c.Fields == nil {
		c.Fields = defaultFields
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	return c
}

// yaml renders the config file of a hub listening on listen.
func (c Config) yaml(listen, plugin string) ([]byte, error) {
	settings := c.Settings
	if settings == nil && c.KlickTipp != nil {
		settings = c.KlickTipp.Settings()
	}
	if c.Plugin != "" {
		plugin = c.Plugin
	}
	crms := map[string]any{
		"klicktipp": map[string]any{
			"enabled":               (c.KlickTipp != nil || c.Settings != nil) && !slices.Contains(c.DisabledCRMs, "klicktipp"),
			"plugin":                plugin,
			"rate_limit":            c.RateLimit,
			"fields":                maps.Clone(c.Fields),
			"return_password_field": c.ReturnPasswordField,
		},
	}
	if settings != nil { // a null would be read as an unknown key
		crms["klicktipp"].(map[string]any)["settings"] = settings
	}
	if c.TestPlugin != "" {
		settings := map[string]any{"api_key": "test-key"}
		for k, v := range c.TestSettings {
			settings[k] = v
		}
		crms["test"] = map[string]any{
			"plugin":     c.TestPlugin,
			"rate_limit": c.RateLimit,
			"settings":   settings,
		}
	}
	if c.DoorPlugin != "" {
		settings := map[string]any{"api_key": "test-key"}
		if c.DoorSettings != nil {
			settings = map[string]any{}
			for k, v := range c.DoorSettings {
				settings[k] = v
			}
		}
		crms["testdoor"] = map[string]any{"plugin": c.DoorPlugin, "settings": settings}
	}
	for _, name := range c.DisabledCRMs {
		if _, ok := crms[name]; !ok {
			crms[name] = map[string]any{"enabled": false, "plugin": plugin}
		}
	}
	for name, crm := range c.CRMs {
		crms[name] = crm.section(c.RateLimit)
	}

	inbox := map[string]any{}
	setIf(inbox, "workers", c.Workers, c.Workers > 0)
	setIf(inbox, "max_attempts", c.MaxAttempts, c.MaxAttempts > 0)
	setIf(inbox, "backoff_initial", c.BackoffInitial.String(), c.BackoffInitial > 0)
	setIf(inbox, "backoff_max", c.BackoffMax.String(), c.BackoffMax > 0)
	setIf(inbox, "lease", c.Lease.String(), c.Lease > 0)

	database := map[string]any{"url": c.Database}
	setIf(database, "max_connections", c.MaxConnections, c.MaxConnections > 0)

	doc := map[string]any{
		"listen":          listen,
		"database":        database,
		"access_key":      c.AccessKey,
		"admin":           map[string]any{"token": c.AdminToken, "pprof": c.Pprof},
		"secret_key_file": filepath.Join(c.Dir, "secret.key"),
		"inbox":           inbox,
		"log":             map[string]any{"level": c.LogLevel, "format": "text"},
		"notify":          map[string]any{"login_url": "http://" + listen + "/login"},
		"crms":            crms,
	}
	if c.MaxBody != "" {
		doc["server"] = map[string]any{"max_body": c.MaxBody}
	}
	if len(c.Apps) > 0 {
		appsDoc := map[string]any{}
		for name, a := range c.Apps {
			appsDoc[name] = map[string]any{"enabled": true, "url": a.URL, "secret": a.Secret, "token": a.Token,
				"events": append([]string{}, a.Events...)}
		}
		doc["apps"] = appsDoc
	}
	delivery := map[string]any{}
	setIf(delivery, "max_attempts", c.Delivery.MaxAttempts, c.Delivery.MaxAttempts > 0)
	setIf(delivery, "backoff_initial", c.Delivery.BackoffInitial.String(), c.Delivery.BackoffInitial > 0)
	setIf(delivery, "backoff_max", c.Delivery.BackoffMax.String(), c.Delivery.BackoffMax > 0)
	setIf(delivery, "timeout", c.Delivery.Timeout.String(), c.Delivery.Timeout > 0)
	if len(delivery) > 0 {
		doc["delivery"] = delivery
	}
	if c.SMTP != nil {
		doc["notify"] = map[string]any{
			"login_url": "http://" + listen + "/login",
			"smtp": map[string]any{
				"host": c.SMTP.Host, "port": c.SMTP.Port, "from": "hub@crmhub.test",
				// The test server's certificate is made at its start; the
				// hub has no way to trust it, so mail goes in the clear on
				// loopback.
				"starttls": false,
			},
		}
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("render config: %w", err)
	}
	return out, nil
}

func setIf(m map[string]any, key string, v any, ok bool) {
	if ok {
		m[key] = v
	}
}

// writeConfig writes the config file of a hub listening on listen.
func writeConfig(path string, c Config, listen, plugin string) error {
	out, err := c.yaml(listen, plugin)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}
