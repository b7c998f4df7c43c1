package host

import (
	"maps"
	"path/filepath"
	"strings"
)

// Spec is one enabled CRM, from the config's crms.<name>.
type Spec struct {
	// Name is the CRM's name, e.g. "klicktipp".
	Name string
	// Plugin names the binary: "klicktipp" runs <Dir>/crmhub-plugin-klicktipp;
	// a value containing a path separator is a path. It also names the
	// plugin that must answer (see pluginName): a binary whose Info gives
	// another name is refused.
	Plugin string
	// SHA256, when set, is the hex checksum the binary must have.
	SHA256 string
	// Settings are handed to the plugin's Configure verbatim.
	Settings map[string]string
	// RateLimit is how many calls per second may reach the CRM's API
	// (GetContact, FindContact, ListTags, ListFields, UpdateContact), all
	// callers together; 0 means unlimited.
	RateLimit float64
}

// BinaryPrefix starts the file name of every plugin binary in the plugin
// directory.
const BinaryPrefix = "crmhub-plugin-"

// isPath reports whether Plugin is a path rather than a name.
func (s Spec) isPath() bool {
	return strings.ContainsRune(s.Plugin, filepath.Separator) || strings.ContainsRune(s.Plugin, '/')
}

// binary is the path of the plugin binary to run.
func (s Spec) binary(dir string) string {
	if s.isPath() {
		return s.Plugin
	}
	path := filepath.Join(dir, BinaryPrefix+s.Plugin)
	if !strings.ContainsRune(path, filepath.Separator) {
		path = "." + string(filepath.Separator) + path // the working directory, never $PATH
	}
	return path
}

// pluginName is the name the plugin's Info must give: Plugin itself, or
// for a path its file name without the crmhub-plugin- prefix, so that
// /opt/crmhub/crmhub-plugin-klicktipp and /opt/crmhub/klicktipp both name
// klicktipp. The CRM's own name does not count: a second KlickTipp account,
// crms.kt2 with plugin klicktipp, is served by the klicktipp plugin.
func (s Spec) pluginName() string {
	if !s.isPath() {
		return s.Plugin
	}
	return strings.TrimPrefix(filepath.Base(s.Plugin), BinaryPrefix)
}

// sameProcess reports whether a plugin started for s can keep serving t:
// everything but the rate limit needs a fresh start.
func (s Spec) sameProcess(t Spec) bool {
	return s.Name == t.Name && s.Plugin == t.Plugin && strings.EqualFold(s.SHA256, t.SHA256) &&
		maps.Equal(s.Settings, t.Settings)
}
