package config

import (
	"slices"
	"time"
)

// Config is the hub's whole configuration; docs/configuration.md lists
// every key (make docs writes it from this type and keydocs.go).
type Config struct {
	Listen        string         `koanf:"listen"`
	Database      Database       `koanf:"database"`
	AccessKey     string         `koanf:"access_key"`
	Admin         Admin          `koanf:"admin"`
	Server        Server         `koanf:"server"`
	SecretKeyFile string         `koanf:"secret_key_file"`
	Inbox         Inbox          `koanf:"inbox"`
	Plugins       Plugins        `koanf:"plugins"`
	Roles         Roles          `koanf:"roles"`
	Users         Users          `koanf:"users"`
	Notify        Notify         `koanf:"notify"`
	Log           Log            `koanf:"log"`
	CRMs          map[string]CRM `koanf:"crms"`
	Apps          map[string]App `koanf:"apps"`
	Delivery      Delivery       `koanf:"delivery"`
	Changes       Changes        `koanf:"changes"`

	raw map[string]any // the merged layers, for Redacted
}

// Database names the store.
type Database struct {
	// URL is sqlite://<path> or postgres://user:pass@host:port/db.
	URL string `koanf:"url"`
	// MaxConnections caps this process's PostgreSQL connections.
	MaxConnections int `koanf:"max_connections"`
	// PreparedStatements keeps the busiest statements prepared on
	// PostgreSQL; off behind a pooler that cannot carry them.
	PreparedStatements bool `koanf:"prepared_statements"`
}

// Admin configures the admin API.
type Admin struct {
	// Token is the bearer token of /api/v1 and the web console's sign-in;
	// empty turns both off.
	Token string `koanf:"token"`
	// Pprof serves Go's profiler at /debug/pprof/ to the admin token.
	Pprof bool `koanf:"pprof"`
}

// Server configures the HTTP server.
type Server struct {
	MaxBody ByteSize `koanf:"max_body"`
	// DefaultCRM receives WP Fusion-style webhooks sent to "/".
	DefaultCRM string `koanf:"default_crm"`
	// PublicURL is where CRMs reach the hub; "" means http://<listen>.
	PublicURL string `koanf:"public_url"`
}

// Inbox configures webhook processing.
type Inbox struct {
	Workers        int           `koanf:"workers"`
	MaxAttempts    int           `koanf:"max_attempts"`
	BackoffInitial time.Duration `koanf:"backoff_initial"`
	BackoffMax     time.Duration `koanf:"backoff_max"`
	MaxBacklog     int           `koanf:"max_backlog"`
	// WorkersWhileReceiving bounds the events applied at once while
	// webhooks arrive; 0 leaves it to Workers.
	WorkersWhileReceiving int `koanf:"workers_while_receiving"`
	// Lease is how long a worker holds an event without renewing it; a
	// worker that dies loses its events to another after this long.
	Lease time.Duration `koanf:"lease"`
}

// Plugins configures where plugin binaries are found and how their
// processes run.
type Plugins struct {
	Dir string `koanf:"dir"`
	// MaxProcs is each plugin process's GOMAXPROCS; 0 lets the host
	// choose (host.Options.MaxProcs).
	MaxProcs int `koanf:"max_procs"`
}

// Roles says which roles webhooks may assign.
type Roles struct {
	Default    string   `koanf:"default"`
	Allowed    []string `koanf:"allowed"`
	Privileged []string `koanf:"privileged"`
}

// Users configures how new users are named.
type Users struct {
	UsernameFormat string `koanf:"username_format"` // email | flname | fnamenum
}

// Notify configures the welcome mail.
type Notify struct {
	LoginURL        string `koanf:"login_url"`
	SMTP            SMTP   `koanf:"smtp"`
	WelcomeTemplate string `koanf:"welcome_template"`
}

// SMTP is the mail server the welcome mail goes through.
type SMTP struct {
	Host     string `koanf:"host"`
	Port     int    `koanf:"port"`
	Username string `koanf:"username"`
	Password string `koanf:"password"`
	From     string `koanf:"from"`
	StartTLS bool   `koanf:"starttls"`
}

// Log configures the hub's own log.
type Log struct {
	Format string `koanf:"format"` // text | json
	Level  string `koanf:"level"`  // debug | info | warn | error
}

// CRM configures one CRM and its plugin.
type CRM struct {
	Enabled bool `koanf:"enabled"`
	// Plugin is a plugin name (crmhub-plugin-<name> in plugins.dir) or a
	// path. The plugin must call itself by that name; a path names it by its
	// file name, without the crmhub-plugin- prefix.
	Plugin string `koanf:"plugin"`
	// SHA256, when set, is the checksum the plugin binary must have.
	SHA256 string `koanf:"sha256"`
	// AccessKey overrides the global access key for this CRM's webhooks.
	AccessKey string  `koanf:"access_key"`
	RateLimit float64 `koanf:"rate_limit"`
	// Fields maps hub fields to CRM fields.
	Fields              map[string]string `koanf:"fields"`
	ReturnPasswordField string            `koanf:"return_password_field"`
	// Settings are checked against the plugin's settings schema, defaults
	// filled in, and handed to its Configure.
	Settings Settings `koanf:"settings"`
}

// Settings are a CRM's plugin settings, every value a string as plugins
// take them. A YAML list is joined with commas: a plugin's list setting.
type Settings map[string]string

// App is an application that receives the hub's users: user events
// pushed to URL, signed with Secret, and the API for Token.
type App struct {
	Enabled bool `koanf:"enabled"`
	// URL receives the user events; empty means no push.
	URL string `koanf:"url"`
	// Secret signs the pushed events: whsec_<base64>. Empty means the one
	// generated at the first start and kept in the store.
	Secret string `koanf:"secret"`
	// Token is the app's bearer token for reading users and changes and
	// for checking sign-ins; empty means none.
	Token string `koanf:"token"`
	// Events are the event types pushed; empty means all.
	Events []string `koanf:"events"`
}

// App event types.
const (
	EventUserCreated = "user.created"
	EventUserUpdated = "user.updated"
)

// Wants reports whether the app receives events of type typ.
func (a App) Wants(typ string) bool {
	return len(a.Events) == 0 || slices.Contains(a.Events, typ)
}

// Delivery configures how user events are pushed to every app.
type Delivery struct {
	MaxAttempts    int           `koanf:"max_attempts"`
	BackoffInitial time.Duration `koanf:"backoff_initial"`
	BackoffMax     time.Duration `koanf:"backoff_max"`
	// Timeout bounds one POST; no answer in time counts as a failure.
	Timeout time.Duration `koanf:"timeout"`
}

// Changes configures the change feed.
type Changes struct {
	// Retention is how long a change stays readable.
	Retention time.Duration `koanf:"retention"`
}

// EnabledApps returns the names of the enabled apps, sorted.
func (c *Config) EnabledApps() []string {
	var names []string
	for name, app := range c.Apps {
		if app.Enabled {
			names = append(names, name)
		}
	}
	sortStrings(names)
	return names
}

// Enabled returns the names of the enabled CRMs, sorted.
func (c *Config) Enabled() []string {
	var names []string
	for name, crm := range c.CRMs {
		if crm.Enabled {
			names = append(names, name)
		}
	}
	sortStrings(names)
	return names
}

// CRMAccessKey returns the key webhooks of crm must carry: its own, else
// the global one (which may still be empty before the store generates it).
func (c *Config) CRMAccessKey(crm string) string {
	if k := c.CRMs[crm].AccessKey; k != "" {
		return k
	}
	return c.AccessKey
}

// PublicBaseURL is the URL CRMs use to reach the hub, without a trailing slash.
func (c *Config) PublicBaseURL() string {
	if c.Server.PublicURL != "" {
		return trimSlash(c.Server.PublicURL)
	}
	return "http://" + c.Listen
}
