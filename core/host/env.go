package host

import (
	"slices"
	"strconv"
	"strings"
)

// pluginEnvNames are the variables of the hub's environment a plugin
// process inherits. Everything else stays with the hub: its CRMHUB_
// configuration (the admin token, the database URL, other CRMs' settings)
// and whatever else its environment holds. A plugin gets its own settings
// through Configure, never through the environment; go-plugin adds the
// handshake cookie and its PLUGIN_ variables itself.
var pluginEnvNames = []string{
	// What any process expects: where programs and its home are, where
	// temporary files (go-plugin's socket among them) go, time zone and
	// language.
	"PATH", "HOME", "TMPDIR", "TZ", "LANG", "LANGUAGE",
	// The way to the CRM's API: the CA certificates to trust and the proxy
	// to use, as Go's TLS and HTTP clients read them.
	"SSL_CERT_FILE", "SSL_CERT_DIR",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
	// How the Go runtime behaves and reports a crash.
	"GODEBUG", "GOTRACEBACK", "GORACE",
}

// pluginEnvPrefix starts the locale variables (LC_ALL, LC_TIME, …), which
// a plugin inherits too.
const pluginEnvPrefix = "LC_"

// pluginEnv picks from environ (in os.Environ's form, NAME=value) the
// variables a plugin process may see.
func pluginEnv(environ []string) []string {
	var env []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if slices.Contains(pluginEnvNames, name) || strings.HasPrefix(name, pluginEnvPrefix) {
			env = append(env, kv)
		}
	}
	return env
}

// pluginGOGC is the Go collector's target for a plugin process: its heap
// may grow to three times what is live before a collection, not twice.
// A plugin's live heap is small and each call allocates, so with Go's
// default the collector took 7% of the KlickTipp plugin's CPU.
const pluginGOGC = "200"

// runtimeEnv sizes a plugin's Go runtime for a helper process: maxProcs
// threads running Go code at once (GOMAXPROCS) and fewer collections
// (GOGC). A plugin mostly waits on its CRM's API, on the machine the hub
// and often its database share. With a thread per core, its scheduler
// and sysmon took a fifth of its CPU, looking for work on cores the hub
// was using. On two cores the KlickTipp plugin spent a third less CPU per
// event with one thread and pluginGOGC, and update_tags on PostgreSQL,
// where no core was idle, went about a tenth faster (docs/performance.md).
func runtimeEnv(maxProcs int) []string {
	return []string{"GOMAXPROCS=" + strconv.Itoa(maxProcs), "GOGC=" + pluginGOGC}
}
