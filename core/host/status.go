package host

import (
	"errors"
	"fmt"
	"time"
)

// The states of a CRM's plugin, as /api/v1/plugins shows them.
const (
	// StateStarting: the process is being launched and handshaken.
	StateStarting = "starting"
	// StateRunning: the plugin is up and configured; calls go through.
	StateRunning = "running"
	// StateNotConfigured: the plugin runs but Configure failed. Bad
	// settings stay so until the config changes; a transient failure or
	// refused credentials are retried with backoff.
	StateNotConfigured = "not_configured"
	// StateCrashed: the process died or could not be started; it is
	// restarted with backoff. A binary that is another plugin than the
	// configured one is not restarted until the config changes or is
	// reloaded.
	StateCrashed = "crashed"
	// StateStopped: the CRM was removed from the config or the hub is
	// shutting down.
	StateStopped = "stopped"
)

// ErrPluginDown means a CRM's plugin is not running and configured, or died
// during the call. It is no answer of the CRM: a caller waits for the
// plugin instead of counting a failed attempt.
var ErrPluginDown = errors.New("plugin not available")

// ErrPluginDied is the ErrPluginDown of a call that reached the plugin,
// which then died (or stopped) before it answered: unlike a plugin that was
// not running, the call may have been the cause. errors.Is(err,
// ErrPluginDown) holds for it too.
var ErrPluginDied = fmt.Errorf("plugin died during the call: %w", ErrPluginDown)

// PluginStatus is what the host knows about one CRM's plugin.
type PluginStatus struct {
	// Name is the CRM's name.
	Name string
	// State is one of the State constants.
	State string
	// Version is the plugin's own version, from its Info.
	Version string
	// LastError says why the plugin is not running: empty while it runs
	// and once it is stopped; while it is started or configured again, it
	// still says why that was needed. For a process that died it ends with
	// the last lines of its stderr.
	LastError string
	// Restarts counts how often the process was started again after a
	// crash or a failed start.
	Restarts int
	// PID is the plugin's process id; 0 when no process runs.
	PID int
	// Since is when State was entered.
	Since time.Time
	// NextAttempt, when set, is when the host will next try to start or
	// configure the plugin.
	NextAttempt time.Time
	// Secret lists the settings the plugin's Info marks secret; the hub
	// redacts their values wherever it shows a config.
	Secret []string
}
